"""Verification targets, runs and their check results; review rounds and feedback."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from integrations.models import AuthMethod, VaultEdition
from reviews.targets import PLUGIN_LOGIN

# A target is one of the Vault editions an integration can work with.
TargetKind = VaultEdition


# How a partner's app logs in to its Vault: the intake's auth methods, but OIDC (an
# interactive browser login) is verified through its JWT role; and `plugin`, a login through
# an auth-method plugin's own mount with the body that plugin takes (reviews.targets holds
# the fields of each).
LOGIN_METHODS = [(m.value, m.label) for m in AuthMethod if m != AuthMethod.OIDC] + [
    (PLUGIN_LOGIN, "Auth plugin login")
]


class MountType(models.TextChoices):
    KV_V1 = "kv-v1", "KV version 1"
    KV_V2 = "kv-v2", "KV version 2"
    TRANSIT = "transit", "Transit"
    PKI = "pki", "PKI"
    TOTP = "totp", "TOTP"
    SSH = "ssh", "SSH"
    DATABASE = "database", "Database"


class VerificationTarget(models.Model):
    """A partner's test cluster that verification runs go to.

    Secrets live only in the two Transit ciphertexts (the app's login secrets, the optional
    inspector token); everything else here is configuration, not secret.
    """

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="targets"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=TargetKind.choices)
    url = models.URLField()
    namespace = models.CharField(max_length=200, blank=True)
    ca_cert = models.TextField("CA bundle (PEM)", blank=True)
    auth_method = models.CharField(max_length=16, choices=LOGIN_METHODS, default=AuthMethod.APPROLE)
    auth_mount_path = models.CharField(max_length=200, blank=True)
    auth_role = models.CharField(max_length=200, blank=True)
    auth_login_path = models.CharField(max_length=200, blank=True)  # method `plugin`
    credentials_ciphertext = models.TextField(blank=True)
    inspector_ciphertext = models.TextField(blank=True)
    secret_mounts = models.JSONField(default=list, blank=True)
    plugin = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Deleting a target archives it: its runs stay (they are review and badge evidence), its
    # credentials are destroyed.
    archived_at = models.DateTimeField(null=True, blank=True)
    # The evidence target (DESIGN.md §4.2): its runs, and no other target's, decide the review
    # and the badges. The first target is primary; reviews.services.target_make_primary switches.
    primary = models.BooleanField("evidence target", default=False)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration"],
                condition=models.Q(primary=True, archived_at__isnull=True),
                name="one_evidence_target_per_integration",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def credentials_set(self) -> bool:
        return bool(self.credentials_ciphertext)

    @property
    def inspector_set(self) -> bool:
        return bool(self.inspector_ciphertext)


# What a run found on the other end (server.health): the same platforms a target is declared as.
Edition = VaultEdition


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_RUN_STATUSES = [RunStatus.PASSED, RunStatus.FAILED, RunStatus.ERROR]
OPEN_RUN_STATUSES = [RunStatus.QUEUED, RunStatus.RUNNING]


class RunPurpose(models.TextChoices):
    REQUESTED = "requested", "Requested"
    REVERIFICATION = "reverification", "Re-verification"


class VerificationRun(models.Model):
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="runs"
    )
    target = models.ForeignKey(VerificationTarget, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    purpose = models.CharField(
        max_length=16, choices=RunPurpose.choices, default=RunPurpose.REQUESTED
    )
    reason = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    attempt = models.PositiveSmallIntegerField(default=0)
    detected_version = models.CharField(max_length=64, blank=True)
    detected_edition = models.CharField(max_length=32, choices=Edition.choices, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set with the run's end, cleared once its people are told (reviews.services.run_notify, on
    # the default queue; beat's reaper tells those whose task was lost).
    notice_pending = models.BooleanField(default=False)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [
            models.Index(fields=["integration", "-queued_at"], name="run_integration_idx"),
            models.Index(
                fields=["finished_at"],
                name="run_notice_pending_idx",
                condition=models.Q(notice_pending=True),
            ),
            models.Index(
                fields=["status", "started_at"],
                name="run_open_idx",
                condition=models.Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} on {self.target} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_RUN_STATUSES

    @property
    def is_queued(self) -> bool:
        return self.status == RunStatus.QUEUED

    @property
    def passed(self) -> bool:
        return self.status == RunStatus.PASSED


class PartnerEvidence(models.Model):
    """A partner's own run of the checks (`vip-verify submit`), in its network or CI: shown
    beside the program's runs with a clear label, never counted as one (guards and badges read
    VerificationRun only). Everything here is what the partner's run reported."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="partner_evidence"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=RunStatus.choices)
    reason = models.TextField(blank=True)
    category = models.CharField(max_length=32)
    engine_version = models.CharField(max_length=40)
    catalogue_version = models.CharField(max_length=20)
    subset = models.JSONField(default=list, blank=True)  # the checks run, when not all of them
    target = models.JSONField(default=dict)  # name, kind, url, namespace, as declared
    detected = models.JSONField(default=dict)  # version and edition, as the partner's run saw
    checks = models.JSONField(default=list)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    # A reviewer's waiver of the program run for release, when the program cannot run one (a
    # private HVN cluster): who accepted this evidence in its place, when and why. Badges
    # still need the program's own runs.
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    acceptance = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["integration", "-submitted_at"], name="evidence_recent")]

    def __str__(self) -> str:
        return f"Partner-run evidence {self.pk} ({self.status})"

    @property
    def passed(self) -> bool:
        return self.status == RunStatus.PASSED


