"""The SLA sweep (beat, every minute): find clocks with something due through the partial
index on `next_action_at` and work through them in batches. Each batch is one short
transaction: it claims up to `batch` due issues (`SELECT … FOR UPDATE SKIP LOCKED LIMIT n`,
so a second sweep takes other issues, never the same ones), resumes pauses that ran out of
their allowance (at the moment they did), records every warning, breach and escalation due,
at its computed time, with one insert (the unique constraint per issue, kind and cycle backs
the row locks), queues their notifications with one insert into the outbox of
`accounts.notifications` (e-mailed after commit), saves the clocks with one update and marks
the integrations whose standing a breach or escalation may change. A crash loses a whole
batch or nothing of it; the next sweep finds the same issues due. After the batches, each
marked integration's standing is recomputed once (marks a crashed sweep left are picked up
too). Its cost grows with the number of due issues, not with the number of open ones.

`catch_up` is the same work on one issue its caller has locked; the services call it before
they change a clock, so a change never undoes what was already due (a breach a second ago
stays one)."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import admin_users, emails, partners_emails
from accounts.models import User
from accounts.notifications import Notice, notify_many
from integrations.models import Integration
from support_sla import clocks
from support_sla.models import (
    CLOCKED,
    IssueComment,
    IssueStatus,
    Severity,
    SlaEvent,
    StandingRecord,
    SupportIssue,
)
from support_sla.standing import standing_refresh, standings_refresh_stale

logger = logging.getLogger(__name__)
BATCH = 200  # issues per transaction: a few hundred milliseconds of work
SWEEP_SECONDS = 50.0  # no new batch after this: the next beat (every minute) goes on
# Breaches and escalations can change the support standing; warnings cannot.
STANDING_KINDS = {SlaEvent.Kind.BREACH, SlaEvent.Kind.ESCALATION}
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


@dataclass
class SweepResult:
    issues: int = 0  # issues caught up
    events: int = 0  # events recorded
    failures: int = 0  # issues that failed (left due for the next sweep)
    batches: int = 0  # transactions committed
    longest_batch: float = 0.0  # seconds, the longest of those transactions


def sla_sweep(
    *,
    now: datetime | None = None,
    batch: int = BATCH,
    seconds: float = SWEEP_SECONDS,
    after_batch: Callable[[SweepResult], None] | None = None,
) -> SweepResult:
    """Catch up every issue due by `now`, `batch` at a time, each batch in its own
    transaction; then recompute the standings the batches marked. `after_batch` is called
    with the running result after each committed batch (tests stop the process there)."""
    now = now or timezone.now()
    result = SweepResult()
    skip: set[int] = set()  # failed, or still due after their batch: not again in this sweep
    began = time.monotonic()
    while time.monotonic() - began < seconds:
        if not _sweep_batch(now, batch, skip, result):
            break
        if after_batch is not None:
            after_batch(result)
    try:
        standings_refresh_stale(now)
    except Exception:  # the marks stay: the next sweep recomputes them
        logger.exception("SLA sweep: refreshing standings failed")
    return result


def _claim(now, size: int, skip: set[int]) -> list[SupportIssue]:
    """Lock up to `size` due issues that no other sweep holds, with their integrations,
    partners and assignees (each read once for the batch, not once per issue)."""
    due = (
        SupportIssue.objects.select_for_update(skip_locked=True)
        .filter(status__in=CLOCKED, next_action_at__lte=now)
        .order_by("next_action_at")
    )
    if skip:
        due = due.exclude(pk__in=skip)
    issues = list(due[:size])
    integrations = Integration.objects.select_related("partner", "assignee").in_bulk(
        {issue.integration_id for issue in issues}
    )
    assignees = User.objects.in_bulk({issue.assignee_id for issue in issues} - {None})
    for issue in issues:
        issue.integration = integrations[issue.integration_id]
        issue.assignee = assignees.get(issue.assignee_id)
    return issues


def _sweep_batch(now, size: int, skip: set[int], result: SweepResult) -> bool:
    """Claim and catch up one batch in one transaction; False when nothing was due."""
    began = time.monotonic()
    claimed: list[int] = []
    try:
        with transaction.atomic():
            issues = _claim(now, size, skip)
            if not issues:
                return False
            claimed = [issue.pk for issue in issues]
            try:
                with transaction.atomic():  # a savepoint: one broken issue must not lose all
                    new, resumed = _catch_up_many(issues, now)
                    _save_clocks(issues, resumed)
                done, failed = issues, []
            except Exception:
                logger.exception("SLA sweep: batch failed; catching its issues up one by one")
                new, done, failed = _one_by_one(claimed, now)
    except Exception:  # the connection or the commit failed: the whole batch is undone
        logger.exception("SLA sweep: batch of %d issue(s) failed", len(claimed))
        skip.update(claimed)
        result.failures += len(claimed)
        return bool(claimed)
    result.batches += 1
    result.longest_batch = max(result.longest_batch, time.monotonic() - began)
    result.failures += len(failed)
    result.issues += len(done)
    result.events += len(new)
    skip.update(failed)
    skip.update(issue.pk for issue in done if _still_due(issue, now))
    return True


def _one_by_one(ids: list[int], now) -> tuple[list[SlaEvent], list[SupportIssue], list[int]]:
    """The slow path for a batch that failed: each issue (still locked by the batch) reloaded
    and caught up in its own savepoint, so only the broken one is left due."""
    new, done, failed = [], [], []
    for issue_id in ids:
        try:
            with transaction.atomic():
                issue = SupportIssue.objects.select_related(
                    "integration__partner", "integration__assignee", "assignee"
                ).get(pk=issue_id)
                new += _catch_up_many([issue], now)[0]
                issue.save(update_fields=CLOCK_FIELDS)
            done.append(issue)
        except Exception:
            logger.exception("SLA sweep: issue %s failed", issue_id)
            failed.append(issue_id)
    return new, done, failed


def _save_clocks(issues: list[SupportIssue], resumed: set[int]) -> None:
    """One update for the batch's next actions; the clocks whose pause ran out changed more."""
    moved = [issue for issue in issues if issue.pk not in resumed]
    if moved and connection.vendor == "postgresql":  # bulk_update's CASE costs ~0.2 ms a row
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE support_sla_supportissue AS issue SET next_action_at = moved.at "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS moved(id, at) "
                "WHERE issue.id = moved.id",
                [[issue.pk for issue in moved], [issue.next_action_at for issue in moved]],
            )
    elif moved:
        SupportIssue.objects.bulk_update(moved, ["next_action_at"], batch_size=BATCH)
    if resumed:
        restarted = [issue for issue in issues if issue.pk in resumed]
        SupportIssue.objects.bulk_update(restarted, CLOCK_FIELDS, batch_size=BATCH)


