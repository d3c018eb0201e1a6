"""SLA clocks (DESIGN.md §7): when an issue warns, is due and escalates, and how pauses move
those times. Critical clocks are elapsed UTC time; normal clocks are business time in the
partner's calendar (support_sla.business_time)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings

from integrations.models import Partner
from support_sla.business_time import Calendar, add_business_time, business_time_between
from support_sla.models import RUNNING, BusinessCalendar, Severity, SlaEvent, SupportIssue

CRITICAL_BUDGET = timedelta(hours=48)  # PROGRAM.md: critical issues within 48 hours
NORMAL_BUDGET_DAYS = 5.0  # PROGRAM.md: all other issues within 5 business days
ESCALATE_AFTER = 2.0  # escalation to admins at twice the budget


def calendar_of(partner: Partner) -> Calendar:
    """The partner's support calendar: its zone and holiday region, working days, closures."""
    stored, _ = BusinessCalendar.objects.get_or_create(partner=partner)
    return Calendar(
        time_zone=partner.support_timezone or "UTC",
        working_days=frozenset(stored.working_days),
        country=partner.support_country,
        subdivision=partner.support_subdivision,
        closures=frozenset(date.fromisoformat(day) for day in stored.closures),
    )


@dataclass(frozen=True)
class Schedule:
    warn_at: datetime
    due_at: datetime
    escalate_at: datetime


def schedule_of(issue: SupportIssue, calendar: Calendar) -> Schedule:
    """The current cycle's warning, due and escalation times, counting the pauses that ended
    (an ongoing pause is added when it ends)."""
    start, warn_share = issue.clock_started_at, settings.VIP_SLA_WARN_AT
    if issue.severity == Severity.CRITICAL:
        base = start + timedelta(seconds=issue.paused_seconds)
        return Schedule(
            warn_at=base + CRITICAL_BUDGET * warn_share,
            due_at=base + CRITICAL_BUDGET,
            escalate_at=base + CRITICAL_BUDGET * ESCALATE_AFTER,
        )
    paused = issue.paused_business_days
    return Schedule(
        warn_at=add_business_time(calendar, start, NORMAL_BUDGET_DAYS * warn_share + paused),
        due_at=add_business_time(calendar, start, NORMAL_BUDGET_DAYS + paused),
        escalate_at=add_business_time(
            calendar, start, NORMAL_BUDGET_DAYS * ESCALATE_AFTER + paused
        ),
    )


EVENT_TIMES = {
    SlaEvent.Kind.WARNING: "warn_at",
    SlaEvent.Kind.BREACH: "due_at",
    SlaEvent.Kind.ESCALATION: "escalate_at",
}


def recorded_kinds(issue: SupportIssue) -> set[str]:
    return set(issue.events.filter(cycle=issue.cycle).values_list("kind", flat=True))


def reschedule(issue: SupportIssue, calendar: Calendar, recorded: set[str] | None = None) -> None:
    """Recompute the times and the next action (the earliest event not yet recorded in this
    cycle) on `issue`, without saving. Paused and stopped clocks have no next action."""
    recorded = recorded_kinds(issue) if recorded is None else recorded
    times = schedule_of(issue, calendar)
    issue.warn_at, issue.due_at, issue.escalate_at = times.warn_at, times.due_at, times.escalate_at
    pending = [getattr(times, field) for kind, field in EVENT_TIMES.items() if kind not in recorded]
    issue.next_action_at = min(pending) if pending and issue.status in RUNNING else None


def pause(issue: SupportIssue, now: datetime) -> None:
    issue.paused_since = now


def resume(issue: SupportIssue, now: datetime, calendar: Calendar) -> None:
    """End a pause: its elapsed time (real and business) extends the budget."""
    if issue.paused_since is not None:
        issue.paused_seconds += max(0.0, (now - issue.paused_since).total_seconds())
        issue.paused_business_days += business_time_between(calendar, issue.paused_since, now)
        issue.paused_since = None


def restart(issue: SupportIssue, now: datetime) -> None:
    """A reopened issue starts a new cycle with a fresh clock."""
    issue.cycle += 1
    issue.clock_started_at = now
    issue.paused_since = None
    issue.paused_seconds = 0
    issue.paused_business_days = 0


@dataclass(frozen=True)
class Sla:
    remaining_seconds: int | None
    breached: bool
    paused: bool
    warned: bool

    def as_dict(self) -> dict:
        return {
            "remaining_seconds": self.remaining_seconds,
            "breached": self.breached,
            "paused": self.paused,
            "warned": self.warned,
        }


def sla_of(issue: SupportIssue, now: datetime, recorded: set[str]) -> Sla:
    """What the clock says now: time left (frozen while paused, none once resolved), and
    whether this cycle was warned or breached (recorded, or due and about to be recorded)."""
    running = issue.status in RUNNING
    warned = SlaEvent.Kind.WARNING in recorded or bool(
        running and issue.warn_at and issue.warn_at <= now
    )
    breached = SlaEvent.Kind.BREACH in recorded or bool(
        running and issue.due_at and issue.due_at <= now
    )
    remaining = None
    if issue.due_at is not None:
        if running:
            remaining = int((issue.due_at - now).total_seconds())
        elif issue.is_paused and issue.paused_since is not None:
            remaining = int((issue.due_at - issue.paused_since).total_seconds())
    return Sla(remaining, breached, issue.is_paused, warned)
