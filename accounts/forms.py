from allauth.account import forms as allauth_forms
from allauth.account.adapter import get_adapter
from django import forms
from django.conf import settings

from accounts.models import Membership
from accounts.notifications import GROUPS
from accounts.selectors import NOTIFICATION_KINDS, email_held
from config.forms import BootstrapMixin


class InvitationForm(BootstrapMixin, forms.Form):
    email = forms.EmailField(label="E-mail address")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class ApiTokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, for example “CI”.")
    days = forms.IntegerField(
        label="Valid for (days)",
        min_value=1,
        max_value=366,
        initial=settings.API_TOKEN_DAYS,
    )


class NotificationFilterForm(forms.Form):
    """The in-app list's filters, kept in its query string (with the page): a kind of event
    and an integration the user's notifications are about. An unknown value filters nothing
    and is marked on its field."""

    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All kinds"), *NOTIFICATION_KINDS.items()]
    )
    integration = forms.TypedChoiceField(
        label="Integration", required=False, coerce=int, empty_value=None
    )

    def __init__(self, data, *, integrations: list[tuple[int, str]]):
        super().__init__(data)
        self.fields["integration"].choices = [("", "All integrations"), *integrations]
        self.is_valid()

    def value(self, name: str):
        return self.cleaned_data.get(name) or None

    @property
    def active(self) -> bool:
        return bool(self.value("kind") or self.value("integration"))


class NotificationSettingsForm(BootstrapMixin, forms.Form):
    """One switch per group of notifications: e-mail on (checked) or off."""

    def __init__(self, *args, email_off: set[str], **kwargs):
        # The fields exist before BootstrapMixin styles them; Django links each help text
        # (aria-describedby) itself.
        self.base_fields = {
            group.key: forms.BooleanField(
                label=group.label,
                help_text=group.help,
                required=False,
                initial=group.key not in email_off,
                widget=forms.CheckboxInput(attrs={"role": "switch"}),
            )
            for group in GROUPS
        }
        super().__init__(*args, **kwargs)

    def email_off(self) -> set[str]:
        return {key for key, on in self.cleaned_data.items() if not on}


# allauth's forms with the project's look: Bootstrap classes, and `is-invalid`/`aria-invalid`
# on the fields with errors (templates/allauth/elements/fields.html renders them through
# templates/includes/field.html). Wired in settings.ACCOUNT_FORMS.
class LoginForm(BootstrapMixin, allauth_forms.LoginForm):
    pass


class SignupForm(BootstrapMixin, allauth_forms.SignupForm):
    def validate_unique_email(self, value) -> str:
        """allauth counts every EmailAddress row as taken, unverified ones of other accounts
        too: anyone could then block someone's sign-up (an invitee's) by typing their address
        into their own account. Only a sign-in address or a verified one holds an address."""
        if email_held(email=value):
            return super().validate_unique_email(value)
        self.account_already_exists = False
        return get_adapter().validate_unique_email(value)


class AddEmailForm(BootstrapMixin, allauth_forms.AddEmailForm):
    pass


class ChangePasswordForm(BootstrapMixin, allauth_forms.ChangePasswordForm):
    pass


class SetPasswordForm(BootstrapMixin, allauth_forms.SetPasswordForm):
    pass


class ResetPasswordForm(BootstrapMixin, allauth_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(BootstrapMixin, allauth_forms.ResetPasswordKeyForm):
    pass
