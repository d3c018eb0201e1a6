"""Badges: "Vault Enterprise Verified" and "HCP Vault Verified", issued by admins, suspended
and restored by the program's own checks, revoked by admins; with their history."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class BadgeKind(models.TextChoices):
    VAULT_ENTERPRISE_VERIFIED = "vault_enterprise_verified", "Vault Enterprise Verified"
    HCP_VAULT_VERIFIED = "hcp_vault_verified", "HCP Vault Verified"


class BadgeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    REVOKED = "revoked", "Revoked"


LIVE_STATUSES = [BadgeStatus.ACTIVE, BadgeStatus.SUSPENDED]


class StatusReason(models.TextChoices):
    """Why the program holds a badge suspended (DESIGN.md §4.2), computed from facts by
    badges.services.suspension_reason; the badge is active again when none holds. The first
    that holds, in this order, is the one shown."""

    NOT_LISTED = "not_listed", "The integration is no longer listed"
    SUPPORT_FAILING = "support_failing", "Support standing is failing"
    EVIDENCE_ARCHIVED = "evidence_archived", "The evidence target was deleted"
    REVERIFICATION_FAILED = "reverification_failed", "Re-verification failed"


def new_public_id() -> str:
    """Random and unguessable: the id in the public badge URLs."""
    return secrets.token_urlsafe(16)


class Badge(models.Model):
    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.PROTECT, related_name="badges"
    )
    kind = models.CharField(max_length=32, choices=BadgeKind.choices)
    status = models.CharField(
        max_length=16, choices=BadgeStatus.choices, default=BadgeStatus.ACTIVE
    )
    public_id = models.CharField(max_length=64, unique=True, default=new_public_id)
    # The run that justifies the badge: the evidence it was issued on, then the latest passing
    # re-verification of the same target.
    run = models.ForeignKey(
        "reviews.VerificationRun", on_delete=models.PROTECT, related_name="badges"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField()
    suspended_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=32, choices=StatusReason.choices, blank=True)
    suspension_reason = models.TextField(blank=True)  # the status reason in words, with details
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # At most one live badge of a kind per integration: of two racing issues, one wins.
            models.UniqueConstraint(
                fields=["integration", "kind"],
                condition=models.Q(status__in=["active", "suspended"]),
                name="one_live_badge_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.integration} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == BadgeStatus.ACTIVE

    @property
    def is_suspended(self) -> bool:
        return self.status == BadgeStatus.SUSPENDED

    @property
    def is_revoked(self) -> bool:
        return self.status == BadgeStatus.REVOKED


class BadgeEvent(models.Model):
    """History: every change of a badge, who or what made it, and why."""

    class Action(models.TextChoices):
        ISSUED = "issued", "Issued"
        SUSPENDED = "suspended", "Suspended"
        RESTORED = "restored", "Restored"
        REVOKED = "revoked", "Revoked"
        REVERIFIED = "reverified", "Re-verified"

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    run = models.ForeignKey(
        "reviews.VerificationRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.badge_id} {self.action}"
