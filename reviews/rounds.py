"""Writes with rules for review rounds (DESIGN.md §5): staff open a round on an integration in
`review`, add feedback items, resolve them and decide; the partner replies on each item.

A decision is taken by pipeline.services.review_decide: it closes the round here and, for
`changes_requested`, moves the integration back to `develop` in the same transaction. Approving
is refused while blocking feedback is open (the same rule stops the move to release).
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import is_member, partner_emails, require
from accounts.models import User
from accounts.notifications import notify
from accounts.roles import is_program_staff
from config.errors import DomainError, Unmet
from integrations.models import Integration, Stage
from reviews import selectors
from reviews.models import FeedbackItem, FeedbackReply, ReviewRound

DECISIONS = (ReviewRound.Status.APPROVED, ReviewRound.Status.CHANGES_REQUESTED)


def _link(integration: Integration, anchor: str) -> str:
    return reverse("integration_detail", args=[integration.pk]) + anchor


def _require_staff(actor: User, action: str) -> None:
    require(is_program_staff(actor), f"Only program staff {action}.", code="staff_only")


def _require_text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError.invalid(
            "Write something first.", errors={field: ["This field may not be blank."]}
        )
    return value


def blocking_feedback_unmet(open_blocking: int) -> list[Unmet]:
    """Open blocking review feedback (`open_blocking` items): it stops both approval and
    release."""
    if open_blocking:
        return [
            Unmet(
                "blocking_feedback", f"{open_blocking} blocking review feedback item(s) still open."
            )
        ]
    return []


def round_open_unmet(integration: Integration) -> list[Unmet]:
    """Why a round cannot be opened on `integration` now; empty when it can."""
    unmet = []
    if integration.stage != Stage.REVIEW:
        unmet.append(
            Unmet("not_in_review", "Review rounds are opened while the integration is in Review.")
        )
    if selectors.round_is_open(integration=integration):
        unmet.append(
            Unmet("round_open", "This integration already has an open review round; decide it.")
        )
    return unmet


def round_open(*, integration: Integration, actor: User, summary: str = "") -> ReviewRound:
    """Open a review round, linking the newest finished run of each live target."""
    _require_staff(actor, "open review rounds")
    with transaction.atomic():
        locked = Integration.objects.select_for_update().get(pk=integration.pk)
        unmet = round_open_unmet(locked)
        if unmet:
            raise DomainError(unmet[0].message, code=unmet[0].code, unmet=unmet)
        try:
            with transaction.atomic():
                review_round = ReviewRound.objects.create(
                    integration=locked, summary=summary.strip(), opened_by=actor
                )
        except IntegrityError as error:  # one_open_round_per_integration
            raise DomainError(
                "This integration already has an open review round.", code="round_open"
            ) from error
        review_round.runs.add(*selectors.latest_finished_runs(integration=locked))
    return review_round


def _lock_open_round(review_round: ReviewRound) -> ReviewRound:
    locked = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
    if locked.status != ReviewRound.Status.OPEN:
        raise DomainError(
            f"This review round is closed ({locked.get_status_display().lower()}).",
            code="round_closed",
        )
    return locked


def feedback_add(
    *, review_round: ReviewRound, actor: User, body: str, blocking: bool = False
) -> FeedbackItem:
    """Add a feedback item to an open round; the partner's people hear about it."""
    _require_staff(actor, "give review feedback")
    body = _require_text(body, "body")
    integration = review_round.integration
    with transaction.atomic():
        locked = _lock_open_round(review_round)
        item = FeedbackItem.objects.create(round=locked, body=body, blocking=blocking, author=actor)
        notify(
            "review_feedback",
            to=partner_emails(integration.partner),
            context={"integration": integration, "round": locked, "item": item},
            key=f"feedback:{item.pk}",
            link=_link(integration, f"#feedback-{item.pk}"),
            actor=actor,
        )
    return item


def feedback_reply(*, item: FeedbackItem, actor: User, body: str) -> FeedbackReply:
    """Answer a feedback item that is not resolved yet (its round may be decided already: the
    partner answers changes requested while back in development). A partner's reply is sent
    to the integration's assignee, or else to whoever opened the round."""
    integration = item.round.integration
    staff = is_program_staff(actor)
    require(
        staff or is_member(actor, integration.partner),
        "Only the integration's partner and program staff can reply.",
        code="not_member",
    )
    body = _require_text(body, "body")
    with transaction.atomic():
        locked = FeedbackItem.objects.select_for_update().get(pk=item.pk)
        if locked.resolved_at is not None:
            raise DomainError("This feedback item is resolved.", code="feedback_resolved")
        reply = FeedbackReply.objects.create(item=locked, author=actor, body=body)
        if not staff:
            reviewer = integration.assignee or item.round.opened_by
            notify(
                "review_reply",
                to=[reviewer.email] if reviewer else [],
                context={
                    "integration": integration,
                    "round": item.round,
                    "item": locked,
                    "reply": reply,
                },
                key=f"reply:{reply.pk}",
                link=_link(integration, f"#feedback-{locked.pk}"),
                actor=actor,
            )
    return reply


def feedback_resolve(*, item: FeedbackItem, actor: User) -> FeedbackItem:
    _require_staff(actor, "resolve review feedback")
    now = timezone.now()
    resolved = FeedbackItem.objects.filter(pk=item.pk, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=actor
    )
    if not resolved:
        raise DomainError("This feedback item is already resolved.", code="feedback_resolved")
    item.resolved_at, item.resolved_by = now, actor
    return item


def round_close(
    *, review_round: ReviewRound, actor: User, decision: str, summary: str = ""
) -> ReviewRound:
    """Close an open round with `decision` (pipeline.services.review_decide calls this, in the
    transaction that also moves the stage). `approved` needs every blocking item of the
    integration resolved. Runs finished since the round opened are linked."""
    _require_staff(actor, "decide review rounds")
    if decision not in DECISIONS:
        raise DomainError.invalid(
            f"“{decision}” is not a decision.",
            errors={"decision": [f"Choose one of: {', '.join(DECISIONS)}."]},
        )
    integration = review_round.integration
    with transaction.atomic():
        # Lock order as in round_open and the transition service: the integration, then the round.
        Integration.objects.select_for_update().get(pk=integration.pk)
        locked = _lock_open_round(review_round)
        if decision == ReviewRound.Status.APPROVED and (
            unmet := blocking_feedback_unmet(
                selectors.review_facts_of(integration=integration)["open_blocking"]
            )
        ):
            raise DomainError(
                "Resolve the blocking feedback before approving.",
                code="blocking_feedback",
                unmet=unmet,
            )
        locked.status = decision
        locked.decision_summary = summary.strip()
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "decision_summary", "decided_by", "decided_at"])
        locked.runs.add(
            *selectors.runs_finished_since(integration=integration, since=locked.opened_at)
        )
        notify(
            "review_decision",
            to=partner_emails(integration.partner),
            context={"integration": integration, "round": locked},
            key=f"round:{locked.pk}",
            link=_link(integration, "#review-rounds"),
            actor=actor,
        )
    return locked
