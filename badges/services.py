"""Writes with rules for badges: issue and revoke (admins), suspend and restore (the program's
own checks: re-verification, support standing). Every change writes a BadgeEvent, e-mails the
partner's owners and refreshes the public badge after commit."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import partner_emails
from accounts.notifications import notify
from accounts.roles import is_admin
from badges import rendering
from badges.eligibility import badge_eligibility
from badges.models import (
    LIVE_STATUSES,
    Badge,
    BadgeEvent,
    BadgeKind,
    BadgeStatus,
    SuspensionCause,
)
from config.errors import DomainError
from integrations.models import Integration
from reviews.models import FINISHED_RUN_STATUSES, RunPurpose, RunStatus, VerificationRun
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
    )


def badge_issue(*, integration: Integration, kind: str, actor) -> Badge:
    """Issue a badge of `kind` (admins only) if the integration is eligible (409 with the
    unmet conditions otherwise). Of two racing issues, exactly one wins."""
    if not is_admin(actor):
        raise DomainError.forbidden("Only program admins issue badges.", code="admins_only")
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
    if not is_admin(actor):
        raise DomainError.forbidden("Only program admins revoke badges.", code="admins_only")
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


def _live(integration: Integration, status: str, target=None):
    badges = (
        Badge.objects.select_for_update()
        .select_related("integration__partner")
        .filter(integration=integration, status=status)
    )
    return badges.filter(run__target=target) if target is not None else badges


def badges_suspend(
    *, integration: Integration, cause: str, reason: str, run=None, target=None
) -> int:
    """Suspend the integration's active badges (only those justified by `target`, if given).
    The program's own decision: there is no actor."""
    with transaction.atomic():
        badges = list(_live(integration, BadgeStatus.ACTIVE, target))
        for badge in badges:
            badge.status = BadgeStatus.SUSPENDED
            badge.suspended_at = timezone.now()
            badge.suspension_cause = cause
            badge.suspension_reason = reason
            badge.save()
            _record(badge, BadgeEvent.Action.SUSPENDED, reason=reason, run=run)
    return len(badges)


def badges_restore(
    *, integration: Integration, cause: str, reason: str, run=None, target=None
) -> int:
    """Restore badges that were suspended for `cause` (never revoked ones, never those
    suspended for another cause; only those justified by `target`, if given)."""
    with transaction.atomic():
        badges = list(
            _live(integration, BadgeStatus.SUSPENDED, target).filter(suspension_cause=cause)
        )
        restored = 0
        for badge in badges:
            other = _other_cause(badge, cause)
            if other is not None:  # still suspended, now for the other reason
                badge.suspension_cause, badge.suspension_reason = other
                badge.save(update_fields=["suspension_cause", "suspension_reason"])
                continue
            badge.status = BadgeStatus.ACTIVE
            badge.suspended_at = None
            badge.suspension_cause = ""
            badge.suspension_reason = ""
            badge.save()
            _record(badge, BadgeEvent.Action.RESTORED, reason=reason, run=run)
            restored += 1
    return restored


def _reverification_failing(target) -> bool:
    """Did the last two re-verifications of this target both fail or error? Runs that never
    started (the task queue refused them, or no worker took them) say nothing about the
    partner's Vault and do not count."""
    last_two = list(
        VerificationRun.objects.filter(
            target=target,
            purpose=RunPurpose.REVERIFICATION,
            status__in=FINISHED_RUN_STATUSES,
            started_at__isnull=False,
        )
        .order_by("-finished_at", "-pk")
        .values_list("status", flat=True)[:2]
    )
    return len(last_two) == 2 and RunStatus.PASSED not in last_two


def _other_cause(badge: Badge, lifted: str) -> tuple[str, str] | None:
    """(cause, reason) of a suspension that still holds once `lifted` no longer does."""
    if lifted != SuspensionCause.SUPPORT:
        record = StandingRecord.objects.filter(integration=badge.integration_id).first()
        if record is not None and record.standing == Standing.FAILING:
            return SuspensionCause.SUPPORT, f"Support standing is failing: {record.reason}"
    if lifted != SuspensionCause.REVERIFICATION and _reverification_failing(badge.run.target):
        return SuspensionCause.REVERIFICATION, "Two re-verifications in a row did not pass."
    return None


# --- Continuous re-verification -----------------------------------------------------------


def _evidence_targets() -> dict[int, list[Badge]]:
    """target id → the live badges it justifies."""
    by_target: dict[int, list[Badge]] = {}
    for badge in Badge.objects.filter(status__in=LIVE_STATUSES).select_related("run__target"):
        if badge.run.target.archived_at is None:
            by_target.setdefault(badge.run.target_id, []).append(badge)
    return by_target


def reverify_due(*, now=None) -> int:
    """Queue a re-verification of every evidence target whose last finished run is older than
    VIP_REVERIFY_DAYS (beat calls this hourly). Returns how many runs were queued."""
    from reviews import services as review_services

    now = now or timezone.now()
    due_before = now - timedelta(days=settings.VIP_REVERIFY_DAYS)
    queued = 0
    for target_id, badges in _evidence_targets().items():
        target = badges[0].run.target
        last = (
            VerificationRun.objects.filter(target_id=target_id, status__in=FINISHED_RUN_STATUSES)
            .order_by("-finished_at")
            .values_list("finished_at", flat=True)
            .first()
        )
        if last is not None and last > due_before:
            continue
        try:
            review_services.run_request(
                target=target, actor=None, purpose=RunPurpose.REVERIFICATION
            )
        except DomainError:  # a run is already open, or the task queue refused it
            continue
        queued += 1
    return queued


def reverification_finished(*, run: VerificationRun) -> None:
    """A re-verification finished. A pass renews the badges it justifies (and restores those
    suspended for re-verification); two failed or errored re-verifications in a row suspend
    them."""
    badges = Badge.objects.filter(run__target=run.target, status__in=LIVE_STATUSES)
    integration = run.integration
    if run.status == RunStatus.PASSED:
        with transaction.atomic():
            for badge in badges.select_for_update().select_related("integration__partner"):
                Badge.objects.filter(pk=badge.pk).update(run=run, verified_at=run.finished_at)
                _record(badge, BadgeEvent.Action.REVERIFIED, run=run)
            badges_restore(
                integration=integration,
                cause=SuspensionCause.REVERIFICATION,
                reason="Re-verification passed again.",
                run=run,
                target=run.target,
            )
        return
    if _reverification_failing(run.target) and badges.exists():
        badges_suspend(
            integration=integration,
            cause=SuspensionCause.REVERIFICATION,
            reason=f"Two re-verifications in a row did not pass. Latest: {run.reason}",
            run=run,
            target=run.target,
        )
