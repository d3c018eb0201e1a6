"""Writes of the pipeline: the stage moves (the only way a stage changes) and their undo, a
review decision with the move it makes, and a partner's details with its support calendar:
each a rule across apps, in one transaction."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import partner_emails, require
from accounts.models import User
from accounts.notifications import notify
from badges.services import badges_refresh
from config.errors import DomainError
from integrations import services as integration_services
from integrations.models import LISTED, STAGE_FIELD, Integration, Partner, Stage, StageTransition
from integrations.services import history_record
from pipeline import guards
from pipeline.facts import facts_of
from pipeline.selectors import undo_offer
from reviews.models import ReviewRound
from reviews.rounds import round_close
from support_sla.models import default_working_days
from support_sla.services import calendar_update

# The partner's support calendar, kept by support_sla (Python weekday numbers, dates).
CALENDAR_FIELDS = ("working_days", "closures")


# --- Partners ------------------------------------------------------------------------------


def partner_create(*, owner: User, name: str, **fields) -> Partner:
    """Create a partner organisation with `owner` as its first owner, and its support
    calendar (Monday to Friday without closures unless `working_days`/`closures` say)."""
    working_days = fields.pop("working_days", default_working_days())
    closures = fields.pop("closures", [])
    with transaction.atomic():
        partner = integration_services.partner_create(owner=owner, name=name, **fields)
        calendar_update(partner=partner, actor=owner, working_days=working_days, closures=closures)
    return partner


def partner_update(*, partner: Partner, actor: User, data: dict) -> Partner:
    """Owners edit their partner's details and support calendar; only program staff record
    MNDA and agreement. Support settings (time zone, holiday region, working days, closures)
    apply to SLA clocks that start after the change: running clocks keep theirs."""
    calendar = {field: value for field, value in data.items() if field in CALENDAR_FIELDS}
    details = {field: value for field, value in data.items() if field not in CALENDAR_FIELDS}
    with transaction.atomic():
        partner = integration_services.partner_update(partner=partner, actor=actor, data=details)
        if calendar:
            calendar_update(partner=partner, actor=actor, **calendar)
    return partner


# --- Transitions ---------------------------------------------------------------------------


def integration_transition(
    *, integration: Integration, to: str, actor: User | None, note: str = ""
) -> StageTransition:
    """Move `integration` to stage `to`: the only way a stage changes.

    Locks the row, so of two racing requests exactly one wins and the other sees the new
    stage and gets a conflict; checks who may move it and the guard; writes the history row
    in the same transaction; tells the partner after commit. `actor=None` is the system.
    Badges follow the listing in the same transaction: leaving `release`/`support` suspends
    them (`not_listed`), coming back lets them be active again if nothing else holds them.
    """
    if to not in Stage.values:
        raise DomainError.invalid(f"“{to}” is not a stage.", code="unknown_stage")
    with transaction.atomic():
        locked = (
            Integration.objects.select_for_update().select_related("partner").get(pk=integration.pk)
        )
        source = locked.stage
        fsm_transition = next(
            (t for t in locked.get_available_stage_transitions() if t.target == to), None
        )
        if fsm_transition is None:
            raise DomainError(
                f"An integration in {Stage(source).label} cannot move to {Stage(to).label}.",
                code="conflict" if source != integration.stage else "invalid_transition",
            )
        require(
            fsm_transition.has_perm(locked, actor),
            f"Your role cannot move an integration from {Stage(source).label} "
            f"to {Stage(to).label}.",
            code="not_allowed",
        )
        unmet = guards.guard_for(source, to)(locked, facts_of(locked), note)
        if unmet:
            raise DomainError(
                f"The integration cannot move to {Stage(to).label} yet.",
                code="guard_unmet",
                unmet=unmet,
            )
        getattr(locked, fsm_transition.name)()
        now = timezone.now()
        locked.stage_changed_at = now
        locked.save(update_fields=["stage", "stage_changed_at", "updated_at"])
        row = history_record(
            integration=locked,
            field=STAGE_FIELD,
            old=source,
            new=to,
            actor=actor,
            at=now,
            note=note,
        )
        if (source in LISTED) != (to in LISTED):
            badges_refresh(integration=locked)
        notify(
            "stage_changed",
            to=partner_emails(locked.partner),
            context={"integration": locked, "transition": row},
            key=f"transition:{row.pk}",
            link=reverse("integration_detail", args=[locked.pk]),
            actor=actor,
        )
    integration.refresh_from_db(fields=["stage", "stage_changed_at", "updated_at"])
    return row


def integration_undo(*, row: StageTransition, actor: User, now=None) -> StageTransition:
    """Undo the stage move `row` within `VIP_UNDO_SECONDS`: only the person who made it, only
    while it is the integration's latest move, and only when the state machine allows the move
    back for their role (`selectors.undo_offer` says which); the move back is an ordinary
    transition (history, badges, notifications), whose own lock settles a race."""
    with transaction.atomic():
        Integration.objects.select_for_update().get(pk=row.integration_id)
        row = StageTransition.objects.select_related("integration").get(pk=row.pk)
        offer = undo_offer(row=row, user=actor, now=now)
        require(
            offer is not None, "Only the person who made a move can undo it.", code="not_your_move"
        )
        if not offer.possible:
            raise DomainError(offer.refusal, code="undo_refused")
        return integration_transition(
            integration=row.integration, to=row.from_stage, actor=actor, note=offer.note
        )


# --- Review decisions ----------------------------------------------------------------------


def review_decide(
    *, review_round: ReviewRound, actor: User, decision: str, summary: str = ""
) -> ReviewRound:
    """Decide an open review round (DESIGN.md §5): close it, and for `changes_requested` move
    the integration back to `develop` (history row, e-mail), in one transaction: both happen
    or neither does."""
    with transaction.atomic():
        closed = round_close(
            review_round=review_round, actor=actor, decision=decision, summary=summary
        )
        if decision == ReviewRound.Status.CHANGES_REQUESTED:
            integration_transition(
                integration=review_round.integration,
                to=Stage.DEVELOP,
                actor=actor,
                note=closed.decision_summary or "The review asked for changes.",
            )
    return closed
