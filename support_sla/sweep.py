"""The SLA sweep (beat, every minute): find running clocks with something due through the
partial index on `next_action_at`, claim each with `select_for_update(skip_locked=True)`,
record each warning, breach and escalation once, at its computed time, and send the
notifications from the events (the outbox) after commit. Its cost grows with the number of
due issues, not with the number of open ones."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.access import admin_users, emails, partner_emails
from accounts.notifications import send_now
from support_sla.clocks import EVENT_TIMES
from support_sla.models import RUNNING, SlaEvent, SupportIssue
from support_sla.standing import standing_refresh

logger = logging.getLogger(__name__)
BATCH = 500
# Breaches and escalations can change the support standing; warnings cannot.
STANDING_KINDS = {SlaEvent.Kind.BREACH, SlaEvent.Kind.ESCALATION}
RESEND_AFTER = timedelta(minutes=5)


@dataclass
class SweepResult:
    issues: int = 0
    events: int = 0
    failures: int = 0


def sla_sweep(*, now=None, batch: int = BATCH) -> SweepResult:
    now = now or timezone.now()
    result = SweepResult()
    due = (
        SupportIssue.objects.filter(status__in=RUNNING, next_action_at__lte=now)
        .order_by("next_action_at")
        .values_list("pk", flat=True)[:batch]
    )
    recorded: list[int] = []
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
            recorded.extend(new)
    if recorded:  # committed: the outbox sends them (and resends any a crash left behind)
        _send_later(recorded)
    _resend_stale(now)
    return result


def _sweep_issue(issue_id: int, now) -> list[int] | None:
    """Record what is due on one issue, in its own transaction; the new events' ids."""
    with transaction.atomic():
        issue = (
            SupportIssue.objects.select_for_update(skip_locked=True)
            .filter(pk=issue_id, status__in=RUNNING, next_action_at__lte=now)
            .first()
        )
        if issue is None:  # another sweep holds it, or it changed since the query
            return None
        recorded = set(
            SlaEvent.objects.filter(issue=issue, cycle=issue.cycle).values_list("kind", flat=True)
        )
        new, new_kinds = [], set()
        for kind, field in EVENT_TIMES.items():
            at = getattr(issue, field)
            if kind in recorded or at is None or at > now:
                continue
            # The row lock makes this sweep the only writer; the unique constraint backs it.
            event = SlaEvent.objects.create(
                issue=issue,
                kind=kind,
                cycle=issue.cycle,
                at=at,
                severity=issue.severity,
                recorded_at=now,
            )
            recorded.add(kind)
            new.append(event.pk)
            new_kinds.add(kind)
        pending = [
            getattr(issue, field)
            for kind, field in EVENT_TIMES.items()
            if kind not in recorded and getattr(issue, field) is not None
        ]
        issue.next_action_at = min(pending) if pending else None
        issue.save(update_fields=["next_action_at"])
        if new_kinds & STANDING_KINDS:
            standing_refresh(issue.integration, now)
        return new


def _send_later(event_ids: list[int]) -> None:
    from support_sla.tasks import notify_sla_events

    notify_sla_events.delay(event_ids)


def _resend_stale(now) -> None:
    """Events whose notification never went out (the process stopped after commit)."""
    stale = list(
        SlaEvent.objects.filter(
            notified_at__isnull=True, recorded_at__lt=now - RESEND_AFTER
        ).values_list("pk", flat=True)[:BATCH]
    )
    if stale:
        _send_later(stale)


def notify_events(*, event_ids: list[int]) -> int:
    """Send each event's notification once: the event row is claimed before it is sent."""
    sent = 0
    for event_id in event_ids:
        with transaction.atomic():
            event = (
                SlaEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("issue__integration__partner", "issue__assignee")
                .filter(pk=event_id, notified_at__isnull=True)
                .first()
            )
            if event is None:
                continue
            # Sent inside the claim: if sending fails, the event stays unsent for a retry.
            send_now(
                f"sla_{event.kind}",
                to=_recipients(event),
                context={"event": event, "issue": event.issue},
            )
            event.notified_at = timezone.now()
            event.save(update_fields=["notified_at"])
            sent += 1
    return sent


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
