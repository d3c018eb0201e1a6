from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from reviews import services


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    # The run stops itself at VIP_RUN_TIME_LIMIT (its deadline, which every pool honours: the
    # thread pool of the `verification` queue enforces no Celery time limit); these limits are
    # the prefork pool's backstop, and the reaper ends whatever still outlives them.
    soft_time_limit=settings.VIP_RUN_TIME_LIMIT + 15,
    time_limit=settings.VIP_RUN_TIME_LIMIT + 30,
)
def run_execute(run_id: int) -> str | None:
    """One verification run. Idempotent: see services.run_execute. (In the verification
    queue's thread pool, config.celery_app closes each thread's database connection after.)"""
    try:
        return services.run_execute(run_id=run_id)
    except SoftTimeLimitExceeded:
        services.run_time_out(run_id=run_id)
        return "error"


@shared_task
def run_notify(run_id: int) -> bool:
    """A finished run's notice (the default queue; see services._finish)."""
    return services.run_notify(run_id=run_id)


@shared_task
def runs_reap() -> int:
    return services.runs_reap()
