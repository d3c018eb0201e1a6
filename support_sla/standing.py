"""Support standing (DESIGN.md §7), computed from recorded breaches, and what a change of
standing does: `failing` suspends the integration's badges and proposes delisting; out of
`failing` the badges are active again if nothing else holds them (badges.services.
badges_refresh: never revoked ones, never while the integration is not listed)."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import admin_users, emails
from accounts.notifications import notify
from support_sla.clocks import open_critical_breaches
from support_sla.models import SlaEvent, Standing, StandingRecord

FAILING_BREACHES = 3
CRITICAL_GRACE = timedelta(hours=48)


def compute_standing(integration, now=None) -> tuple[str, str]:
    """(standing, reason in words): `failing` if a breached critical issue is still open 48 h
    after its due time or there were ≥ 3 breaches in 90 days; `at_risk` on any breach in 90
    days; `good` otherwise."""
    now = now or timezone.now()
    days = settings.VIP_SLA_STANDING_DAYS
    breaches = SlaEvent.objects.filter(
        issue__integration=integration,
        kind=SlaEvent.Kind.BREACH,
        at__gte=now - timedelta(days=days),
    )
    # A breached critical clock still open (clocks.Clock.breached_critical_open) 48 h on.
    stale_critical = (
        open_critical_breaches(
            SlaEvent.objects.filter(issue__integration=integration, at__lte=now - CRITICAL_GRACE)
        )
        .select_related("issue")
        .first()
    )
    if stale_critical is not None:
        return Standing.FAILING, (
            f"The critical issue “{stale_critical.issue.title}” is still open 48 hours after "
            "its SLA breach."
        )
    count = breaches.count()
    if count >= FAILING_BREACHES:
        return Standing.FAILING, f"{count} SLA breaches in the last {days} days."
    if count:
        plural = "es" if count > 1 else ""
        return Standing.AT_RISK, f"{count} SLA breach{plural} in the last {days} days."
    return Standing.GOOD, ""


def standing_refresh(integration, now=None) -> str:
    """Recompute and store the standing; act once on a change (badges, delisting proposal)."""
    from badges.services import badges_refresh

    with transaction.atomic():
        record, _ = StandingRecord.objects.select_for_update().get_or_create(
            integration=integration
        )
        # Computed under the lock: a sweep's batch that marked the record has committed its
        # events by then, so clearing `stale` below never forgets them.
        standing, reason = compute_standing(integration, now)
        previous = record.standing
        if (previous, record.reason) == (standing, reason):
            if record.stale:
                StandingRecord.objects.filter(pk=record.pk).update(stale=False)
            return standing
        record.standing, record.reason, record.stale = standing, reason, False
        if previous != standing:
            record.since = now or timezone.now()
        record.save()
        if previous == standing:
            return standing
        badges_refresh(integration=integration)  # failing suspends; good lets them back
        if standing == Standing.FAILING:
            notify(
                "standing_failing",
                to=emails(admin_users()),
                context={"integration": integration, "reason": reason},
                key=f"{integration.pk}:{record.since.isoformat()}",
                link=reverse("integration_detail", args=[integration.pk]),
            )
    return standing


def standings_refresh_stale(now=None) -> int:
    """Recompute the standings the SLA sweep marked (`StandingRecord.stale`), each once.
    Returns how many."""
    from integrations.models import Integration

    stale = StandingRecord.objects.filter(stale=True).values("integration")
    integrations = list(Integration.objects.filter(pk__in=stale).select_related("partner"))
    for integration in integrations:
        standing_refresh(integration, now)
    return len(integrations)
