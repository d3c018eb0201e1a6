"""The SLA sweep (beat, every minute): find clocks with something due through the partial
index on `next_action_at`, claim each with `select_for_update(skip_locked=True)`, resume
pauses that ran out of their allowance (at the moment they did), record each warning, breach
and escalation once, at its computed time, with its notifications in the same transaction
(the outbox of `accounts.notifications`, e-mailed after commit). Its cost grows with the
number of due issues, not with the number of open ones.

`catch_up` is that work on one locked issue; the services call it too before they change a
clock, so a change never undoes what was already due (a breach a second ago stays one)."""

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import admin_users, emails, partner_emails
from accounts.notifications import notify
from support_sla import clocks
from support_sla.clocks import EVENT_TIMES
from support_sla.models import CLOCKED, IssueComment, IssueStatus, SlaEvent, SupportIssue
from support_sla.standing import standing_refresh

logger = logging.getLogger(__name__)
BATCH = 500
# Breaches and escalations can change the support standing; warnings cannot.
STANDING_KINDS = {SlaEvent.Kind.BREACH, SlaEvent.Kind.ESCALATION}


@dataclass
class SweepResult:
    issues: int = 0
    events: int = 0
    failures: int = 0


def sla_sweep(*, now=None, batch: int = BATCH) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    due = (
        SupportIssue.objects.filter(status__in=CLOCKED, next_action_at__lte=now)
        .order_by("next_action_at")
        .values_list("pk", flat=True)[:batch]
    )
    for issue_id in list(due):
        try:
            new = _sweep_issue(issue_id, now)
        except Exception:  # one broken issue must not stop the others
            logger.exception("SLA sweep: issue %s failed", issue_id)
            result.failures += 1
            continue
        if new is not None:
            result.issues += 1
            result.events += len(new)
    return result


def _sweep_issue(issue_id: int, now) -> list[int] | None:
    """Catch one issue up, in its own transaction; the new events' ids."""
    with transaction.atomic():
        issue = (
            SupportIssue.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("integration__partner", "integration__assignee", "assignee")
            .filter(pk=issue_id, status__in=CLOCKED, next_action_at__lte=now)
            .first()
        )
        if issue is None:  # another sweep holds it, or it changed since the query
            return None
        new = catch_up(issue, now)
        issue.save(update_fields=CLOCK_FIELDS)
        return [event.pk for event in new]


CLOCK_FIELDS = [
    "status",
    "paused_since",
    "paused_seconds",
    "paused_business_days",
    "warn_at",
    "due_at",
    "escalate_at",
    "next_action_at",
]


def catch_up(issue: SupportIssue, now: datetime) -> list[SlaEvent]:
    """Bring a locked issue's clock up to `now`, without saving it: a pause that ran out of
    its allowance ends when it did (the clock runs again, `acknowledged`), then every event
    due by now is recorded at its computed time, once, with its notifications, and the next
    action is recomputed. The new events."""
    if issue.status not in CLOCKED:
        return []
    recorded = clocks.recorded_kinds(issue)
    if issue.is_paused:
        calendar = clocks.clock_calendar(issue)
        ends = clocks.pause_ends_at(issue, calendar)
        if ends is None or ends > now:
            return []
        clocks.resume(issue, ends, calendar)
        issue.status = IssueStatus.ACKNOWLEDGED
        clocks.reschedule(issue, calendar, recorded)
        IssueComment.objects.create(
            issue=issue,
            author=None,
            body="The pause reached its limit for this SLA cycle; the clock runs again.",
            clock=IssueComment.Clock.RESUMED,
            created_at=ends,
        )
    new = []
    for kind, field in EVENT_TIMES.items():
        at = getattr(issue, field)
        if kind in recorded or at is None or at > now:
            continue
        # The row lock makes this the only writer; the unique constraint backs it.
        event = SlaEvent.objects.create(
            issue=issue,
            kind=kind,
            cycle=issue.cycle,
            at=at,
            severity=issue.severity,
            recorded_at=now,
        )
        _notify(event)
        recorded.add(kind)
        new.append(event)
    pending = [
        getattr(issue, field)
        for kind, field in EVENT_TIMES.items()
        if kind not in recorded and getattr(issue, field) is not None
    ]
    issue.next_action_at = min(pending) if pending else None
    if {event.kind for event in new} & STANDING_KINDS:
        standing_refresh(issue.integration, now)
    return new


def _notify(event: SlaEvent) -> None:
    """Into the outbox, in the sweep's transaction: e-mailed after commit, once."""
    notify(
        f"sla_{event.kind}",
        to=_recipients(event),
        context={"event": event, "issue": event.issue},
        key=f"{event.pk}",
        link=reverse("support_issue", args=[event.issue_id]),
    )


def _recipients(event: SlaEvent) -> list[str]:
    issue = event.issue
    integration = issue.integration
    if event.kind == SlaEvent.Kind.ESCALATION:
        return emails(admin_users())
    people = partner_emails(integration.partner)
    if issue.assignee:
        people.append(issue.assignee.email)
    if event.kind == SlaEvent.Kind.BREACH and integration.assignee:
        people.append(integration.assignee.email)
    return people
