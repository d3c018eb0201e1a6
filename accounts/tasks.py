from celery import shared_task

from accounts import services
from accounts.notifications import deliver


@shared_task
def purge_expired_credentials() -> dict:
    tokens, invitations = services.purge_expired_credentials()
    return {"tokens": tokens, "invitations": invitations}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, subject: str, text: str, html: str, to: list[str]) -> int:
    return deliver(subject=subject, text=text, html=html, to=to)
