from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from accounts.access import may_act_for, may_manage
from accounts.roles import is_program_staff
from integrations import categories
from integrations.categories import (  # noqa: F401 - the pipeline's names for them
    AUTHENTICATING_CATEGORIES,
    NOT_ENCOURAGED_CATEGORIES,
    PLUGIN_CATEGORIES,
)
from integrations.validators import region_code, support_settings_errors


class Stage(models.TextChoices):
    ENGAGE = "engage", "Engage"
    ENABLE = "enable", "Enable"
    DEVELOP = "develop", "Develop & test"
    REVIEW = "review", "Review"
    RELEASE = "release", "Release"
    SUPPORT = "support", "Support"
    WITHDRAWN = "withdrawn", "Withdrawn"
    REJECTED = "rejected", "Rejected"
    DELISTED = "delisted", "Delisted"


PIPELINE = [Stage.ENGAGE, Stage.ENABLE, Stage.DEVELOP, Stage.REVIEW, Stage.RELEASE, Stage.SUPPORT]
OFF_TRACK = [Stage.WITHDRAWN, Stage.REJECTED, Stage.DELISTED]
LISTED = [Stage.RELEASE, Stage.SUPPORT]
# Stages that only an integration that has been reviewed can be in.
REVIEWED_STAGES = [Stage.REVIEW, Stage.RELEASE, Stage.SUPPORT, Stage.DELISTED]


class Category(models.TextChoices):
    RUNTIME = categories.RUNTIME, "Runtime integration"
    AUTH_METHOD = categories.AUTH_METHOD, "Auth method plugin"
    SECRETS_ENGINE = categories.SECRETS_ENGINE, "Secrets engine plugin"
    AUDIT = categories.AUDIT, "Audit, monitoring, compliance"
    HSM = categories.HSM, "HSM"
    STORAGE_OR_UNSEAL = categories.STORAGE_OR_UNSEAL, "Storage, auto-auth or auto-unseal"


class VaultEdition(models.TextChoices):
    """The platforms an integration works with, a target is declared as, and a run detects.
    OpenBao is a legitimate target that earns no HashiCorp badge."""

    COMMUNITY = "vault_community", "Vault Community"
    ENTERPRISE = "vault_enterprise", "Vault Enterprise"
    HCP = "hcp_vault", "HCP Vault"
    OPENBAO = "openbao", "OpenBao"


class AuthMethod(models.TextChoices):
    APPROLE = "approle", "AppRole"
    JWT = "jwt", "JWT"
    OIDC = "oidc", "OIDC"
    CERT = "cert", "TLS certificates"
    USERPASS = "userpass", "Username & password"
    KUBERNETES = "kubernetes", "Kubernetes"
    TOKEN = "token", "Token"


# What the intake webform asks (PROGRAM.md, stage 1), in the order it asks it.
INTAKE_FIELDS = (
    "name",
    "category",
    "summary",
    "description",
    "vault_editions",
    "auth_methods",
    "namespace_support",
    "repository_url",
    "docs_url",
    "contact_email",
)
# What the review verified the integration as: from `review` on only program staff change these
# (DESIGN.md §4.2), and every change of them, by anyone, is written to the history.
REVIEWED_FIELDS = ("category", "vault_editions", "auth_methods", "namespace_support")
# The history's `field` for a change of stage.
STAGE_FIELD = "stage"
# Partner details its owners edit; MNDA and agreement dates are recorded by program staff.
PARTNER_FIELDS = (
    "name",
    "website",
    "support_url",
    "support_email",
    "support_timezone",
    "support_country",
    "support_subdivision",
)
PARTNER_STAFF_FIELDS = ("mnda_signed_at", "agreement_executed_at")


