"""Reads for one's own account: who holds an e-mail address, one's API tokens, the in-app
notification list and its unread count."""

from allauth.account.models import EmailAddress
from django.db.models import QuerySet
from django.http import Http404

from accounts.models import ApiToken, Notification, User

# The kinds of in-app notification, as the list's filter names them (every event of
# accounts.notifications.EVENT_GROUPS that is in the in-app list).
NOTIFICATION_KINDS = {
    "intake_received": "New intakes",
    "stage_changed": "Stage changes",
    "review_feedback": "Review feedback",
    "review_reply": "Replies to feedback",
    "review_decision": "Review decisions",
    "verification_finished": "Verifications",
    "badge_changed": "Badges",
    "support_issue_opened": "Support issues opened",
    "sla_warning": "SLA warnings",
    "sla_breach": "SLA breaches",
    "sla_escalation": "SLA escalations",
    "standing_failing": "Failing support standing",
}
_LISTED_FIELDS = ("subject", "event", "link", "created_at", "read_at", "integration_id")


def api_token_for(*, user: User, pk: int) -> tuple[ApiToken, bool]:
    """One of the user's own API tokens (anyone else's is a 404), and whether they may change
    it (revoke it: their own, always)."""
    token = ApiToken.objects.filter(pk=pk, user=user).first()
    if token is None:
        raise Http404("No such API token.")
    return token, True


def notification_for(*, user: User, pk: int) -> tuple[Notification, bool]:
    """One of the user's own notifications (anyone else's is a 404), and whether they may
    change it (mark it read: their own, always)."""
    notification = Notification.objects.filter(pk=pk, user=user).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification, True


def notifications_for(
    *, user: User, kind: str = "", integration_id: int | None = None
) -> QuerySet[Notification]:
    """The user's in-app list, newest first: one item per group of repeats (the newest row of
    one event about one integration within the grouping window; accounts.notifications.notify),
    with the earlier rows of its group in `repeats`; optionally of one kind, about one
    integration."""
    items = Notification.objects.filter(user=user, grouped_into__isnull=True)
    if kind:
        items = items.filter(event=kind)
    if integration_id is not None:
        items = items.filter(integration_id=integration_id)
    return items.only(*_LISTED_FIELDS, "user_id", "group_started_at")


def with_repeats(items: list[Notification]) -> list[Notification]:
    """`items` (a page of `notifications_for`) with each one's `earlier` rows filled, newest
    first, in one query."""
    grouped = [item for item in items if item.group_key is not None]
    found: dict[tuple, list[Notification]] = {}
    if grouped:
        rows = Notification.objects.filter(
            user__in={item.user_id for item in grouped},
            integration__in={item.integration_id for item in grouped},
            group_started_at__in={item.group_started_at for item in grouped},
            grouped_into__isnull=False,
        ).only(*_LISTED_FIELDS, "user_id", "group_started_at")
        for row in rows.order_by("-created_at", "-pk"):
            found.setdefault(row.group_key, []).append(row)
    for item in items:
        item.earlier = found.get(item.group_key, [])
    return items


def notification_integrations(*, user: User) -> list[tuple[int, str]]:
    """(id, name) of the integrations the user's notifications are about, by name: the
    list's filter by integration."""
    return list(
        Notification.objects.filter(user=user, integration__isnull=False)
        .values_list("integration", "integration__name")
        .distinct()
        .order_by("integration__name", "integration")
    )


def unread_count(*, user: User) -> int:
    """Unread items of the in-app list (a group counts once)."""
    return Notification.objects.filter(
        user=user, read_at__isnull=True, grouped_into__isnull=True
    ).count()


def has_verified_address(*, user: User, email: str) -> bool:
    """Whether `user` proved they receive mail at `email` (a verified address of theirs)."""
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def email_held(*, email: str) -> bool:
    """Whether an account holds `email`: as its sign-in address, or as an address it verified.
    Someone else's unverified secondary address holds nothing: anyone may type any address,
    and that must not keep its owner from signing up (or let the typist pass as them)."""
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
    )
