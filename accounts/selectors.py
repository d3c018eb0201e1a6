"""Reads for one's own account: who holds an e-mail address, the in-app notification list
and its unread count."""

from allauth.account.models import EmailAddress
from django.db.models import QuerySet

from accounts.models import Notification, User


def notifications_for(user: User) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    return Notification.objects.filter(user=user).only(
        "subject", "event", "link", "created_at", "read_at"
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def has_verified_address(user: User, email: str) -> bool:
    """Whether `user` proved they receive mail at `email` (a verified address of theirs)."""
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def email_held(email: str) -> bool:
    """Whether an account holds `email`: as its sign-in address, or as an address it verified.
    Someone else's unverified secondary address holds nothing: anyone may type any address,
    and that must not keep its owner from signing up (or let the typist pass as them)."""
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email, verified=True).exists()
    )
