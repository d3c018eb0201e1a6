from celery import shared_task

from accounts import notifications, services


@shared_task
def credentials_purge_expired() -> dict:
    tokens, invitations = services.credentials_purge_expired()
    return {"tokens": tokens, "invitations": invitations}


@shared_task(soft_time_limit=60, time_limit=90)
def notification_send(notification_id: int) -> str | None:
    """E-mail one outbox row; safe to run twice (the row is claimed, then marked sent)."""
    return notifications.notification_send(notification_id=notification_id)


@shared_task(soft_time_limit=240, time_limit=300)
def notifications_send(notification_ids: list[int]) -> list[str | None]:
    """E-mail outbox rows one after the other (what `notify` hands over after commit); a row
    this task did not reach (time limit, lost worker) stays pending for the beat job."""
    return [
        notifications.notification_send(notification_id=notification_id)
        for notification_id in notification_ids
    ]


@shared_task(soft_time_limit=60, time_limit=90)
def notifications_send_due() -> int:
    """Beat: queue the outbox rows still pending (nothing is lost when the broker was down)."""
    return notifications.notifications_send_due()
