"""Business-time arithmetic for the `normal` support SLA (DESIGN.md §7).

Business time is measured in days of *local wall-clock time* in a partner's support calendar:

* every business day (a working weekday that is neither a public holiday of the calendar's
  country/subdivision nor a closure date) counts as one day, whatever its real length on a DST
  change day (23 or 25 hours);
* a part of a business day counts as the fraction of 24 local wall-clock hours it spans
  (10:00 -> 16:00 is 0.25, 10:00 -> 24:00 is 14/24 even on a DST day);
* non-business days count zero.

So an issue opened on Monday 10:00 local is due (5 business days) on the next Monday at 10:00
local, whatever DST did in between; opened on a Saturday, the clock starts at 00:00 of the next
business day and runs out at the end of the fifth business day, i.e. 00:00 of the following
calendar day.

Internally all amounts are whole microseconds, so `add_business_time` and
`business_time_between` are exact inverses of each other (see their docstrings for the two
DST edge cases where wall-clock time is not a bijection of real time).

This module is pure: it needs no Django setup and no database.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = ["MAX_SEARCH_DAYS", "Calendar", "add_business_time", "business_time_between"]

MON_TO_FRI: frozenset[int] = frozenset({0, 1, 2, 3, 4})
"""Python weekday numbers (Monday=0 ... Sunday=6) of the default working week."""

MAX_SEARCH_DAYS = 3660
"""How many consecutive non-business days `add_business_time` tolerates (~10 years)."""

_MICROSECOND = timedelta(microseconds=1)
_US_PER_DAY = 86_400 * 1_000_000


@functools.lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    """Public holidays of `country` (and `subdivision`) in `year`, from the `holidays` package."""
    if not country:
        return frozenset()
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


@dataclass(frozen=True)
class Calendar:
    """A partner's support calendar.

    `time_zone` is an IANA name; `working_days` are Python weekday numbers (Monday=0 ...
    Sunday=6); `country`/`subdivision` are codes understood by the `holidays` package (e.g.
    "DE"/"BY"); an empty country means no public holidays. `closures` are extra closed dates.
    """

    time_zone: str
    working_days: frozenset[int] = field(default=MON_TO_FRI)
    country: str = ""
    subdivision: str = ""
    closures: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        ZoneInfo(self.time_zone)  # raises ZoneInfoNotFoundError (a KeyError) for unknown zones
        if not set(self.working_days) <= set(range(7)):
            raise ValueError(f"working_days must be weekday numbers 0-6: {self.working_days!r}")
        if self.subdivision and not self.country:
            raise ValueError("a subdivision needs a country")
        if self.country:
            # Cheap (computes no holidays); raises NotImplementedError for unknown codes.
            holidays.country_holidays(self.country, subdiv=self.subdivision or None)

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        return ZoneInfo(self.time_zone)

    def is_business_day(self, day: date) -> bool:
        """True if `day` is a working weekday, not a public holiday and not a closure date."""
        return (
            day.weekday() in self.working_days
            and day not in self.closures
            and day not in _public_holidays(self.country, self.subdivision, day.year)
        )


def _local_wall_time(calendar: Calendar, moment: datetime) -> datetime:
    """The naive local wall-clock time of the aware `moment` in the calendar's zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got {moment!r}")
    return moment.astimezone(calendar.zone).replace(tzinfo=None)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def business_time_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Business time, in days, elapsed from `start` to `end` (aware datetimes); 0 if end <= start.

    Both instants are read as local wall-clock times; each business day in between counts its
    wall-clock share of 24 hours, other days count nothing. During the repeated hour of a DST
    fall-back the wall clock goes backwards; an interval whose local end is not after its local
    start counts 0 (elapsed business time is never negative).
    """
    if end <= start:
        return 0.0
    local_start = _local_wall_time(calendar, start)
    local_end = _local_wall_time(calendar, end)
    total_us = 0
    day = local_start.date()
    while day <= local_end.date():
        if calendar.is_business_day(day):
            lo = max(local_start, _midnight(day))
            hi = min(local_end, _midnight(day + timedelta(days=1)))
            if hi > lo:
                total_us += (hi - lo) // _MICROSECOND
        day += timedelta(days=1)
    return total_us / _US_PER_DAY


def add_business_time(calendar: Calendar, start: datetime, days: float) -> datetime:
    """The aware UTC instant at which `days` of business time have elapsed after `start`.

    The inverse of `business_time_between`. The clock runs only on business days: from a
    non-business day (or once a business day is used up) it continues at 00:00 local of the next
    business day. An amount that runs out exactly at the end of a business day yields 00:00 local
    of the following calendar day. `days == 0` returns `start` (in UTC).

    The result is computed as a local wall-clock date and time, then given the zone with
    ``fold=0`` and converted to UTC. For a wall time that occurs twice (DST fall-back) this picks
    the first occurrence; for one that does not exist (in a spring-forward gap, only possible on
    a working day that has the gap) it uses the offset from before the transition, i.e. 02:30 in
    a 02:00-03:00 gap becomes 03:30 after the change.

    Raises ValueError for a negative amount or when no business day is found for
    `MAX_SEARCH_DAYS` consecutive days.
    """
    if days < 0:
        raise ValueError(f"days must not be negative: {days!r}")
    current = _local_wall_time(calendar, start)
    remaining_us = round(days * _US_PER_DAY)
    if remaining_us == 0:
        return start.astimezone(UTC)
    idle_days = 0
    while True:
        day = current.date()
        next_midnight = _midnight(day + timedelta(days=1))
        if calendar.is_business_day(day):
            idle_days = 0
            available_us = (next_midnight - current) // _MICROSECOND
            if remaining_us <= available_us:
                due_local = current + timedelta(microseconds=remaining_us)
                return due_local.replace(tzinfo=calendar.zone, fold=0).astimezone(UTC)
            remaining_us -= available_us
        else:
            idle_days += 1
            if idle_days > MAX_SEARCH_DAYS:
                raise ValueError(
                    f"no business day in the {MAX_SEARCH_DAYS} days up to {day} in {calendar!r}"
                )
        current = next_midnight
