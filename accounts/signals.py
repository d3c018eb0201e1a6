"""What allauth's account events mean for ours; each receiver calls a service."""

from allauth.account import signals
from django.contrib import messages
from django.dispatch import receiver
from django.template.defaultfilters import pluralize

from accounts import services


@receiver(signals.password_changed)
@receiver(signals.password_set)
@receiver(signals.password_reset)
def revoke_api_tokens(sender, request, user, **kwargs) -> None:
    """A new password ends every personal API token: someone who knew the old password (the
    reason people change it) may have created tokens with it, and tokens do not ask for it."""
    count = services.api_tokens_revoke_all(user=user)
    if count and request is not None and hasattr(request, "_messages"):
        messages.info(
            request,
            f"Your password changed, so your {count} API token{pluralize(count)} "
            f"{pluralize(count, 'was,were')} revoked. Create new ones on your account page.",
        )


@receiver(signals.email_confirmed)
def drop_unverified_copies(sender, request, email_address, **kwargs) -> None:
    services.email_address_verified(address=email_address)
