from allauth.account import forms as allauth_forms
from django import forms
from django.conf import settings

from accounts.models import Membership
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


# allauth's forms with the project's look: Bootstrap classes, and `is-invalid`/`aria-invalid`
# on the fields with errors (templates/allauth/elements/fields.html renders them through
# templates/includes/field.html). Wired in settings.ACCOUNT_FORMS.
class LoginForm(BootstrapMixin, allauth_forms.LoginForm):
    pass


class SignupForm(BootstrapMixin, allauth_forms.SignupForm):
    pass


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
