from django import forms

from accounts.access import staff_users
from accounts.models import User
from config.forms import BootstrapMixin, formfield_callback
from integrations.models import (
    INTAKE_FIELDS,
    PARTNER_FIELDS,
    AuthMethod,
    Category,
    Integration,
    Partner,
    VaultEdition,
)
from integrations.validators import validate_support_region, validate_time_zone


class PartnerForm(BootstrapMixin, forms.ModelForm):
    """A partner's own details, edited by its owners."""

    support_timezone = forms.CharField(
        label="Support time zone",
        initial="UTC",
        max_length=64,
        validators=[validate_time_zone],
        help_text="IANA name, for example Europe/Berlin or America/New_York.",
    )

    class Meta:
        model = Partner
        formfield_callback = formfield_callback
        fields = PARTNER_FIELDS
        labels = {
            "support_url": "Support page",
            "support_email": "Support e-mail",
            "support_country": "Country for public holidays",
            "support_subdivision": "State or region",
        }
        help_texts = {
            "support_url": "Public, shown in the directory. Releasing needs a support page or "
            "a support e-mail.",
            "support_email": "Public, shown in the directory.",
            "support_country": "Two-letter code, for example US or DE. Optional.",
            "support_subdivision": "For example CA or BY. Optional.",
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        clash = Partner.objects.filter(name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                "A partner with this name already exists; ask its owner to invite you."
            )
        return name

    def clean(self):
        cleaned = super().clean()
        country = (cleaned.get("support_country") or "").upper()
        subdivision = (cleaned.get("support_subdivision") or "").upper()
        cleaned["support_country"], cleaned["support_subdivision"] = country, subdivision
        for field, message in validate_support_region(country, subdivision).items():
            self.add_error(field, message)
        return cleaned


class IntakeForm(BootstrapMixin, forms.ModelForm):
    """The intake webform (Engage): what the integration is and how it talks to Vault."""

    vault_editions = forms.MultipleChoiceField(
        label="Which Vault does it work with?",
        choices=VaultEdition.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one Vault edition."},
    )
    auth_methods = forms.MultipleChoiceField(
        label="How does it authenticate to Vault?",
        choices=AuthMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one auth method."},
        help_text="To be verified, an integration must support a method other than a token.",
    )

    class Meta:
        model = Integration
        formfield_callback = formfield_callback
        fields = INTAKE_FIELDS
        labels = {
            "namespace_support": "It supports Vault namespaces (needed for HCP Vault)",
            "repository_url": "Repository URL",
            "contact_email": "Technical contact e-mail",
        }
        help_texts = {
            "summary": "One sentence for the directory.",
            "repository_url": "Required for plugins before review.",
            "docs_url": "Required before review.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Choose a category…"), *Category.choices]


class SimilarWorkForm(forms.Form):
    """What the intake's live hint reads of the intake being typed (nothing is saved): the
    intake's own fields, the chosen partner (slug) and a new organisation's name."""

    name = forms.CharField(max_length=120, required=False)
    category = forms.ChoiceField(choices=Category.choices, required=False)
    description = forms.CharField(max_length=10_000, required=False)
    partner = forms.CharField(max_length=140, required=False)
    new_partner_name = forms.CharField(max_length=120, required=False)

    def __init__(self, data, **kwargs):
        data = data.copy()
        data["new_partner_name"] = data.get("partner-name", "")  # NewPartnerInlineForm's field
        super().__init__(data, **kwargs)


class NewPartnerInlineForm(PartnerForm):
    """Creating an organisation from the intake form: only what is needed now."""

    prefix = "partner"

    class Meta(PartnerForm.Meta):
        fields = ["name", "website", "support_timezone"]
        labels = {"name": "Organisation name"}


class ProgramRecordsForm(BootstrapMixin, forms.Form):
    """What program staff record on an integration (and its partner)."""

    demo_done_at = forms.DateField(
        label="Demo done on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    mnda_signed_at = forms.DateField(
        label="MNDA signed on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    agreement_executed_at = forms.DateField(
        label="Partner agreement executed on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    plugin_portal_url = forms.URLField(
        label="Plugin portal URL", required=False, assume_scheme="https"
    )
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, label="Assigned reviewer"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_users()


class TransitionForm(BootstrapMixin, forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="Note or reason",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
