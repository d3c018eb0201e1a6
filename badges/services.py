"""Writes with rules for badges: issue and revoke (admins); suspend and restore, which the
program decides from facts (`badges_refresh`: the listing, the evidence target, its runs, the
support standing); continuous re-verification. Every change writes a BadgeEvent, e-mails the
partner's people and refreshes the public badge after commit."""

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone

from accounts.access import partner_emails, require
from accounts.notifications import notify
from accounts.roles import is_admin
from badges import rendering
from badges.eligibility import badge_eligibility, platform_unmet
from badges.models import (
    LIVE_STATUSES,
    Badge,
    BadgeEvent,
    BadgeKind,
    BadgeStatus,
    StatusReason,
)
from config.errors import DomainError
from integrations.models import LISTED, Integration, Stage
from reviews import selectors as review_selectors
from reviews import services as review_services
from reviews.models import RunPurpose, RunStatus, VerificationRun
from support_sla.models import Standing, StandingRecord

# Suspensions and restorations concern everyone who can fix the evidence (any of the
# partner's people); issuing, revoking and re-verifying concern the partner's owners.
ALL_PEOPLE_ACTIONS = {BadgeEvent.Action.SUSPENDED, BadgeEvent.Action.RESTORED}


def _recipients(integration: Integration, action: str) -> list[str]:
    owners_only = action not in ALL_PEOPLE_ACTIONS
    return partner_emails(integration.partner, owners_only=owners_only)


def _record(badge: Badge, action: str, *, actor=None, reason: str = "", run=None) -> None:
    event = BadgeEvent.objects.create(
        badge=badge, action=action, actor=actor, reason=reason, run=run
    )
    transaction.on_commit(partial(rendering.forget, badge.public_id))
    notify(
        "badge_changed",
        to=_recipients(badge.integration, action),
        context={
            "badge": badge,
            "action": action,
            "reason": reason,
            "integration": badge.integration,
        },
        key=f"badge_event:{event.pk}",
        link=reverse("integration_detail", args=[badge.integration_id]),
        actor=actor,
    )


def badge_issue(*, integration: Integration, kind: str, actor) -> Badge:
    """Issue a badge of `kind` (admins only) if the integration is eligible (409 with the
    unmet conditions otherwise). Of two racing issues, exactly one wins."""
    require(is_admin(actor), "Only program admins issue badges.", code="admins_only")
    if kind not in BadgeKind.values:
        raise DomainError.invalid(f"“{kind}” is not a badge kind.", code="unknown_kind")
    try:
        with transaction.atomic():
            locked = (
                Integration.objects.select_for_update()
                .select_related("partner")
                .get(pk=integration.pk)
            )
            if Badge.objects.filter(
                integration=locked, kind=kind, status__in=LIVE_STATUSES
            ).exists():
                raise DomainError(
                    f"{locked.name} already has a {BadgeKind(kind).label} badge.",
                    code="badge_exists",
                )
            eligibility = badge_eligibility(integration=locked, kind=kind)
            if eligibility.unmet:
                raise DomainError(
                    f"{locked.name} is not eligible for {BadgeKind(kind).label} yet.",
                    code="not_eligible",
                    unmet=eligibility.unmet,
                )
            badge = Badge.objects.create(
                integration=locked,
                kind=kind,
                run=eligibility.run,
                issued_by=actor,
                verified_at=eligibility.run.finished_at,
            )
            _record(badge, BadgeEvent.Action.ISSUED, actor=actor, run=eligibility.run)
    except IntegrityError as error:  # the partial unique constraint: a racing issue won
        raise DomainError(
            f"{integration.name} already has a {BadgeKind(kind).label} badge.",
            code="badge_exists",
        ) from error
    return badge


