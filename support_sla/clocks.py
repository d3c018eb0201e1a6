"""SLA clocks (DESIGN.md §7): when an issue warns, is due and escalates, and how pauses move
those times. Critical clocks are elapsed UTC time; normal clocks are business time in the
calendar the clock started with (support_sla.business_time).

The measured party cannot move its own clock (§7, "Integrity"):
- a clock keeps the calendar it started with (`clock_calendar`, a snapshot taken by
  `start_clock`): the partner's later changes apply to clocks that start after them;
- pauses add at most `VIP_SLA_MAX_PAUSE` of the budget per cycle (`pause_allowance`); while
  paused, `next_action_at` is the moment the allowance runs out, when the sweep resumes it;
- a reopening within `REOPEN_WINDOW` of the resolution continues the cycle (`reopen`).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from integrations.models import Partner
from support_sla.business_time import Calendar, add_business_time, business_time_between
from support_sla.models import RUNNING, BusinessCalendar, Severity, SlaEvent, SupportIssue

CRITICAL_BUDGET = timedelta(hours=48)  # PROGRAM.md: critical issues within 48 hours
NORMAL_BUDGET_DAYS = 5.0  # PROGRAM.md: all other issues within 5 business days
ESCALATE_AFTER = 2.0  # escalation to admins at twice the budget
REOPEN_WINDOW = timedelta(days=14)  # a reopening within it continues the cycle


def calendar_of(partner: Partner) -> Calendar:
    """The partner's support calendar now: its zone and holiday region, working days,
    closures. Clocks that start now take a snapshot of it (`start_clock`)."""
    stored, _ = BusinessCalendar.objects.get_or_create(partner=partner)
    return Calendar(
        time_zone=partner.support_timezone or "UTC",
        working_days=frozenset(stored.working_days),
        country=partner.support_country,
        subdivision=partner.support_subdivision,
        closures=frozenset(date.fromisoformat(day) for day in stored.closures),
    )


def calendar_snapshot(calendar: Calendar, start: datetime) -> dict:
    """What a clock keeps of `calendar` for its whole cycle (closures before its first local
    day cannot matter and are left out)."""
    first_day = start.astimezone(calendar.zone).date()
    return {
        "time_zone": calendar.time_zone,
        "working_days": sorted(calendar.working_days),
        "country": calendar.country,
        "subdivision": calendar.subdivision,
        "closures": sorted(day.isoformat() for day in calendar.closures if day >= first_day),
    }


def clock_calendar(issue: SupportIssue) -> Calendar:
    """The calendar the issue's clock started with."""
    snapshot = issue.clock_calendar
    return Calendar(
        time_zone=snapshot["time_zone"],
        working_days=frozenset(snapshot["working_days"]),
        country=snapshot["country"],
        subdivision=snapshot["subdivision"],
        closures=frozenset(date.fromisoformat(day) for day in snapshot["closures"]),
    )


def start_clock(issue: SupportIssue, now: datetime, calendar: Calendar) -> None:
    """Start the current cycle's clock at `now` in `calendar` (the partner's, now)."""
    issue.clock_started_at = now
    issue.clock_calendar = calendar_snapshot(calendar, now)
    issue.paused_since = None
    issue.paused_seconds = 0
    issue.paused_business_days = 0


def pause_allowance(issue: SupportIssue) -> float:
    """The most pausing may add to one cycle's budget, in the clock's unit: seconds for a
    critical clock, business days for a normal one (`VIP_SLA_MAX_PAUSE` times the budget)."""
    share = settings.VIP_SLA_MAX_PAUSE
    if issue.severity == Severity.CRITICAL:
        return CRITICAL_BUDGET.total_seconds() * share
    return NORMAL_BUDGET_DAYS * share


def paused_so_far(issue: SupportIssue) -> float:
    """The time the ended pauses of this cycle took, in the clock's unit (uncapped)."""
    if issue.severity == Severity.CRITICAL:
        return issue.paused_seconds
    return issue.paused_business_days


def pause_left(issue: SupportIssue) -> float:
    """How much more pausing may add to this cycle, in the clock's unit."""
    return max(0.0, pause_allowance(issue) - paused_so_far(issue))


