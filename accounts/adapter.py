"""allauth's account adapter with the project's rule for e-mail addresses (settings.
ACCOUNT_ADAPTER)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages

from accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    def confirm_email(self, request, email_address) -> bool:
        """An address another account signs in with stays that account's: a "Confirm" link
        sent when someone typed it into their own account (and clicked by its owner, who
        expected mail from us) must not hand it over. allauth alone would verify it, make it
        that account's sign-in address too, and fail on the unique sign-in address (a 500)."""
        taken = (
            User.objects.filter(email__iexact=email_address.email)
            .exclude(pk=email_address.user_id)
            .exists()
        )
        if taken:
            messages.error(
                request,
                f"{email_address.email} belongs to another account, so it was not added to "
                "this one. If you did not ask to add it, ignore the e-mail you received.",
            )
            return False
        return super().confirm_email(request, email_address)
