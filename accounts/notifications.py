"""E-mail notifications. A notification is rendered from `templates/emails/<name>/` (subject.txt,
body.txt, body.html) and handed to Celery after the transaction commits, so nobody hears about
a change that was rolled back."""

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import engines
from django.template.loader import render_to_string


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """Subject and text from the plain-text engine (no HTML escaping), HTML from the usual one."""
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    text_engine = engines["text"]
    subject = text_engine.get_template(f"emails/{name}/subject.txt").render(context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    text = text_engine.get_template(f"emails/{name}/body.txt").render(context)
    html = render_to_string(f"emails/{name}/body.html", context)
    return subject, text, html


def _recipients(to: Iterable[str]) -> list[str]:
    return sorted({address for address in to if address})


def notify(name: str, *, to: Iterable[str], context: dict) -> None:
    """Render now, queue the sending after commit. A broker that is down loses this e-mail
    (logged) but never fails the change that caused it."""
    recipients = _recipients(to)
    if not recipients:
        return
    subject, text, html = render_email(name, context)
    from accounts.tasks import send_email

    transaction.on_commit(
        partial(send_email.delay, subject=subject, text=text, html=html, to=recipients),
        robust=True,
    )


def send_now(name: str, *, to: Iterable[str], context: dict) -> int:
    """Render and send at once (for outboxes that mark a row sent only once it went out)."""
    recipients = _recipients(to)
    if not recipients:
        return 0
    subject, text, html = render_email(name, context)
    return deliver(subject=subject, text=text, html=html, to=recipients)


def deliver(*, subject: str, text: str, html: str, to: list[str]) -> int:
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message.send()