class Partner(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    website = models.URLField(blank=True)
    # The public support contact shown in the directory; releasing needs one of them.
    support_url = models.URLField("support URL", blank=True)
    support_email = models.EmailField("support e-mail", blank=True)
    support_timezone = models.CharField(max_length=64, default="UTC")
    support_country = models.CharField(max_length=2, blank=True)
    support_subdivision = models.CharField(max_length=10, blank=True)
    mnda_signed_at = models.DateField("MNDA signed", null=True, blank=True)
    agreement_executed_at = models.DateField("partner agreement executed", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The admin's door to the support settings: the rule integrations.services applies
        (integrations.validators), the region stored in capitals."""
        self.support_country = region_code(self.support_country)
        self.support_subdivision = region_code(self.support_subdivision)
        errors = support_settings_errors(
            time_zone=self.support_timezone,
            country=self.support_country,
            subdivision=self.support_subdivision,
        )
        if errors:
            raise ValidationError(errors)


# --- Who may move an integration (the "who" column of DESIGN.md §3) ----------------------
# Each rule takes the integration and the acting user; `None` is the system itself (sweeps).


def _staff(integration: "Integration", user) -> bool:
    return user is not None and is_program_staff(user)


def _staff_or_system(integration: "Integration", user) -> bool:
    return user is None or is_program_staff(user)


def _partner_or_staff(integration: "Integration", user) -> bool:
    return user is not None and may_act_for(user, integration.partner)


def _partner_owner_or_staff(integration: "Integration", user) -> bool:
    return user is not None and may_manage(user, integration.partner)


class Integration(FSMModelMixin, models.Model):
    """One partner integration and its place in the six-stage pipeline.

    `stage` only changes through the transition methods below, and those are only called by
    `pipeline.services.integration_transition`, which checks the guard of each move
    (`pipeline.guards`), locks the row and writes the history.
    """

    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="integrations")
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=32, choices=Category.choices)
    summary = models.CharField(max_length=300)
    description = models.TextField(max_length=10_000)
    vault_editions = models.JSONField(default=list)
    auth_methods = models.JSONField(default=list)
    namespace_support = models.BooleanField(default=False)
    repository_url = models.URLField(blank=True)
    docs_url = models.URLField("documentation URL", blank=True)
    contact_email = models.EmailField()

    stage = FSMField(default=Stage.ENGAGE, choices=Stage.choices, protected=True)
    stage_changed_at = models.DateTimeField(default=timezone.now)

    overlaps_acknowledged_at = models.DateTimeField(null=True, blank=True)
    overlaps_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    demo_done_at = models.DateField("demo done", null=True, blank=True)
    plugin_portal_url = models.URLField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_integrations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Each stage's column and queue, oldest in the stage first (board, review queue).
            models.Index(
                fields=["stage", "stage_changed_at", "id"], name="integration_stage_order_idx"
            ),
            # Lists newest first (the API's integration list): the first page without a sort.
            models.Index(fields=["-created_at", "-id"], name="integration_newest_idx"),
            # The public directory: listed integrations by name.
            models.Index(
                fields=["name", "id"],
                name="integration_listed_name_idx",
                condition=models.Q(stage__in=LISTED),
            ),
            # The integrations list and its CSV export: everything the viewer sees, by name.
            models.Index(fields=["name", "id"], name="integration_name_idx"),
            models.Index(fields=["category"], name="integration_category_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"

    @property
    def is_plugin(self) -> bool:
        return self.category in PLUGIN_CATEGORIES

    @property
    def not_encouraged(self) -> bool:
        return self.category in NOT_ENCOURAGED_CATEGORIES

    @property
    def vault_edition_labels(self) -> list[str]:
        return [VaultEdition(value).label for value in self.vault_editions or []]

    @property
    def auth_method_labels(self) -> list[str]:
        return [AuthMethod(value).label for value in self.auth_methods or []]

    @property
    def is_listed(self) -> bool:
        return self.stage in LISTED

    @property
    def in_support(self) -> bool:
        return self.stage == Stage.SUPPORT

    @property
    def days_in_stage(self) -> int:
        """Whole days since the stage began (lists count the same in the database:
        integrations.selectors.days_between)."""
        return (timezone.now() - self.stage_changed_at).days

    # --- The state machine (DESIGN.md §3); guards are in pipeline.guards ------------

    @transition(
        field=stage,
        source=Stage.ENGAGE,
        target=Stage.ENABLE,
        permission=_staff,
        custom={"label": "Accept the intake", "who": "program staff"},
    )
    def enable(self) -> None:
        """Intake accepted: the partner gets the program's resources."""

    @transition(
        field=stage,
        source=Stage.ENABLE,
        target=Stage.DEVELOP,
        permission=_partner_or_staff,
        custom={"label": "Start development", "who": "the partner or program staff"},
    )
    def start_development(self) -> None:
        """The partner builds and tests the integration."""

    @transition(
        field=stage,
        source=Stage.DEVELOP,
        target=Stage.REVIEW,
        permission=_partner_or_staff,
        custom={"label": "Submit for review", "who": "the partner or program staff"},
    )
    def submit_for_review(self) -> None:
        """Ready for the program to verify it."""

    @transition(
        field=stage,
        source=Stage.REVIEW,
        target=Stage.DEVELOP,
        permission=_staff,
        custom={"label": "Back to development", "who": "program staff"},
    )
    def request_changes(self) -> None:
        """The review asked for changes; back to development."""

    @transition(
        field=stage,
        source=Stage.REVIEW,
        target=Stage.RELEASE,
        permission=_staff,
        custom={"label": "Release", "who": "program staff"},
    )
    def release(self) -> None:
        """Review passed: listed in the directory."""

    @transition(
        field=stage,
        source=Stage.RELEASE,
        target=Stage.SUPPORT,
        permission=_staff,
        custom={"label": "Move to support", "who": "program staff"},
    )
    def start_support(self) -> None:
        """Released and in ongoing support under the SLA."""

    @transition(
        field=stage,
        source=PIPELINE,
        target=Stage.WITHDRAWN,
        permission=_partner_owner_or_staff,
        custom={"label": "Withdraw", "who": "a partner owner or program staff"},
    )
    def withdraw(self) -> None:
        """The partner stops the integration."""

    @transition(
        field=stage,
        source=[Stage.ENGAGE, Stage.ENABLE, Stage.DEVELOP, Stage.REVIEW],
        target=Stage.REJECTED,
        permission=_staff,
        custom={"label": "Reject", "who": "program staff"},
    )
    def reject(self) -> None:
        """The program declines the integration."""

    @transition(
        field=stage,
        source=LISTED,
        target=Stage.DELISTED,
        permission=_staff_or_system,
        custom={"label": "Delist", "who": "program staff"},
    )
    def delist(self) -> None:
        """No longer supported: removed from the directory."""

    @transition(
        field=stage,
        source=Stage.DELISTED,
        target=Stage.SUPPORT,
        permission=_staff,
        custom={"label": "List again", "who": "program staff"},
    )
    def relist(self) -> None:
        """Support is back in good standing: listed again."""


class IntegrationOverlap(models.Model):
    """An existing integration that looked like the same work when this one was described."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="overlaps")
    similar = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "similar"], name="overlap_unique")
        ]

    def __str__(self) -> str:
        return f"{self.integration_id} ~ {self.similar_id} ({self.score:.2f})"


class StageTransition(models.Model):
    """The integration's history, written in the transaction of the change it records: one row
    per stage change (`field` "stage", `from_stage` → `to_stage`) and one per change of a
    watched field (`field` names it, `from_value` → `to_value`, any JSON value). The name is
    older than the field rows; `integrations.services.history_record` writes both kinds."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="history")
    field = models.CharField(max_length=64, default=STAGE_FIELD)
    from_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    from_value = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    to_value = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["integration", "at"], name="transition_integration_idx")]
        constraints = [
            # A stage row names its new stage; a field row never carries stages.
            models.CheckConstraint(
                condition=(
                    models.Q(field=STAGE_FIELD) & ~models.Q(to_stage="")
                    | ~models.Q(field=STAGE_FIELD) & models.Q(from_stage="", to_stage="")
                ),
                name="history_row_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration_id}: {self.field} {self.before} → {self.after}"

    @property
    def is_stage(self) -> bool:
        return self.field == STAGE_FIELD

    @property
    def before(self):
        """The value before the change (a stage, or the field's JSON value)."""
        return self.from_stage if self.is_stage else self.from_value

    @property
    def after(self):
        return self.to_stage if self.is_stage else self.to_value

    # --- In words, for the timeline ------------------------------------------------------

    @property
    def field_label(self) -> str:
        if self.field in INTAKE_FIELDS:
            return Integration._meta.get_field(self.field).verbose_name.capitalize()
        return self.field.replace("_", " ").capitalize()

    @property
    def before_words(self) -> str:
        return _in_words(self.field, self.before)

    @property
    def after_words(self) -> str:
        return _in_words(self.field, self.after)


_CHOICES = {"category": Category, "vault_editions": VaultEdition, "auth_methods": AuthMethod}


def _in_words(field: str, value) -> str:
    """A history value as people read it: choices by their labels, yes/no, "—" for none."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    choices = _CHOICES.get(field)
    labels = [
        choices(item).label if choices is not None and item in choices.values else str(item)
        for item in (value if isinstance(value, list) else [value])
    ]
    return ", ".join(labels)
