from functools import cached_property

from accounts.roles import is_admin, is_program_staff
from accounts.selectors import unread_count


def program_roles(request) -> dict:
    """Template flags for navigation by role (the rules live in accounts.roles)."""
    user = getattr(request, "user", None)
    return {"is_program_staff": is_program_staff(user), "is_admin": is_admin(user)}


class _Unread:
    """`{{ unread_notifications.count }}`: one count query, made only if a page shows it."""

    def __init__(self, user):
        self._user = user

    @cached_property
    def count(self) -> int:
        return unread_count(user=self._user)


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    return {"unread_notifications": _Unread(user)}