class Waiver(models.Model):
    """A reviewer's decision that one required check on one target no longer decides its runs'
    verdicts (it cannot be automated there, e.g. HCP Vault's audit devices), with the
    justification the public reads on the badge's verify page. Ended, never deleted."""

    target = models.ForeignKey(VerificationTarget, on_delete=models.CASCADE, related_name="waivers")
    check_id = models.CharField(max_length=64)
    justification = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "check_id"],
                condition=models.Q(ended_at__isnull=True),
                name="one_live_waiver_per_check",
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_id} waived on {self.target}"

    @property
    def is_live(self) -> bool:
        return self.ended_at is None


class CheckStatus(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    ERROR = "error", "Error"


class CheckResult(models.Model):
    """One check of a run, stored as soon as it finishes (the run page shows them live)."""

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveSmallIntegerField()
    check_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    subject = models.CharField(max_length=200, blank=True)
    required = models.BooleanField()
    status = models.CharField(max_length=16, choices=CheckStatus.choices)
    message = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)
    # A required check that did not pass but was waived: it did not decide the run's verdict.
    waiver = models.ForeignKey(
        Waiver, on_delete=models.RESTRICT, null=True, blank=True, related_name="results"
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "position"], name="check_result_position")
        ]

    def __str__(self) -> str:
        return f"{self.check_id} {self.subject} {self.status}".strip()


class ReviewRound(models.Model):
    """One pass of the program's review over an integration in `review`: feedback items that
    the partner answers and staff resolve, ending `changes_requested` or `approved`."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="review_rounds"
    )
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.OPEN)
    summary = models.TextField(blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    decision_summary = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The verification runs this round looked at.
    runs = models.ManyToManyField(VerificationRun, blank=True, related_name="review_rounds")

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration"],
                condition=models.Q(status="open"),
                name="one_open_round_per_integration",
            )
        ]

    def __str__(self) -> str:
        return f"Review round {self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == ReviewRound.Status.OPEN

    @property
    def is_approved(self) -> bool:
        return self.status == ReviewRound.Status.APPROVED

    @property
    def changes_requested(self) -> bool:
        return self.status == ReviewRound.Status.CHANGES_REQUESTED


class FeedbackItem(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="feedback")
    body = models.TextField()
    blocking = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class FeedbackReply(models.Model):
    """The partner's (or staff's) answer on one feedback item."""

    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class ConnectionTest(models.Model):
    """That someone tested a target's connection from the target form (`server.health`,
    `server.edition`, `auth.login` against what they typed, nothing saved): who, when, which
    integration and target, the host, the outcome. Never an address's path or query, never a
    credential, never the checks' messages."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="connection_tests"
    )
    target = models.ForeignKey(
        VerificationTarget,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="connection_tests",
    )  # the target being edited; none for a new one
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    host = models.CharField(max_length=255)
    outcome = models.CharField(max_length=16, choices=RunStatus.choices)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Connection test of {self.host} ({self.outcome})"
