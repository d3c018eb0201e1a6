"""Reads about badges for pages: an integration's badges, what admins may issue, the
directory's active badges."""

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404

from accounts.access import visible_through_partner
from accounts.models import User
from accounts.roles import is_admin
from badges import eligibility as badge_rules  # a module: it imports what imports this
from badges.models import LIVE_STATUSES, Badge, BadgeKind, BadgeStatus
from integrations.models import Integration


def badge_for(*, user: User, pk: int) -> tuple[Badge, bool]:
    """A badge of an integration `user` may see (else 404), and whether they may change it
    (revoke it: program admins)."""
    badges = Badge.objects.select_related("integration__partner")
    badge = visible_through_partner(badges, user, "integration__partner").filter(pk=pk).first()
    if badge is None:
        raise Http404("No such badge.")
    return badge, is_admin(user)


def public_badge_for(*, public_id: str) -> Badge:
    """A badge by its public id, for its public verify page (anyone; else 404)."""
    badge = (
        Badge.objects.select_related("integration__partner", "run__target")
        .filter(public_id=public_id)
        .first()
    )
    if badge is None:
        raise Http404("No such badge.")
    return badge


def badges_context(*, integration: Integration, user: User) -> dict:
    """What templates/badges/_badges.html needs: the integration's badges and, for admins, the
    eligibility of each kind it does not hold yet."""
    badges = list(integration.badges.order_by("kind", "-issued_at"))
    held = {badge.kind for badge in badges if badge.status in LIVE_STATUSES}
    eligibilities = []
    if is_admin(user):
        for kind in BadgeKind:
            if kind not in held:
                eligibility = badge_rules.badge_eligibility(integration=integration, kind=kind)
                eligibility.label = kind.label
                eligibilities.append(eligibility)
    return {
        "badges": badges,
        "eligibilities": eligibilities,
        "site_url": settings.SITE_URL.rstrip("/"),
    }


def active_badges_prefetch() -> Prefetch:
    """For lists of integrations: their active badges in one extra query."""
    return Prefetch(
        "badges",
        queryset=Badge.objects.filter(status=BadgeStatus.ACTIVE).order_by("kind"),
        to_attr="active_badges",
    )


def live_badges_prefetch() -> Prefetch:
    """For lists of integrations: their badges that are not revoked (active or suspended), as
    `live_badges`, in one extra query."""
    return Prefetch(
        "badges",
        queryset=Badge.objects.filter(status__in=LIVE_STATUSES).order_by("kind"),
        to_attr="live_badges",
    )
