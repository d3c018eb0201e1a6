"""Verification targets and runs, review rounds and feedback.

These are the parts the pipeline's guards read (DESIGN.md §3); the verification engine and the
review workflow build on them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TargetKind(models.TextChoices):
    VAULT_COMMUNITY = "vault_community", "Vault Community"
    VAULT_ENTERPRISE = "vault_enterprise", "Vault Enterprise"
    HCP_VAULT = "hcp_vault", "HCP Vault"


class VerificationTarget(models.Model):
    """A partner's test cluster that verification runs go to."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="targets"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32, choices=TargetKind.choices)
    url = models.URLField()
    namespace = models.CharField(max_length=200, blank=True)
    # Transit ciphertext of the app credentials; empty until the partner provides them.
    credentials_ciphertext = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def credentials_set(self) -> bool:
        return bool(self.credentials_ciphertext)


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"
    CANCELLED = "cancelled", "Cancelled"


FINISHED_RUN_STATUSES = [RunStatus.PASSED, RunStatus.FAILED, RunStatus.ERROR]


class VerificationRun(models.Model):
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="runs"
    )
    target = models.ForeignKey(VerificationTarget, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at", "-pk"]
        indexes = [models.Index(fields=["integration", "-queued_at"], name="run_integration_idx")]

    def __str__(self) -> str:
        return f"Run {self.pk} on {self.target} ({self.status})"


class ReviewRound(models.Model):
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
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return f"Review round {self.pk} ({self.status})"


class FeedbackItem(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="feedback")
    body = models.TextField()
    blocking = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]
