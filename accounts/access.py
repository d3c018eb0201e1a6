"""Who may do what, in one place: the predicates (partner membership, program staff, owner),
the one refusal (`require`), its forms for HTML views (`staff_required`) and the API
(`IsProgramStaff`), and whom to tell.

The vocabulary every view and endpoint speaks:
- An object the user may not see does not exist for them: each app's `<thing>_for(user, pk)`
  returns `(object, may_change)` or raises a 404.
- An action the user may not take on something they can see is `require(allowed, message,
  code=...)`: a `DomainError` with status 403 and a stable code. The API answers it in the one
  error shape (config.api); an HTML view's 403 page (config.middleware.RefusalMiddleware).
- A view's answer to a service's `DomainError` is `config.http.refuse`.

Predicates take plain objects (a user, a partner) and never load an integration: lookups that
need one live in the apps that own the models (integrations.selectors, …)."""

from functools import wraps

from django.db.models import Q, QuerySet
from rest_framework.permissions import BasePermission

from accounts.models import Membership, User
from accounts.roles import ADMINS, REVIEWERS
from accounts.roles import is_admin as is_admin  # the role predicates are part of the vocabulary
from accounts.roles import is_program_staff as is_program_staff
from config.errors import DomainError

STAFF_PAGE = "This page is for program staff."


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


def require(allowed: bool, message: str, *, code: str = "forbidden") -> None:
    """The one refusal of an action: unless `allowed`, a 403 `DomainError` saying `message`
    (who may, in words: "Only program staff waive checks.") with the stable `code`. Call it
    after the object's lookup, so that whoever may not see the object gets its 404 first."""
    if not allowed:
        raise DomainError.forbidden(message, code=code)


def staff_required(view=None, *, message: str = STAFF_PAGE):
    """An HTML view for program staff only (put it under `login_required`): anyone else gets
    the 403 page. For a view about one object, look the object up first and `require` instead,
    so that a stranger to the object gets its 404, not a 403."""

    def decorate(view):
        @wraps(view)
        def staff_view(request, *args, **kwargs):
            require(is_program_staff(request.user), message, code="staff_only")
            return view(request, *args, **kwargs)

        return staff_view

    return decorate(view) if view is not None else decorate


class IsProgramStaff(BasePermission):
    """The API's `staff_required`: a 403 (`staff_only`) for anyone but program staff. A view
    may say who it is for in `staff_only_message`. List it after IsAuthenticated, so that an
    anonymous caller gets a 401."""

    message = "This is for program staff."
    code = "staff_only"

    def has_permission(self, request, view) -> bool:
        if is_program_staff(request.user):
            return True
        self.message = getattr(view, "staff_only_message", type(self).message)
        return False


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
