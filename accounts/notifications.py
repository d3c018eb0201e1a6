"""Notifications: every e-mail the product sends about its own events, and the in-app list,
through one outbox (`accounts.models.Notification`).

`notify(name, to=…, context=…, key=…, link=…)` renders `templates/emails/<name>/` (subject.txt,
body.txt, body.html) once and records one row per recipient in the caller's transaction: a
change that rolls back leaves no row, and the unique (key, e-mail) pair records an event
occurrence once however often it is reported. `notify_many` does the same for many
occurrences with one insert (the SLA sweep's batches). After commit one Celery task per
`QUEUE_CHUNK` rows (`accounts.tasks.send_notifications`) e-mails them, each as
`notification_send`; a beat job (`send_due_notifications`) picks up rows still pending a while
later — the broker was down at commit, a delivery failed — so
nothing is lost. Rows whose group the recipient turned off are recorded `skipped`: they stay
in the in-app list but are not e-mailed.

Sent once: the sender locks the pending row (`select_for_update(skip_locked=True)`), sends,
and marks it sent in the same transaction, so a retried or duplicated task finds the row
locked or no longer pending and does nothing. A crash after the mail server accepted the
message but before that commit leaves the row pending, and beat sends it again: in that one
window we prefer a duplicate to a lost e-mail. Once a row is marked sent it never goes out
again.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import EmailState, Notification, NotificationSettings, User

logger = logging.getLogger(__name__)

# A pending row older than this is the beat job's (its task was lost, or it is a retry).
PICKUP_AFTER = timedelta(minutes=2)
RETRY_AFTER = timedelta(minutes=1)  # doubled after each failed attempt
MAX_ATTEMPTS = 6  # 1 + 2 + 4 + 8 + 16 minutes of retries, then `failed`
BATCH = 200
QUEUE_CHUNK = 20  # rows per sending task handed over after commit


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    help: str


GROUPS = [
    Group("pipeline", "Pipeline", "New intakes and stage changes of integrations."),
    Group("reviews", "Reviews", "Review feedback, replies to feedback, and review decisions."),
    Group("verifications", "Verifications", "A verification run finished (passed or not)."),
    Group("badges", "Badges", "Badges issued, suspended, restored, re-verified or revoked."),
    Group(
        "support",
        "Support",
        "Support issues opened, SLA warnings, breaches and escalations, support standing.",
    ),
]
# Every event and its group; None: always e-mailed (invitations, account security).
EVENT_GROUPS: dict[str, str | None] = {
    "intake_received": "pipeline",
    "stage_changed": "pipeline",
    "review_feedback": "reviews",
    "review_reply": "reviews",
    "review_decision": "reviews",
    "verification_finished": "verifications",
    "badge_changed": "badges",
    "support_issue_opened": "support",
    "sla_warning": "support",
    "sla_breach": "support",
    "sla_escalation": "support",
    "standing_failing": "support",
    "invitation": None,
}
# E-mail only, never in the in-app list, and their bodies are blanked once they went out:
# the invitation link carries a one-time key we otherwise keep only hashed.
EMAIL_ONLY = {"invitation"}


def render_email(name: str, context: dict) -> tuple[str, str, str]:
    """Subject and text from the plain-text engine (no HTML escaping), HTML from the usual one."""
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    text_engine = engines["text"]
    subject = text_engine.get_template(f"emails/{name}/subject.txt").render(context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    text = text_engine.get_template(f"emails/{name}/body.txt").render(context)
    html = render_to_string(f"emails/{name}/body.html", context)
    return subject, text, html


def emails_off(user: User) -> set[str]:
    """The groups `user` turned off for e-mail (none by default)."""
    try:
        return set(user.notification_settings.email_off)
    except NotificationSettings.DoesNotExist:
        return set()


@dataclass(frozen=True)
class Notice:
    """One occurrence of an event for `notify_many`: the arguments of `notify`."""

    name: str
    to: Iterable[str]
    context: dict
    key: str
    link: str = ""


def notify(name: str, *, to: Iterable[str], context: dict, key: str, link: str = "") -> int:
    """Record event `name` for each address in `to`, in the caller's transaction; the e-mails
    go out after commit. `key` names the event occurrence (`"transition:42"`): the same
    occurrence is recorded once per recipient. `link` is the path of the object it is about.
    Returns how many recipients it was for (a repeated occurrence is not recorded again)."""
    return notify_many([Notice(name, to=to, context=context, key=key, link=link)])


def notify_many(notices: Iterable[Notice]) -> int:
    """`notify` for many occurrences at once (the SLA sweep's batches): each is rendered and
    keyed as `notify` does, and all of them are recorded with one user lookup, one insert and
    one after-commit hand-over to the sender. Returns how many rows it was for."""
    notices = list(notices)
    for notice in notices:
        if notice.name not in EVENT_GROUPS:
            raise ValueError(f"Unknown notification event {notice.name!r}: add it to EVENT_GROUPS.")
    addressed = [
        (notice, sorted({address for address in notice.to if address})) for notice in notices
    ]
    addressed = [(notice, recipients) for notice, recipients in addressed if recipients]
    if not addressed:
        return 0
    everyone = {address for _, recipients in addressed for address in recipients}
    users = {
        user.email: user
        for user in User.objects.filter(email__in=everyone, is_active=True).select_related(
            "notification_settings"
        )
    }
    now = timezone.now()
    rows = []
    for notice, recipients in addressed:
        subject, text, html = render_email(notice.name, notice.context)
        group = EVENT_GROUPS[notice.name]
        for address in recipients:
            user = None if notice.name in EMAIL_ONLY else users.get(address)
            off = group is not None and user is not None and group in emails_off(user)
            rows.append(
                Notification(
                    user=user,
                    email=address,
                    event=notice.name,
                    key=f"{notice.name}:{notice.key}",
                    subject=subject[:300],
                    text=text,
                    html=html,
                    link=notice.link,
                    created_at=now,
                    email_state=EmailState.SKIPPED if off else EmailState.PENDING,
                    next_attempt_at=None if off else now + PICKUP_AFTER,
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    wanted = {(row.key, row.email) for row in rows}
    pending = [
        pk
        for pk, key, email in Notification.objects.filter(
            key__in={key for key, _ in wanted}, email_state=EmailState.PENDING
        ).values_list("pk", "key", "email")
        if (key, email) in wanted
    ]
    if pending:
        transaction.on_commit(partial(_queue, pending), robust=True)
    return len(rows)


def _queue(notification_ids: list[int]) -> None:
    """After commit: one task per `QUEUE_CHUNK` rows, with one producer (a sweep's batch hands
    over hundreds). A broker that is down loses nothing: beat sends them."""
    from accounts.tasks import send_notifications

    try:
        with send_notifications.app.producer_or_acquire() as producer:
            for start in range(0, len(notification_ids), QUEUE_CHUNK):
                chunk = notification_ids[start : start + QUEUE_CHUNK]
                send_notifications.apply_async((chunk,), producer=producer)
    except BrokerError:
        logger.warning(
            "task queue unavailable: %d notification(s) wait for the beat job",
            len(notification_ids),
        )


def notification_send(*, notification_id: int) -> str | None:
    """E-mail one pending row, once. Returns its state afterwards, or None if it was not this
    call's to send (another sender holds it, or it is no longer pending)."""
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, email_state=EmailState.PENDING)
            .first()
        )
        if row is None:
            return None
        now = timezone.now()
        row.attempts += 1
        try:
            deliver(subject=row.subject, text=row.text, html=row.html, to=[row.email])
        except Exception as error:  # the mail server refused or is unreachable: retry later
            logger.warning("notification %s: attempt %s failed", row.pk, row.attempts)
            row.last_error = f"{type(error).__name__}: {error}"[:500]
            if row.attempts >= MAX_ATTEMPTS:
                row.email_state, row.next_attempt_at = EmailState.FAILED, None
            else:
                row.next_attempt_at = now + RETRY_AFTER * 2 ** (row.attempts - 1)
        else:
            row.email_state, row.sent_at, row.next_attempt_at = EmailState.SENT, now, None
        if row.event in EMAIL_ONLY and row.email_state != EmailState.PENDING:
            row.text = row.html = ""
        row.save()
    return row.email_state


def send_due_notifications(*, now=None, batch: int = BATCH) -> int:
    """Beat: queue the rows still pending past their time (the broker was down at commit, a
    worker died, a delivery failed and waits for its retry). Each is leased for PICKUP_AFTER
    so the next beat does not queue it again meanwhile. Returns how many were queued."""
    from accounts.tasks import send_notification

    now = now or timezone.now()
    due = list(
        Notification.objects.filter(email_state=EmailState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    Notification.objects.filter(pk__in=due, email_state=EmailState.PENDING).update(
        next_attempt_at=now + PICKUP_AFTER
    )
    for notification_id in due:
        send_notification.delay(notification_id)
    return len(due)


def deliver(*, subject: str, text: str, html: str, to: list[str]) -> int:
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message.send()
