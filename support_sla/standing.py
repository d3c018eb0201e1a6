"""Support standing (DESIGN.md §7), computed from recorded breaches, and what a change of
standing does: it announces the change (`support_sla.signals.standing_changed`; badges
follow it: `failing` suspends them, out of `failing` they are active again if nothing else
holds them) and `failing` proposes delisting to the admins."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from accounts.access import admin_users, emails
from accounts.notifications import notify
from config.db import count_of
from integrations.models import Integration
from support_sla.clocks import open_critical_breaches
from support_sla.models import SlaEvent, Standing, StandingRecord
from support_sla.signals import standing_changed

FAILING_BREACHES = 3
CRITICAL_GRACE = timedelta(hours=48)


def standing_facts(integration, now=None) -> dict:
    """What the standing is computed from, as database expressions of `integration` (an
    `OuterRef("pk")` of an Integration query) at `now`: the SLA breaches in the last
    VIP_SLA_STANDING_DAYS days, and the title of the first breached critical issue still open
    48 hours after its breach (None when there is none)."""
    now = now or timezone.now()
    breaches = SlaEvent.objects.filter(
        issue__integration=integration,
        kind=SlaEvent.Kind.BREACH,
        at__gte=now - timedelta(days=settings.VIP_SLA_STANDING_DAYS),
    )
    # A breached critical clock still open (clocks.Clock.breached_critical_open) 48 h on.
    stale_critical = open_critical_breaches(
        SlaEvent.objects.filter(issue__integration=integration, at__lte=now - CRITICAL_GRACE)
    ).order_by("at", "pk")
    return {
        "breaches": count_of(breaches),
        "stale_critical": Subquery(stale_critical.values("issue__title")[:1]),
    }


def standing_from(*, breaches: int, stale_critical: str | None) -> tuple[Standing, str]:
    """(standing, reason in words): `failing` if a breached critical issue is still open 48 h
    after its breach or there were ≥ 3 breaches in VIP_SLA_STANDING_DAYS days; `at_risk` on any
    breach in those days; `good` otherwise."""
    days = settings.VIP_SLA_STANDING_DAYS
    if stale_critical is not None:
        return Standing.FAILING, (
            f"The critical issue “{stale_critical}” is still open 48 hours after its SLA breach."
        )
    if breaches >= FAILING_BREACHES:
        return Standing.FAILING, f"{breaches} SLA breaches in the last {days} days."
    if breaches:
        plural = "es" if breaches > 1 else ""
        return Standing.AT_RISK, f"{breaches} SLA breach{plural} in the last {days} days."
    return Standing.GOOD, ""


def compute_standing(integration, now=None) -> tuple[Standing, str]:
    """The integration's standing at `now` (`standing_from` its `standing_facts`; one query)."""
    facts = (
        Integration.objects.filter(pk=integration.pk)
        .values(**standing_facts(OuterRef("pk"), now))
        .get()
    )
    return standing_from(**facts)


def standing_refresh(integration, now=None) -> str:
    """Recompute and store the standing; act once on a change (badges, delisting proposal)."""
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
        standing_changed.send(sender=StandingRecord, integration=integration, standing=standing)
        if standing == Standing.FAILING:
            notify(
                "standing_failing",
                to=emails(admin_users()),
                context={"integration": integration, "reason": reason},
                key=f"{integration.pk}:{record.since.isoformat()}",
                link=reverse("integration_detail", args=[integration.pk]),
            )
    return standing


def standings_refresh(now=None) -> int:
    """Standings change with time too (breaches leave the window): refresh every integration
    that has a breach or a standing other than good. Beat calls this every 6 hours. Returns how
    many."""
    integrations = Integration.objects.filter(
        pk__in=SlaEvent.objects.filter(kind=SlaEvent.Kind.BREACH).values("issue__integration")
    ) | Integration.objects.filter(
        pk__in=StandingRecord.objects.exclude(standing=Standing.GOOD).values("integration")
    )
    count = 0
    for integration in integrations.distinct():
        standing_refresh(integration, now)
        count += 1
    return count


def standings_refresh_stale(now=None) -> int:
    """Recompute the standings the SLA sweep marked (`StandingRecord.stale`), each once.
    Returns how many."""
    stale = StandingRecord.objects.filter(stale=True).values("integration")
    integrations = list(Integration.objects.filter(pk__in=stale).select_related("partner"))
    for integration in integrations:
        standing_refresh(integration, now)
    return len(integrations)