def _still_due(issue: SupportIssue, now) -> bool:
    return issue.next_action_at is not None and issue.next_action_at <= now


def catch_up(issue: SupportIssue, now: datetime) -> list[SlaEvent]:
    """Bring a locked issue's clock up to `now`, without saving it: a pause that ran out of
    its allowance ends when it did (the clock runs again, `acknowledged`), then every event
    due by now is recorded at its computed time, once, with its notifications, the next
    action is recomputed, and the standing is recomputed if the events can change it. The
    new events."""
    new, _ = _catch_up_many([issue], now)
    if {event.kind for event in new} & STANDING_KINDS:
        standing_refresh(issue.integration, now)
    return new


def _catch_up_many(issues: list[SupportIssue], now: datetime) -> tuple[list[SlaEvent], set[int]]:
    """`catch_up` for locked issues, in bulk: one query for what each cycle recorded, one
    insert for the resumption comments, one for the events, one for their notifications, one
    upsert marking the integrations whose standing they may change. Saves no issue. The new
    events, and the issues whose pause ran out (more than their next action changed)."""
    recorded = _recorded_kinds(issues)
    comments, events = [], []
    for issue in issues:
        comment, due = _advance(issue, now, recorded[issue.pk])
        if comment is not None:
            comments.append(comment)
        events += due
    IssueComment.objects.bulk_create(comments)
    # The row locks make this the only writer of these issues; the unique constraint backs it.
    SlaEvent.objects.bulk_create(events)
    _notify(events)
    _mark_standings(events)
    return events, {comment.issue_id for comment in comments}


