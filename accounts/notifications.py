"""Notifications: every e-mail the product sends about its own events, and the in-app list,
through one outbox (`accounts.models.Notification`).

`notify(name, to=…, context=…, key=…, link=…)` renders `templates/emails/<name>/` (subject.txt,
body.txt, body.html) once and records one row per recipient in the caller's transaction: a
change that rolls back leaves no row, and the unique (key, e-mail) pair records an event
occurrence once however often it is reported. `notify_many` does the same for many
occurrences with one insert (the SLA sweep's batches). After commit one Celery task per
`QUEUE_CHUNK` rows (`accounts.tasks.notifications_send`) e-mails them, each as
`notification_send`; a beat job (`notifications_send_due`) picks up rows still pending a while
later — the broker was down at commit, a delivery failed — so
nothing is lost. Rows whose group the recipient turned off are recorded `skipped`: they stay
in the in-app list but are not e-mailed.

Digests: events in DIGESTS reach each recipient by e-mail at most once per
`VIP_INTAKE_DIGEST_MINUTES` (15). A row whose recipient got one of them (or its digest) by
e-mail less than that ago is recorded `held` (it is in the in-app list at once), due when the
window closes; beat (`notifications_send_due`) then sums each recipient's held rows up in one
digest e-mail, itself an outbox row, and marks them `digested`. Forty intakes in two seconds
are two e-mails per staff member, not forty: the first, and one digest of the other 39.

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
from django.db.models import BigIntegerField, Case, Max, Value, When
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
DIGEST_LISTED = 50  # a digest lists this many events by name, then says how many more
GROUP_WINDOW = timedelta(hours=1)  # repeats of one event about one integration: one item
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
    "intake_digest": "pipeline",
}
# E-mail only, never in the in-app list, and their bodies are blanked once they went out:
# the invitation link carries a one-time key we otherwise keep only hashed.
EMAIL_ONLY = {"invitation"}
# Events e-mailed at most once per window to each recipient, and the digest of the rest.
DIGESTS = {"intake_received": "intake_digest"}
# Rows only for e-mail: the in-app list has each event a digest sums up already.
NOT_IN_APP = EMAIL_ONLY | set(DIGESTS.values())


def render_email(name: str, context: dict, link: str = "") -> tuple[str, str, str]:
    """Subject and text from the plain-text engine (no HTML escaping), HTML from the usual one.
    `link` (the notice's: the path of what it is about) is the e-mail's link too."""
    context = {"site_url": settings.SITE_URL.rstrip("/"), "link": link, **context}
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
    actor: User | None = None


def notify(
    name: str,
    *,
    to: Iterable[str],
    context: dict,
    key: str,
    link: str = "",
    actor: User | None = None,
) -> int:
    """Record event `name` for each address in `to`, in the caller's transaction; the e-mails
    go out after commit. `key` names the event occurrence (`"transition:42"`): the same
    occurrence is recorded once per recipient. `link` is the path of the object it is about:
    the in-app item's link and the e-mail's.
    `actor` is whoever caused it: nobody is told about their own action, so they are no
    recipient. In the in-app list, repeats are grouped: a recipient's rows of one event about
    one integration (`context["integration"]`, or the support issue's) within GROUP_WINDOW of
    the group's first make one item, the newest (the others point at it: `grouped_into`).
    E-mail is not grouped: each row is e-mailed once, as ever (each says what happened; the
    noisy intakes have their digest, and people turn groups of e-mail off in their settings).
    Returns how many recipients it was for (a repeated occurrence is not recorded again)."""
    return notify_many([Notice(name, to=to, context=context, key=key, link=link, actor=actor)])


def _about(notice: Notice):
    """The integration an occurrence is about (for grouping), if any."""
    context = notice.context
    return context.get("integration") or getattr(context.get("issue"), "integration", None)


def notify_many(notices: Iterable[Notice]) -> int:
    """`notify` for many occurrences at once (the SLA sweep's batches): each is rendered,
    keyed, held for a digest and grouped as `notify` does, and all of them are recorded with
    one user lookup, one look for open groups, one insert and one after-commit hand-over to
    the sender. Returns how many rows it was for."""
    notices = list(notices)
    for notice in notices:
        if notice.name not in EVENT_GROUPS:
            raise ValueError(f"Unknown notification event {notice.name!r}: add it to EVENT_GROUPS.")
    addressed = []
    for notice in notices:
        actor = notice.actor
        own = actor.email.lower() if actor is not None and actor.email else None
        recipients = sorted({a for a in notice.to if a and a.lower() != own})
        if recipients:
            addressed.append((notice, recipients))
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
    groups = _open_groups(
        [(n.name, _about(n)) for n, _ in addressed if n.name not in NOT_IN_APP],
        users.values(),
        now,
    )
    rows = []
    for notice, recipients in addressed:
        subject, text, html = render_email(notice.name, notice.context, notice.link)
        group = EVENT_GROUPS[notice.name]
        held_until = _digest_due(notice.name, recipients, now)
        integration = _about(notice)
        for address in recipients:
            person = users.get(address)
            user = None if notice.name in NOT_IN_APP else person
            off = group is not None and person is not None and group in emails_off(person)
            if off:
                state, next_attempt_at = EmailState.SKIPPED, None
            elif address in held_until:
                state, next_attempt_at = EmailState.HELD, held_until[address]
            else:
                state, next_attempt_at = EmailState.PENDING, now + PICKUP_AFTER
            head = (
                groups.get((user.pk, notice.name, getattr(integration, "pk", None)))
                if user
                else None
            )
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
                    email_state=state,
                    next_attempt_at=next_attempt_at,
                    integration=integration,
                    group_started_at=(head[1] if head else now) if user else None,
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    if groups:
        _group_into_new_rows(rows, groups, now)
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


def _open_groups(about: list[tuple[str, object]], users, now) -> dict:
    """The in-app items whose group started less than GROUP_WINDOW ago, for these (event,
    integration) pairs and users, in one query: {(user id, event, integration id): (its id,
    when its group started)}."""
    pairs = {(name, integration.pk) for name, integration in about if integration is not None}
    if not pairs or not users:
        return {}
    heads = Notification.objects.filter(
        user__in=[user.pk for user in users],
        event__in={name for name, _ in pairs},
        integration__in={pk for _, pk in pairs},
        grouped_into__isnull=True,
        group_started_at__gt=now - GROUP_WINDOW,
    ).order_by("group_started_at")
    return {
        (user_id, event, integration_id): (pk, started)
        for user_id, event, integration_id, pk, started in heads.values_list(
            "user", "event", "integration", "pk", "group_started_at"
        )
        if (event, integration_id) in pairs
    }


def _group_into_new_rows(rows: list[Notification], groups: dict, now) -> None:
    """The rows just recorded become their groups' items: each group's earlier item points at
    its new one, in one statement for the whole batch that changes one row a group (the rows
    before it keep pointing where they did: a group is told by its `group_started_at`, so a
    sweep's batches cost the same however long their groups grow). A row recorded earlier
    (the same occurrence reported again) changes nothing. Two events committed at the same
    instant may each start an item (each groups before the other commits): the one slack, as
    with the digests."""
    keys = {row.key for row in rows if row.user_id}
    new = {
        (user_id, event, integration_id): pk
        for user_id, event, integration_id, pk in Notification.objects.filter(
            key__in=keys, user__isnull=False, created_at=now
        ).values_list("user", "event", "integration", "pk")
    }
    moves = {head: new[group] for group, (head, _started) in groups.items() if group in new}
    if moves:
        Notification.objects.filter(pk__in=moves).update(
            grouped_into=Case(
                *(When(pk=head, then=Value(item)) for head, item in moves.items()),
                output_field=BigIntegerField(),
            )
        )


def digest_window() -> timedelta:
    return timedelta(minutes=settings.VIP_INTAKE_DIGEST_MINUTES)


def _digest_due(name: str, recipients: list[str], now) -> dict:
    """For an event that goes out as a digest: the recipients who were e-mailed one like it
    (or its digest) within the window, and when their window closes."""
    if name not in DIGESTS:
        return {}
    window = digest_window()
    latest = (
        Notification.objects.filter(
            email__in=recipients,
            event__in=[name, DIGESTS[name]],
            email_state__in=[EmailState.PENDING, EmailState.SENT],
            created_at__gt=now - window,
        )
        .values("email")
        .annotate(last=Max("created_at"))
    )
    return {row["email"]: row["last"] + window for row in latest}


def send_due_digests(*, now=None) -> int:
    """Beat: one digest e-mail per recipient and event for the rows held until now, which are
    then `digested`. The held rows are locked while their digest is recorded, so two beats never
    send one twice. Returns how many digests were recorded."""
    now = now or timezone.now()
    due = (
        Notification.objects.filter(email_state=EmailState.HELD, next_attempt_at__lte=now)
        .values_list("email", "event")
        .distinct()
    )
    recorded = 0
    for address, event in list(due):
        with transaction.atomic():
            held = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(email=address, event=event, email_state=EmailState.HELD)
                .filter(next_attempt_at__lte=now)
                .order_by("created_at", "pk")
            )
            if not held:
                continue
            notify(
                DIGESTS[event],
                to=[address],
                context={"notifications": held[:DIGEST_LISTED], "count": len(held)},
                key=f"{held[0].pk}-{held[-1].pk}",
            )
            Notification.objects.filter(pk__in=[row.pk for row in held]).update(
                email_state=EmailState.DIGESTED, next_attempt_at=None
            )
            recorded += 1
    return recorded


def _queue(notification_ids: list[int]) -> None:
    """After commit: one task per `QUEUE_CHUNK` rows, with one producer (a sweep's batch hands
    over hundreds). A broker that is down loses nothing: beat sends them."""
    from accounts.tasks import notifications_send

    try:
        with notifications_send.app.producer_or_acquire() as producer:
            for start in range(0, len(notification_ids), QUEUE_CHUNK):
                chunk = notification_ids[start : start + QUEUE_CHUNK]
                notifications_send.apply_async((chunk,), producer=producer)
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


def notifications_send_due(*, now=None, batch: int = BATCH) -> int:
    """Beat: record the digests now due (send_due_digests), then queue the rows still pending
    past their time (the broker was down at commit, a worker died, a delivery failed and waits
    for its retry). Each is leased for PICKUP_AFTER so the next beat does not queue it again
    meanwhile. Returns how many were queued."""
    from accounts import tasks  # tasks import this module: the one way round is at call time

    now = now or timezone.now()
    send_due_digests(now=now)
    due = list(
        Notification.objects.filter(email_state=EmailState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    Notification.objects.filter(pk__in=due, email_state=EmailState.PENDING).update(
        next_attempt_at=now + PICKUP_AFTER
    )
    for notification_id in due:
        tasks.notification_send.delay(notification_id)
    return len(due)


def deliver(*, subject: str, text: str, html: str, to: list[str]) -> int:
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message.send()