def badge_revoke(*, badge: Badge, actor, reason: str) -> Badge:
    """Revoke (admins only, with a reason). A revocation is never undone automatically."""
    require(is_admin(actor), "Only program admins revoke badges.", code="admins_only")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError.invalid(
            "Give a reason; the partner will read it.",
            code="reason_required",
            errors={"reason": ["Required."]},
        )
    with transaction.atomic():
        locked = (
            Badge.objects.select_for_update()
            .select_related("integration__partner")
            .get(pk=badge.pk)
        )
        if locked.status == BadgeStatus.REVOKED:
            raise DomainError("This badge is already revoked.", code="already_revoked")
        locked.status = BadgeStatus.REVOKED
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.revocation_reason = reason
        locked.save()
        _record(locked, BadgeEvent.Action.REVOKED, actor=actor, reason=reason)
    return locked


# --- Suspension and restoration: facts, not causes stacked up -----------------------------


@dataclass(frozen=True)
class Facts:
    """What decides whether an integration's badges may be active, read once per refresh
    (under the integration's lock)."""

    stage: str
    evidence: object  # the evidence target, or None
    verdicts: list  # the evidence target's latest two verdict runs, newest first
    standing: StandingRecord | None


def _facts(integration: Integration) -> Facts:
    evidence = review_selectors.evidence_target_of(integration=integration)
    verdicts = []
    if evidence is not None:
        verdicts = list(review_selectors.verdict_runs(target=evidence).select_related("target")[:2])
    return Facts(
        stage=integration.stage,
        evidence=evidence,
        verdicts=verdicts,
        standing=StandingRecord.objects.filter(integration=integration).first(),
    )


def _good_for(run: VerificationRun, badge: Badge) -> bool:
    """Is `run` a pass that could justify `badge`: passed, on a platform that fits its kind?"""
    return run.status == RunStatus.PASSED and platform_unmet(run, badge.kind) is None


def suspension_reason(badge: Badge, facts: Facts) -> tuple[str, str] | None:
    """(status reason, in words) of the first fact that holds the badge suspended, in
    `StatusReason` order; None when it may be active.

    - not listed: the integration left release/support (withdrawn, rejected, delisted);
    - support failing: the support standing is failing, or it is not yet back to good and
      support is what suspended the badge (failing suspends, only good restores);
    - evidence archived: the integration has no evidence target, or the run that justifies
      the badge is on a deleted target (until a run of the evidence target justifies it);
    - re-verification failed: the evidence target's last two verdicts (any run that started,
      the partner's own included) did not pass on the badge's platform."""
    if facts.stage not in LISTED:
        stage = Stage(facts.stage).label.lower()
        return StatusReason.NOT_LISTED, f"The integration is no longer listed ({stage})."
    standing = facts.standing.standing if facts.standing is not None else Standing.GOOD
    if standing == Standing.FAILING or (
        standing != Standing.GOOD and badge.status_reason == StatusReason.SUPPORT_FAILING
    ):
        return StatusReason.SUPPORT_FAILING, (
            f"Support standing is {Standing(standing).label.lower()}: {facts.standing.reason}"
        )
    if facts.evidence is None or badge.run.target.archived_at is not None:
        return StatusReason.EVIDENCE_ARCHIVED, (
            "The evidence target was deleted; the badge waits for a passing run of the "
            "integration's evidence target."
        )
    verdicts = facts.verdicts
    if len(verdicts) == 2 and not any(_good_for(run, badge) for run in verdicts):
        latest = verdicts[0].reason or verdicts[0].get_status_display().lower()
        return StatusReason.REVERIFICATION_FAILED, (
            f"The evidence target's last two verifications did not pass. Latest: {latest}"
        )
    return None


