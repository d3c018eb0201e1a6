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

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import F, QuerySet
from django.utils import timezone

from integrations.models import Partner
from support_sla.business_time import Calendar, add_business_time, business_time_between
from support_sla.models import (
    PAUSED,
    RUNNING,
    STOPPED,
    BusinessCalendar,
    IssueStatus,
    Severity,
    SlaEvent,
    SupportIssue,
)

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


def reschedule(
    issue: SupportIssue,
    calendar: Calendar,
    recorded: Iterable[str] | None = None,
    now: datetime | None = None,
) -> None:
    """Recompute the times and the next action on `issue`, without saving: for a running
    clock the earliest event not yet recorded in this cycle, for a paused one the moment its
    pause runs out; a stopped clock has none (`Clock.next_action`)."""
    times = schedule_of(issue, calendar)
    issue.warn_at, issue.due_at, issue.escalate_at = times.warn_at, times.due_at, times.escalate_at
    if recorded is None:
        recorded = set(issue.events.filter(cycle=issue.cycle).values_list("kind", flat=True))
    clock = clock_of(issue, now or timezone.now(), recorded, calendar=calendar)
    issue.next_action_at = clock.next_action_at


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


# --- The clock as one value --------------------------------------------------------------


class ClockState(models.TextChoices):
    """What an issue's clock shows (pages, the API's `sla`): a running clock is on time,
    warned or breached; a paused one is paused; a stopped one (resolved or closed) met its
    SLA or missed it."""

    ON_TIME = "on_time", "on time"
    WARNED = "warned", "warned"
    BREACHED = "breached", "breached"
    PAUSED = "paused", "paused"
    MET = "met", "met"
    MISSED = "missed", "missed"


RESUME = "resume"  # the next action of a paused clock: its pause runs out


@dataclass(frozen=True)
class Due:
    """Something the sweep must do to a clock, and when: record an event (`SlaEvent.Kind`)
    or resume a pause (`RESUME`)."""

    kind: str
    at: datetime


@dataclass(frozen=True)
class Badge:
    """How pages draw a state: Bootstrap badge class and icon (the words are the label)."""

    css: str
    icon: str = ""


BADGES = {
    ClockState.ON_TIME: Badge("text-bg-success", "bi-clock"),
    ClockState.WARNED: Badge("text-bg-warning", "bi-exclamation-triangle-fill"),
    ClockState.BREACHED: Badge("text-bg-danger", "bi-exclamation-octagon-fill"),
    ClockState.PAUSED: Badge("text-bg-info", "bi-pause-fill"),
    ClockState.MET: Badge("text-bg-secondary"),
    ClockState.MISSED: Badge("text-bg-secondary"),
}


@dataclass(frozen=True)
class Clock:
    """An issue's SLA clock at `now`, the one reading of it that the sweep, standing, the
    API and the pages share (`clock_of`). Its times are the issue's (computed by
    `reschedule`); `recorded` are the event kinds recorded in the current cycle, and
    `critical_breach` says whether this cycle's breach was recorded on a critical clock."""

    status: str
    severity: str
    cycle: int
    now: datetime
    warn_at: datetime | None
    due_at: datetime | None
    escalate_at: datetime | None
    paused_since: datetime | None
    pause_ends_at: datetime | None  # while paused: when the pause runs out of its allowance
    recorded: frozenset[str] = frozenset()
    critical_breach: bool = False

    # What the status says about the clock.

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def is_paused(self) -> bool:
        return self.status in PAUSED

    @property
    def is_stopped(self) -> bool:
        return self.status in STOPPED

    # What the sweep must do next.

    @property
    def pending(self) -> tuple[Due, ...]:
        """This cycle's events not recorded yet, in `EVENT_TIMES` order."""
        times = {"warn_at": self.warn_at, "due_at": self.due_at, "escalate_at": self.escalate_at}
        return tuple(
            Due(kind, times[field])
            for kind, field in EVENT_TIMES.items()
            if kind not in self.recorded and times[field] is not None
        )

    @property
    def next_action(self) -> Due | None:
        """A running clock's earliest pending event; a paused clock's resumption when its
        pause runs out; nothing for a stopped clock."""
        if self.is_running:
            return min(self.pending, key=lambda due: due.at, default=None)
        if self.is_paused and self.pause_ends_at is not None:
            return Due(RESUME, self.pause_ends_at)
        return None

    @property
    def next_action_at(self) -> datetime | None:
        action = self.next_action
        return action.at if action is not None else None

    @property
    def pause_ran_out(self) -> bool:
        """A paused clock whose pause reached its allowance by now (the sweep resumes it)."""
        return self.is_paused and self.pause_ends_at is not None and self.pause_ends_at <= self.now

    @property
    def due_events(self) -> tuple[Due, ...]:
        """The events of a running clock due by now and not recorded: the sweep records each
        at its time."""
        if not self.is_running:
            return ()
        return tuple(due for due in self.pending if due.at <= self.now)

    def recording_due(self) -> "Clock":
        """The same clock once its due events are recorded."""
        due = {event.kind for event in self.due_events}
        return replace(
            self,
            recorded=self.recorded | due,
            critical_breach=self.critical_breach
            or (SlaEvent.Kind.BREACH in due and self.severity == Severity.CRITICAL),
        )

    # What it shows.

    @property
    def warned(self) -> bool:
        """This cycle was warned: recorded, or running past its warning time."""
        return SlaEvent.Kind.WARNING in self.recorded or bool(
            self.is_running and self.warn_at and self.warn_at <= self.now
        )

    @property
    def breached(self) -> bool:
        """This cycle was breached: recorded, or running past its due time (about to be
        recorded)."""
        return SlaEvent.Kind.BREACH in self.recorded or bool(
            self.is_running and self.due_at and self.due_at <= self.now
        )

    @property
    def breached_critical_open(self) -> bool:
        """A critical issue whose breach, recorded on its critical clock in this cycle, is
        not resolved or closed yet (DESIGN.md §7: what makes a standing `failing` 48 h after
        its due time, and holds badges; `open_critical_breaches` is the same rule in SQL)."""
        return self.critical_breach and self.severity == Severity.CRITICAL and not self.is_stopped

    @property
    def remaining_seconds(self) -> int | None:
        """Time left: counting down while running (negative when overdue), frozen at the
        pause while paused, none once stopped."""
        if self.due_at is None:
            return None
        if self.is_running:
            return int((self.due_at - self.now).total_seconds())
        if self.is_paused and self.paused_since is not None:
            return int((self.due_at - self.paused_since).total_seconds())
        return None

    @property
    def shown_due_at(self) -> datetime | None:
        """The due time shown (pages, API): none while paused, since the pause moves it."""
        return None if self.is_paused else self.due_at

    @property
    def state(self) -> ClockState:
        if self.is_stopped:
            return ClockState.MISSED if self.breached else ClockState.MET
        if self.is_paused:
            return ClockState.PAUSED
        if self.breached:
            return ClockState.BREACHED
        if self.warned:
            return ClockState.WARNED
        return ClockState.ON_TIME

    @property
    def label(self) -> str:
        """The state in the pages' words; a stopped clock shows its issue's status."""
        if self.is_stopped:
            return IssueStatus(self.status).label
        return self.state.label

    @property
    def badge(self) -> Badge:
        return BADGES[self.state]

    @property
    def remaining_words(self) -> str:
        """The time left as pages say it ("1 d 2 h left", "overdue by 5 min", "3 h 0 min
        left when paused"); empty once stopped."""
        if self.is_stopped:
            return ""
        words = duration_words(self.remaining_seconds)
        if self.is_paused:
            return f"{words} left when paused"
        if self.breached:
            return words
        return f"{words} left"

    def as_api(self) -> dict:
        """The API's `sla` object (DESIGN.md §9)."""
        return {
            "remaining_seconds": self.remaining_seconds,
            "breached": self.breached,
            "paused": self.is_paused,
            "warned": self.warned,
        }


