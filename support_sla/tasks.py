from celery import shared_task

from support_sla import sweep
from support_sla.models import SlaEvent, StandingRecord
from support_sla.standing import standing_refresh


@shared_task
def sla_sweep() -> dict:
    result = sweep.sla_sweep()
    return {"issues": result.issues, "events": result.events, "failures": result.failures}


@shared_task
def refresh_standings() -> int:
    """Standings change with time too (breaches leave the 90-day window): refresh every
    integration that has a breach or a standing other than good."""
    from integrations.models import Integration

    integrations = Integration.objects.filter(
        pk__in=SlaEvent.objects.filter(kind=SlaEvent.Kind.BREACH).values("issue__integration")
    ) | Integration.objects.filter(
        pk__in=StandingRecord.objects.exclude(standing="good").values("integration")
    )
    count = 0
    for integration in integrations.distinct():
        standing_refresh(integration)
        count += 1
    return count