def badges_refresh(*, integration: Integration, run: VerificationRun | None = None) -> int:
    """Bring the integration's live badges in line with the facts: suspend the active ones a
    fact holds (`suspension_reason`), restore the suspended ones none holds any more, and
    renew the evidence of each from `run` when it is a newer pass of the evidence target that
    fits the badge. Every change of the listing, the evidence target, its runs and the support
    standing calls this; the program's own decision, so there is no actor. A revoked badge is
    not live and never comes back.

    Locks the integration row first and reads the facts after: of a refresh and a transition
    (which holds that lock) racing, the later sees the other's result, so a badge is never left
    active on a delisted integration. Returns how many badges changed status."""
    changed = 0
    with transaction.atomic():
        locked = (
            Integration.objects.select_for_update().select_related("partner").get(pk=integration.pk)
        )
        badges = list(
            Badge.objects.select_for_update(of=("self",))
            .select_related("run__target")
            .filter(integration=locked, status__in=LIVE_STATUSES)
            .order_by("pk")
        )
        if not badges:
            return 0
        facts = _facts(locked)
        for badge in badges:
            badge.integration = locked
            if run is not None and _renews(badge, run, facts):
                badge.run, badge.verified_at = run, run.finished_at
                badge.save(update_fields=["run", "verified_at"])
                _record(badge, BadgeEvent.Action.REVERIFIED, run=run)
            held = suspension_reason(badge, facts)
            if badge.status == BadgeStatus.ACTIVE and held is not None:
                badge.status, badge.suspended_at = BadgeStatus.SUSPENDED, timezone.now()
                badge.status_reason, badge.suspension_reason = held
                badge.save()
                _record(badge, BadgeEvent.Action.SUSPENDED, reason=held[1], run=run)
                changed += 1
            elif badge.status == BadgeStatus.SUSPENDED and held is None:
                badge.status, badge.suspended_at = BadgeStatus.ACTIVE, None
                badge.status_reason, badge.suspension_reason = "", ""
                badge.save()
                _record(badge, BadgeEvent.Action.RESTORED, reason=_RESTORED, run=run)
                changed += 1
            elif held is not None and (badge.status_reason, badge.suspension_reason) != held:
                # Still suspended, now for another reason: say the one that holds.
                badge.status_reason, badge.suspension_reason = held
                badge.save(update_fields=["status_reason", "suspension_reason"])
                transaction.on_commit(partial(rendering.forget, badge.public_id))
    return changed


_RESTORED = "Nothing holds the badge suspended any more."


def _renews(badge: Badge, run: VerificationRun, facts: Facts) -> bool:
    """`run` is the evidence target's newest verdict, newer than the badge's evidence, and a
    pass that fits the badge's kind."""
    return (
        bool(facts.verdicts)
        and facts.verdicts[0].pk == run.pk
        and run.finished_at > badge.verified_at
        and _good_for(run, badge)
    )


def evidence_run_finished(*, run: VerificationRun) -> None:
    """A run ended (reviews.services calls this for every run): if it is a run of the evidence
    target of an integration with live badges, the badges follow it, whoever asked for it."""
    if not run.target.primary or run.target.archived_at is not None:
        return
    if Badge.objects.filter(integration=run.integration_id, status__in=LIVE_STATUSES).exists():
        badges_refresh(integration=run.integration, run=run)


# --- Continuous re-verification -----------------------------------------------------------


def badges_reverify_due(*, now=None) -> int:
    """Queue a re-verification of the evidence target of every integration with an active or
    suspended badge once VIP_REVERIFY_DAYS have passed since its last re-verification that
    started (or since its oldest live badge was issued), whatever other runs happened: the
    partner's own runs do not put it off (they count as verdicts all the same). Beat calls
    this hourly. Returns how many runs were queued."""
    now = now or timezone.now()
    due_before = now - timedelta(days=settings.VIP_REVERIFY_DAYS)
    queued = 0
    issued = (
        Badge.objects.filter(status__in=LIVE_STATUSES)
        .values("integration")
        .annotate(first=Min("issued_at"))
        .values_list("integration", "first")
    )
    for integration_id, first_issued in issued:
        target = review_selectors.evidence_target_of(integration=integration_id)
        if target is None:  # deleted: the badges are suspended until staff choose another
            continue
        last = (
            VerificationRun.objects.filter(
                target=target, purpose=RunPurpose.REVERIFICATION, started_at__isnull=False
            )
            .order_by("-started_at")
            .values_list("started_at", flat=True)
            .first()
        )
        if (last or first_issued) > due_before:
            continue
        try:
            review_services.run_request(
                target=target, actor=None, purpose=RunPurpose.REVERIFICATION
            )
        except DomainError:  # a run is already open, or the task queue refused it: next hour
            continue
        queued += 1
    return queued