def pause_ends_at(issue: SupportIssue, calendar: Calendar) -> datetime | None:
    """When the ongoing pause runs out of its allowance and the clock runs again by itself."""
    if issue.paused_since is None:
        return None
    if issue.severity == Severity.CRITICAL:
        return issue.paused_since + timedelta(seconds=pause_left(issue))
    return add_business_time(calendar, issue.paused_since, pause_left(issue))


@dataclass(frozen=True)
class Schedule:
    warn_at: datetime
    due_at: datetime
    escalate_at: datetime


def schedule_of(issue: SupportIssue, calendar: Calendar) -> Schedule:
    """The current cycle's warning, due and escalation times, counting the pauses that ended
    (an ongoing pause is added when it ends)."""
    start, warn_share = issue.clock_started_at, settings.VIP_SLA_WARN_AT
    counted = min(paused_so_far(issue), pause_allowance(issue))  # pauses count up to the cap
    if issue.severity == Severity.CRITICAL:
        base = start + timedelta(seconds=counted)
        return Schedule(
            warn_at=base + CRITICAL_BUDGET * warn_share,
            due_at=base + CRITICAL_BUDGET,
            escalate_at=base + CRITICAL_BUDGET * ESCALATE_AFTER,
        )
    paused = counted
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
    """Recompute the times and the next action on `issue`, without saving: for a running
    clock the earliest event not yet recorded in this cycle, for a paused one the moment its
    pause runs out; a stopped clock has none."""
    recorded = recorded_kinds(issue) if recorded is None else recorded
    times = schedule_of(issue, calendar)
    issue.warn_at, issue.due_at, issue.escalate_at = times.warn_at, times.due_at, times.escalate_at
    pending = [getattr(times, field) for kind, field in EVENT_TIMES.items() if kind not in recorded]
    if issue.status in RUNNING:
        issue.next_action_at = min(pending) if pending else None
    elif issue.is_paused:
        issue.next_action_at = pause_ends_at(issue, calendar)
    else:
        issue.next_action_at = None


def pause(issue: SupportIssue, now: datetime) -> None:
    issue.paused_since = now


def resume(issue: SupportIssue, now: datetime, calendar: Calendar) -> None:
    """End a pause: its elapsed time (real and business) extends the budget, up to the
    allowance (`schedule_of` counts no more than `pause_allowance`)."""
    if issue.paused_since is not None:
        issue.paused_seconds += max(0.0, (now - issue.paused_since).total_seconds())
        issue.paused_business_days += business_time_between(calendar, issue.paused_since, now)
        issue.paused_since = None


def reopen(issue: SupportIssue, now: datetime, calendar: Calendar) -> None:
    """A resolved or closed issue is open again. Within `REOPEN_WINDOW` of its resolution it
    continues the cycle: the same clock, calendar and pauses, so the same due time (the time
    spent resolved was not a pause) and the events already recorded stay (a breach stays a
    breach). Later, a new cycle starts with a fresh clock in the partner's calendar now."""
    resolved_at = issue.resolved_at or issue.closed_at
    if resolved_at is None or now - resolved_at > REOPEN_WINDOW:
        issue.cycle += 1
        start_clock(issue, now, calendar)
    issue.reopened_at = now


def due_at_end_of_day(issue: SupportIssue, zone: str) -> date | None:
    """The business day whose end a normal issue is due at, when its due time shown in `zone`
    is that day's end: a normal clock runs out at the end of a business day (24:00 local,
    which is 00:00 of the next calendar day, often a Saturday) when it started outside
    business hours. Only in the clock calendar's own zone (elsewhere the same instant is an
    ordinary time of day); None otherwise. The API keeps the exact instant (`due_at`)."""
    if issue.severity != Severity.NORMAL or issue.due_at is None or not issue.clock_calendar:
        return None
    if zone != issue.clock_calendar.get("time_zone"):
        return None
    local = issue.due_at.astimezone(ZoneInfo(zone))
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return None
    return local.date() - timedelta(days=1)


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
