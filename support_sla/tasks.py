from celery import shared_task

from support_sla import standing, sweep


@shared_task
def sla_sweep() -> dict:
    result = sweep.sla_sweep()
    return {"issues": result.issues, "events": result.events, "failures": result.failures}


@shared_task
def standings_refresh() -> int:
    return standing.standings_refresh()
