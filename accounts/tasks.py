from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from accounts import services


@shared_task
def purge_expired_credentials() -> dict:
    tokens, invitations = services.purge_expired_credentials()
    return {"tokens": tokens, "invitations": invitations}


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email(*, subject: str, text: str, html: str, to: list[str]) -> int:
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message.send()