def recorded_of(issue: SupportIssue) -> tuple[frozenset[str], bool]:
    """The event kinds recorded in the issue's current cycle, and whether its breach was
    recorded on a critical clock: from the annotations of `selectors.issues_with_sla` if
    any, else one query."""
    if hasattr(issue, "was_warned"):
        flags = {
            SlaEvent.Kind.WARNING: issue.was_warned,
            SlaEvent.Kind.BREACH: issue.was_breached,
            SlaEvent.Kind.ESCALATION: issue.was_escalated,
        }
        kinds = frozenset(kind for kind, flag in flags.items() if flag)
        return kinds, bool(getattr(issue, "was_breached_critical", False))
    rows = set(issue.events.filter(cycle=issue.cycle).values_list("kind", "severity"))
    kinds = frozenset(kind for kind, _ in rows)
    return kinds, (SlaEvent.Kind.BREACH, Severity.CRITICAL) in rows


def clock_of(
    issue: SupportIssue,
    now: datetime,
    recorded: Iterable[str] | None = None,
    *,
    critical_breach: bool = False,
    calendar: Calendar | None = None,
) -> Clock:
    """The issue's clock at `now`. `recorded` (the kinds recorded in this cycle, with
    `critical_breach`) is read from the issue when not given (`recorded_of`). A paused
    clock's end is computed in `calendar` when one is given (the sweep and `reschedule`),
    else it is the issue's stored next action (which `reschedule` computed)."""
    if recorded is None:
        recorded, critical_breach = recorded_of(issue)
    ends = None
    if issue.is_paused:
        ends = pause_ends_at(issue, calendar) if calendar is not None else issue.next_action_at
    return Clock(
        status=issue.status,
        severity=issue.severity,
        cycle=issue.cycle,
        now=now,
        warn_at=issue.warn_at,
        due_at=issue.due_at,
        escalate_at=issue.escalate_at,
        paused_since=issue.paused_since,
        pause_ends_at=ends,
        recorded=frozenset(recorded),
        critical_breach=critical_breach,
    )


def open_critical_breaches(events: QuerySet[SlaEvent]) -> QuerySet[SlaEvent]:
    """`Clock.breached_critical_open` in SQL, over breach events: recorded on a critical
    clock in its issue's current cycle, the issue still critical and not resolved or
    closed."""
    return events.filter(
        kind=SlaEvent.Kind.BREACH,
        severity=Severity.CRITICAL,
        cycle=F("issue__cycle"),
        issue__severity=Severity.CRITICAL,
    ).exclude(issue__status__in=STOPPED)


def duration_words(seconds) -> str:
    """Seconds as "2 d 3 h", "5 h 10 min" or "12 min"; negative means overdue."""
    if seconds is None:
        return "—"
    sign, seconds = ("overdue by " if seconds < 0 else ""), abs(int(seconds))
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes} min"
    else:
        text = f"{minutes} min"
    return sign + text
