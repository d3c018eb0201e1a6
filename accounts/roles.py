"""Who someone is in the program. Staff roles are the groups `reviewers` and `admins`;
superusers count as admins. Partner roles come from memberships."""

REVIEWERS = "reviewers"
ADMINS = "admins"


def _group_names(user) -> frozenset[str]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_vip_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._vip_group_names = cached
    return cached


def is_admin(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or ADMINS in _group_names(user)


def is_reviewer(user) -> bool:
    return REVIEWERS in _group_names(user)


def is_program_staff(user) -> bool:
    """Reviewers and admins: the people who run the program."""
    return is_admin(user) or is_reviewer(user)


def user_roles(user) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    roles = []
    if user.memberships.exists():
        roles.append("partner")
    if is_reviewer(user):
        roles.append("reviewer")
    if is_admin(user):
        roles.append("admin")
    return roles
