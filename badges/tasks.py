from celery import shared_task

from badges import services


@shared_task
def badges_reverify_due() -> int:
    """Queue the re-verifications that are due (every VIP_REVERIFY_DAYS per evidence target)."""
    return services.badges_reverify_due()
