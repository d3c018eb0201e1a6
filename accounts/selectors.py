"""Reads for one's own account: the in-app notification list and its unread count."""

from django.db.models import QuerySet

from accounts.models import Notification, User


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    return Notification.objects.filter(user=user).only(
        "subject", "event", "link", "created_at", "read_at"
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
