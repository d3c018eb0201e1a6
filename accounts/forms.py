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
