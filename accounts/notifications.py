"""E-mail notifications. A notification is rendered from `templates/emails/<name>/` (subject.txt,
body.txt, body.html) and handed to Celery after the transaction commits, so nobody hears about
a change that was rolled back."""

from collections.abc import Iterable
from functools import partial

from django.conf import settings
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


def notify(name: str, *, to: Iterable[str], context: dict) -> None:
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    subject, text, html = render_email(name, context)
    from accounts.tasks import send_email

    transaction.on_commit(
        partial(send_email.delay, subject=subject, text=text, html=html, to=recipients)
    )
