"""Writes with rules for people and access: memberships, invitations, API tokens."""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import forget_partner_roles, is_owner, require
from accounts.keys import API_TOKEN_PREFIX, hash_key, new_key
from accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    Notification,
    NotificationSettings,
    User,
)
from accounts.notifications import GROUPS, notify
from accounts.selectors import has_verified_address
from config.errors import DomainError


def partner_invite(*, partner, email: str, role: str, invited_by: User) -> tuple[Invitation, str]:
    """Invite `email` to `partner`; returns the invitation and the one-time link that joins it."""
    require(is_owner(invited_by, partner), "Only an owner of this partner can invite people.")
    email = User.objects.normalize_email(email).strip()
    if Membership.objects.filter(partner=partner, user__email__iexact=email).exists():
        raise DomainError.invalid(f"{email} is already a member of {partner.name}.", code="member")
    key = new_key()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            partner=partner,
            email=email,
            role=role,
            key_hash=hash_key(key),
            invited_by=invited_by,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        )
        link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[key])
        notify(
            "invitation",
            to=[email],
            context={"invitation": invitation, "link": link, "partner": partner},
            key=f"invitation:{invitation.pk}",
        )
    return invitation, link


def email_address_verified(*, address: EmailAddress) -> int:
    """`address` was just verified: other accounts' unverified copies of it (someone typed the
    address into their own account) go, so they can neither sign in with it nor ask to verify
    it later. Returns how many went."""
    deleted, _ = (
        EmailAddress.objects.filter(email__iexact=address.email, verified=False, primary=False)
        .exclude(user_id=address.user_id)
        .delete()
    )
    return deleted


def invitation_for_key(key: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("partner", "invited_by")
        .filter(key_hash=hash_key(key))
        .first()
    )


def invitation_address_error(*, invitation: Invitation, user: User) -> DomainError:
    """Why `user` may not accept `invitation`: only a verified address of theirs that the
    invitation names joins (an address anyone may add to their account unverified does not)."""
    if EmailAddress.objects.filter(user=user, email__iexact=invitation.email).exists():
        return DomainError.forbidden(
            f"This invitation was sent to {invitation.email}: verify that address first (we "
            "e-mailed you a link; “E-mail addresses” on your account page sends it again), "
            "then open the invitation again.",
            code="unverified_email",
        )
    return DomainError.forbidden(
        f"This invitation was sent to {invitation.email}; sign in with that address to accept it.",
        code="wrong_email",
    )


def invitation_accept(*, key: str, user: User) -> Membership:
    """Join `user` to the invitation's partner. The link is single-use and expires, and joins
    only an account that verified the invited address (holding the link is not enough: links
    get forwarded)."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("partner")
            .filter(key_hash=hash_key(key))
            .first()
        )
        if invitation is None:
            raise DomainError.invalid("This invitation link is not valid.", code="unknown")
        if invitation.accepted_at is not None:
            raise DomainError.invalid("This invitation has already been used.", code="used")
        if invitation.expires_at <= timezone.now():
            raise DomainError.invalid(
                "This invitation has expired; ask the partner owner for a new one.",
                code="expired",
            )
        if not has_verified_address(user=user, email=invitation.email):
            raise invitation_address_error(invitation=invitation, user=user)
        membership, _created = Membership.objects.get_or_create(
            partner=invitation.partner, user=user, defaults={"role": invitation.role}
        )
        forget_partner_roles(user)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def api_token_create(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token. Returns the row and the key, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError.invalid("Give the token a name so you can recognise it later.")
    days = days or settings.API_TOKEN_DAYS
    if not 1 <= days <= 366:
        raise DomainError.invalid("A token lives between 1 and 366 days.", code="days")
    now = timezone.now()
    for _ in range(3):
        key = new_key(API_TOKEN_PREFIX)
        try:
            token = ApiToken.objects.create(
                user=user,
                name=name[:100],
                key_prefix=key[: len(API_TOKEN_PREFIX) + 6],
                key_hash=hash_key(key),
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        except IntegrityError:  # pragma: no cover - a 256-bit collision
            continue
        return token, key
    raise DomainError("Could not create a token; try again.", code="token_collision")


def api_token_revoke(*, token: ApiToken, user: User) -> None:
    require(token.user_id == user.pk, "You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every active token of `user`; how many. Called when the password changes or is
    reset (accounts.signals): whoever knew the old password may have minted tokens with it."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def api_token_authenticate(key: str) -> ApiToken | None:
    """The active token for `key`, or None. Touches `last_used_at` at most once a minute."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_key(key), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def credentials_purge_expired(*, older_than_days: int = 30) -> tuple[int, int]:
    """Delete tokens and unused invitations that expired more than `older_than_days` ago."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    tokens, _ = ApiToken.objects.filter(expires_at__lt=cutoff).delete()
    invitations, _ = Invitation.objects.filter(
        accepted_at__isnull=True, expires_at__lt=cutoff
    ).delete()
    return tokens, invitations


# --- Notifications (the outbox itself is accounts.notifications) ---------------------------


def notifications_mark_read(*, user: User, notification: Notification | None = None) -> int:
    """Mark one of the user's notifications read, or all of them; how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        require(notification.user_id == user.pk, "This is someone else's notification.")
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())


def notification_settings_update(*, user: User, email_off: set[str]) -> NotificationSettings:
    """Store the groups the user does not want by e-mail (the in-app list keeps them all)."""
    unknown = set(email_off) - {group.key for group in GROUPS}
    if unknown:
        raise DomainError.invalid(
            f"Unknown notification groups: {', '.join(sorted(unknown))}.", code="unknown_group"
        )
    record, _ = NotificationSettings.objects.update_or_create(
        user=user, defaults={"email_off": sorted(email_off)}
    )
    return record
