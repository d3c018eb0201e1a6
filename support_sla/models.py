"""Support issues and their SLA clocks, each partner's business calendar, the SLA events
(history and notification outbox) and each integration's support standing."""

import calendar

from django.conf import settings
from django.db import models
from django.utils import timezone


def default_working_days() -> list[int]:
    return [0, 1, 2, 3, 4]  # Monday to Friday (Python weekday numbers)


class BusinessCalendar(models.Model):
    """When a partner works: its working weekdays and extra closure dates. The time zone and
    the public-holiday region are the partner's support settings (Partner.support_*)."""

    partner = models.OneToOneField(
        "integrations.Partner", on_delete=models.CASCADE, related_name="calendar"
    )
    working_days = models.JSONField(default=default_working_days)
    closures = models.JSONField(default=list, blank=True)  # ISO dates
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar of {self.partner}"

    @property
    def working_day_names(self) -> list[str]:
        return [calendar.day_name[day] for day in sorted(self.working_days)]


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    NORMAL = "normal", "Normal"


class IssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    WAITING_ON_REPORTER = "waiting_on_reporter", "Waiting on reporter"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


RUNNING = [IssueStatus.OPEN, IssueStatus.ACKNOWLEDGED]  # the clock runs
PAUSED = [IssueStatus.WAITING_ON_REPORTER]
STOPPED = [IssueStatus.RESOLVED, IssueStatus.CLOSED]
CLOCKED = [*RUNNING, *PAUSED]  # what the sweep looks at: running clocks and pauses that end


class SupportIssue(models.Model):
    """An issue reported against a released integration, with its SLA clock.

    A clock runs per cycle from `clock_started_at`, in the calendar it started with
    (`clock_calendar`, a snapshot of the partner's calendar: later changes do not move it).
    Time spent waiting on the reporter is added to the budget (`paused_seconds` for critical
    clocks, `paused_business_days` for normal ones), up to `VIP_SLA_MAX_PAUSE` of the budget
    per cycle. A reopening within 14 days of the resolution continues the cycle
    (`reopened_at`); a later one starts a new cycle. `warn_at`, `due_at` and `escalate_at`
    are computed when anything that moves them changes; `next_action_at` is the earliest one
    not yet recorded (or, while paused, the moment the pause runs out), indexed for the sweep.
    """

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="support_issues"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20_000)
    severity = models.CharField(max_length=16, choices=Severity.choices)
    status = models.CharField(max_length=32, choices=IssueStatus.choices, default=IssueStatus.OPEN)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_support_issues",
    )
    opened_by_staff = models.BooleanField(default=False)  # then only staff may pause it
    opened_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)

    cycle = models.PositiveIntegerField(default=1)
    clock_started_at = models.DateTimeField(default=timezone.now)
    clock_calendar = models.JSONField(default=dict, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.FloatField(default=0)
    paused_business_days = models.FloatField(default=0)
    warn_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    escalate_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [
            # The sweep's only query: running clocks with something due, pauses that run out.
            models.Index(
                fields=["next_action_at"],
                name="sla_next_action_idx",
                condition=models.Q(
                    status__in=["open", "acknowledged", "waiting_on_reporter"],
                    next_action_at__isnull=False,
                ),
            ),
            models.Index(fields=["integration", "status"], name="issue_integration_idx"),
            # The support queue: active issues, soonest due first.
            models.Index(
                fields=["due_at", "id"],
                name="issue_active_due_idx",
                condition=~models.Q(status__in=["resolved", "closed"]),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_paused(self) -> bool:
        return self.status in PAUSED

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def is_stopped(self) -> bool:
        """Resolved or closed: the clock stopped (it can be reopened)."""
        return self.status in STOPPED

    @property
    def is_open(self) -> bool:
        """Not resolved or closed: running or paused."""
        return self.status in CLOCKED

    @property
    def is_critical(self) -> bool:
        return self.severity == Severity.CRITICAL


class IssueComment(models.Model):
    """The issue's thread, written by the partner's people and program staff (author), or by
    the clock itself (no author) when a pause runs out. `clock` says what the comment did to
    the clock: asked the reporter (`paused`) or answered and ended the pause (`resumed`)."""

    class Clock(models.TextChoices):
        NONE = "", "—"
        PAUSED = "paused", "Paused the clock"
        RESUMED = "resumed", "Resumed the clock"

    issue = models.ForeignKey(SupportIssue, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(max_length=20_000)
    clock = models.CharField(max_length=16, choices=Clock.choices, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:60]


class SlaEvent(models.Model):
    """A warning, breach or escalation of one issue's clock in one cycle: recorded once, at the
    computed time (not when the sweep noticed), with its notifications (accounts' outbox)."""

    class Kind(models.TextChoices):
        WARNING = "warning", "Warning"
        BREACH = "breach", "Breach"
        ESCALATION = "escalation", "Escalation"

    issue = models.ForeignKey(SupportIssue, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    cycle = models.PositiveIntegerField()
    severity = models.CharField(max_length=16, choices=Severity.choices)
    at = models.DateTimeField()  # when it happened: the computed time
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "kind", "cycle"], name="sla_event_once")
        ]
        indexes = [
            models.Index(fields=["kind", "at"], name="sla_event_kind_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of issue {self.issue_id} (cycle {self.cycle})"


class Standing(models.TextChoices):
    GOOD = "good", "Good"
    AT_RISK = "at_risk", "At risk"
    FAILING = "failing", "Failing"


class StandingRecord(models.Model):
    """The last computed support standing of an integration, so a change can act once
    (suspend or restore badges, propose delisting). `stale` marks one the SLA sweep has yet to
    recompute."""

    integration = models.OneToOneField(
        "integrations.Integration", on_delete=models.CASCADE, related_name="standing_record"
    )
    standing = models.CharField(max_length=16, choices=Standing.choices, default=Standing.GOOD)
    reason = models.TextField(blank=True)
    since = models.DateTimeField(default=timezone.now)
    # New breaches or escalations since the last computation (marked by the sweep's batches).
    stale = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["integration"], name="standing_stale_idx", condition=models.Q(stale=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration_id}: {self.standing}"