def _recorded_kinds(issues: list[SupportIssue]) -> dict[int, tuple[set[str], bool]]:
    """What each issue's current cycle recorded: the event kinds, and whether its breach was
    recorded on a critical clock (one query for the batch)."""
    cycles = {issue.pk: issue.cycle for issue in issues}
    recorded: dict[int, tuple[set[str], bool]] = {pk: (set(), False) for pk in cycles}
    rows = SlaEvent.objects.filter(issue_id__in=list(cycles)).values_list(
        "issue_id", "cycle", "kind", "severity"
    )
    for issue_id, cycle, kind, severity in rows:
        if cycle == cycles[issue_id]:
            kinds, critical = recorded[issue_id]
            kinds.add(kind)
            critical = critical or (kind, severity) == (SlaEvent.Kind.BREACH, Severity.CRITICAL)
            recorded[issue_id] = kinds, critical
    return recorded


def _advance(
    issue: SupportIssue, now: datetime, recorded: tuple[set[str], bool]
) -> tuple[IssueComment | None, list[SlaEvent]]:
    """One issue's catch-up in memory, as its clock says (`clocks.Clock`): the resumption
    comment if its pause ran out, the events due by now (not saved), and its next action."""
    if not issue.is_open:
        return None, []
    kinds, critical = recorded
    calendar = clocks.clock_calendar(issue) if issue.is_paused else None
    clock = clocks.clock_of(issue, now, kinds, critical_breach=critical, calendar=calendar)
    comment = None
    if clock.is_paused:
        if not clock.pause_ran_out:
            return None, []
        ends = clock.pause_ends_at
        clocks.resume(issue, ends, calendar)
        issue.status = IssueStatus.ACKNOWLEDGED
        clocks.reschedule(issue, calendar, kinds, now)
        comment = IssueComment(
            issue=issue,
            author=None,
            body="The pause reached its limit for this SLA cycle; the clock runs again.",
            clock=IssueComment.Clock.RESUMED,
            created_at=ends,
        )
        clock = clocks.clock_of(issue, now, kinds, critical_breach=critical)
    events = [
        SlaEvent(
            issue=issue,
            kind=due.kind,
            cycle=issue.cycle,
            at=due.at,
            severity=issue.severity,
            recorded_at=now,
        )
        for due in clock.due_events
    ]
    issue.next_action_at = clock.recording_due().next_action_at
    return comment, events


def _notify(events: list[SlaEvent]) -> None:
    """Into the outbox, in the sweep's transaction: e-mailed after commit, once."""
    if not events:
        return
    people = partners_emails({event.issue.integration.partner_id for event in events})
    admins: list[str] | None = None
    notices = []
    for event in events:
        issue = event.issue
        integration = issue.integration
        if event.kind == SlaEvent.Kind.ESCALATION:
            if admins is None:
                admins = emails(admin_users())
            to = admins
        else:
            to = list(people.get(integration.partner_id, []))
            if issue.assignee:
                to.append(issue.assignee.email)
            if event.kind == SlaEvent.Kind.BREACH and integration.assignee:
                to.append(integration.assignee.email)
        notices.append(
            Notice(
                f"sla_{event.kind}",
                to=to,
                context={"event": event, "issue": issue},
                key=f"{event.pk}",
                link=reverse("support_issue", args=[event.issue_id]),
            )
        )
    notify_many(notices)


def _mark_standings(events: list[SlaEvent]) -> None:
    """Mark, in the batch's transaction, the integrations whose standing the new breaches and
    escalations may change: the sweep recomputes them once after its batches, and a crash
    before that leaves the marks for the next sweep."""
    integrations = {event.issue.integration_id for event in events if event.kind in STANDING_KINDS}
    if integrations:
        StandingRecord.objects.bulk_create(
            [StandingRecord(integration_id=pk, stale=True) for pk in sorted(integrations)],
            update_conflicts=True,
            unique_fields=["integration"],
            update_fields=["stale"],
        )
