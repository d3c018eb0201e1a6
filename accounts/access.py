"""Who belongs where, in one place: partner membership, program staff, and whom to tell."""

from django.db.models import Q, QuerySet

from accounts.models import Membership, User
from accounts.roles import ADMINS, REVIEWERS, is_program_staff


def partner_role(user, partner) -> str | None:
    """The user's role at the partner (`owner`, `member`) or None. All of the user's roles are
    read in one query and remembered on the user object, as its groups are (accounts.roles):
    a page asking about many partners costs one query, not one per row."""
    if not getattr(user, "is_authenticated", False):
        return None
    roles = getattr(user, "_vip_partner_roles", None)
    if roles is None:
        roles = dict(Membership.objects.filter(user=user).values_list("partner_id", "role"))
        user._vip_partner_roles = roles
    return roles.get(partner.pk)


def forget_partner_roles(user) -> None:
    """After a change to the user's memberships: the next partner_role() reads them again."""
    user.__dict__.pop("_vip_partner_roles", None)


def is_member(user, partner) -> bool:
    return partner_role(user, partner) is not None


def is_owner(user, partner) -> bool:
    return partner_role(user, partner) == Membership.Role.OWNER


def may_act_for(user, partner) -> bool:
    """Program staff, and the partner's own people."""
    return is_program_staff(user) or is_member(user, partner)


def may_manage(user, partner) -> bool:
    """Program staff, and the partner's owners."""
    return is_program_staff(user) or is_owner(user, partner)


def visible_through_partner(queryset: QuerySet, user, partner: str = "partner") -> QuerySet:
    """The rows of `queryset` that `user` may see, `partner` being the path from a row to its
    partner: program staff see every row, partner users their partners' rows, others none."""
    if is_program_staff(user):
        return queryset
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    return queryset.filter(**{f"{partner}__memberships__user": user})


def staff_users() -> QuerySet[User]:
    """Reviewers and admins (superusers count as admins)."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=[REVIEWERS, ADMINS]) | Q(is_superuser=True))
        .distinct()
        .order_by("email")
    )


def admin_users() -> QuerySet[User]:
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=ADMINS) | Q(is_superuser=True))
        .distinct()
        .order_by("email")
    )


def emails(users) -> list[str]:
    return list(users.values_list("email", flat=True))


def partner_emails(partner, *, owners_only: bool = False) -> list[str]:
    """The e-mail addresses of a partner's people (or only its owners)."""
    return partners_emails([partner.pk], owners_only=owners_only).get(partner.pk, [])


def partners_emails(partner_ids, *, owners_only: bool = False) -> dict[int, list[str]]:
    """`partner_emails` of several partners with one query: partner id → addresses."""
    memberships = Membership.objects.filter(partner_id__in=partner_ids, user__is_active=True)
    if owners_only:
        memberships = memberships.filter(role=Membership.Role.OWNER)
    found: dict[int, list[str]] = {}
    for partner_id, email in memberships.order_by("pk").values_list("partner_id", "user__email"):
        found.setdefault(partner_id, []).append(email)
    return found
