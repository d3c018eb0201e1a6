"""Unit tests for support_sla.business_time (DESIGN.md §7, `normal` SLA). No database needed."""

from datetime import UTC, date, datetime, timedelta

import pytest

from support_sla.business_time import Calendar, add_business_time, business_time_between

BERLIN = Calendar("Europe/Berlin", country="DE")
NEW_YORK = Calendar("America/New_York", country="US")
EVERY_DAY_BERLIN = Calendar("Europe/Berlin", working_days=frozenset(range(7)))

SLA_DAYS = 5


def at(calendar: Calendar, *args: int) -> datetime:
    """An aware datetime at the given local wall-clock time of the calendar."""
    return datetime(*args, tzinfo=calendar.zone)


def wall(calendar: Calendar, moment: datetime) -> datetime:
    """The naive local wall-clock time of `moment` in the calendar."""
    return moment.astimezone(calendar.zone).replace(tzinfo=None)


def due(calendar: Calendar, start: datetime, days: float = SLA_DAYS) -> datetime:
    result = add_business_time(calendar, start, days)
    assert result.tzinfo is UTC
    return result


# --- add_business_time: the §7 examples ---------------------------------------------------


def test_monday_morning_is_due_next_monday_same_time():
    # 10-14 Feb 2025 has no German public holiday.
    start = at(BERLIN, 2025, 2, 10, 10)
    assert wall(BERLIN, due(BERLIN, start)) == datetime(2025, 2, 17, 10)


def test_public_holiday_on_the_following_monday_moves_due_by_one_business_day():
    # Memorial Day: Monday 26 May 2025.
    start = at(NEW_YORK, 2025, 5, 23, 16)
    no_holidays = Calendar("America/New_York")
    assert wall(NEW_YORK, due(no_holidays, start)) == datetime(2025, 5, 30, 16)
    assert wall(NEW_YORK, due(NEW_YORK, start)) == datetime(2025, 6, 2, 16)


def test_opened_on_saturday_runs_from_monday_midnight_to_end_of_friday():
    start = at(BERLIN, 2025, 2, 15, 14)
    result = due(BERLIN, start)
    assert wall(BERLIN, result) == datetime(2025, 2, 22, 0, 0)  # Saturday 00:00 = end of Friday
    assert result == due(BERLIN, at(BERLIN, 2025, 2, 17, 0, 0))
    assert business_time_between(BERLIN, start, result) == 5.0


@pytest.mark.parametrize(
    ("calendar", "opened", "expected_local", "dst_shift"),
    [
        # Europe/Berlin: spring forward Sun 30 Mar 2025, fall back Sun 26 Oct 2025.
        (BERLIN, (2025, 3, 24, 10), datetime(2025, 3, 31, 10), timedelta(hours=-1)),
        (BERLIN, (2025, 10, 20, 10), datetime(2025, 10, 27, 10), timedelta(hours=1)),
        # America/New_York: spring forward Sun 9 Mar 2025, fall back Sun 2 Nov 2025.
        (NEW_YORK, (2025, 3, 3, 10), datetime(2025, 3, 10, 10), timedelta(hours=-1)),
        (NEW_YORK, (2025, 10, 27, 10), datetime(2025, 11, 3, 10), timedelta(hours=1)),
    ],
)
def test_dst_does_not_move_the_local_due_time(calendar, opened, expected_local, dst_shift):
    start = at(calendar, *opened)
    result = due(calendar, start)
    assert wall(calendar, result) == expected_local
    # Arithmetic on a ZoneInfo-aware datetime is wall-clock arithmetic: go through UTC.
    assert result - (start.astimezone(UTC) + timedelta(hours=7 * 24)) == dst_shift


def test_subdivision_holidays_differ():
    # Epiphany (Mon 6 Jan 2025) is a public holiday in Bavaria, not in Berlin.
    bavaria = Calendar("Europe/Berlin", country="DE", subdivision="BY")
    berlin = Calendar("Europe/Berlin", country="DE", subdivision="BE")
    start = at(berlin, 2025, 1, 3, 10)
    assert wall(berlin, due(berlin, start)) == datetime(2025, 1, 10, 10)
    assert wall(bavaria, due(bavaria, start)) == datetime(2025, 1, 13, 10)


def test_paused_business_time_extends_the_due_time():
    start = at(BERLIN, 2025, 2, 10, 10)
    paused = business_time_between(BERLIN, at(BERLIN, 2025, 2, 11, 10), at(BERLIN, 2025, 2, 13, 10))
    assert paused == 2.0
    assert wall(BERLIN, due(BERLIN, start, SLA_DAYS + paused)) == datetime(2025, 2, 19, 10)


def test_pause_over_a_weekend_counts_only_business_time():
    paused = business_time_between(BERLIN, at(BERLIN, 2025, 2, 14, 10), at(BERLIN, 2025, 2, 17, 10))
    assert paused == 1.0


def test_sunday_to_thursday_working_week():
    calendar = Calendar("Asia/Jerusalem", working_days=frozenset({6, 0, 1, 2, 3}))
    start = at(calendar, 2025, 2, 13, 12)  # Thursday
    assert wall(calendar, due(calendar, start)) == datetime(2025, 2, 20, 12)
    # Friday and Saturday count nothing.
    assert business_time_between(calendar, start, at(calendar, 2025, 2, 16, 12)) == 1.0


def test_closure_dates_add_a_day():
    closed_wednesday = Calendar(
        "Europe/Berlin", country="DE", closures=frozenset({date(2025, 2, 12)})
    )
    closed_saturday = Calendar(
        "Europe/Berlin", country="DE", closures=frozenset({date(2025, 2, 15)})
    )
    start = at(BERLIN, 2025, 2, 10, 10)
    assert wall(BERLIN, due(closed_wednesday, start)) == datetime(2025, 2, 18, 10)
    assert wall(BERLIN, due(closed_saturday, start)) == datetime(2025, 2, 17, 10)


def test_zero_days_is_the_start_itself():
    start = at(BERLIN, 2025, 2, 15, 14)  # even on a Saturday
    assert due(BERLIN, start, 0) == start


def test_amount_ending_exactly_at_midnight_of_a_business_day():
    start = at(BERLIN, 2025, 2, 14, 18)  # Friday
    assert wall(BERLIN, due(BERLIN, start, 0.25)) == datetime(2025, 2, 15, 0, 0)
    assert wall(BERLIN, due(BERLIN, start, 0.5)) == datetime(2025, 2, 17, 6)


# --- business_time_between ----------------------------------------------------------------


def test_same_day_fraction():
    assert (
        business_time_between(BERLIN, at(BERLIN, 2025, 2, 10, 10), at(BERLIN, 2025, 2, 10, 16))
        == 0.25
    )


def test_friday_evening_to_monday_morning():
    start = at(BERLIN, 2025, 2, 14, 18)
    end = at(BERLIN, 2025, 2, 17, 6)
    assert business_time_between(BERLIN, start, end) == 0.5


def test_end_not_after_start_is_zero():
    moment = at(BERLIN, 2025, 2, 10, 10)
    assert business_time_between(BERLIN, moment, moment) == 0.0
    assert business_time_between(BERLIN, moment, moment - timedelta(hours=5)) == 0.0


def test_weekend_only_is_zero():
    start = at(BERLIN, 2025, 2, 15, 0)
    assert business_time_between(BERLIN, start, at(BERLIN, 2025, 2, 17, 0)) == 0.0


def test_dst_day_counts_local_wall_clock_hours():
    # Sun 30 Mar 2025 in Berlin lasts 23 real hours; Sun 26 Oct 2025 lasts 25.
    cal = EVERY_DAY_BERLIN
    assert business_time_between(cal, at(cal, 2025, 3, 30, 10), at(cal, 2025, 3, 31, 0)) == 14 / 24
    assert business_time_between(cal, at(cal, 2025, 3, 30, 0), at(cal, 2025, 3, 31, 0)) == 1.0
    assert business_time_between(cal, at(cal, 2025, 10, 26, 0), at(cal, 2025, 10, 27, 0)) == 1.0


def test_datetimes_in_other_zones_are_read_in_the_calendar_zone():
    start = datetime(2025, 2, 10, 9, tzinfo=UTC)  # 10:00 in Berlin
    end = datetime(2025, 2, 10, 15, tzinfo=UTC)  # 16:00 in Berlin
    assert business_time_between(BERLIN, start, end) == 0.25


# --- DST gap and fold: fold=0 ---------------------------------------------------------------


def test_due_wall_time_in_a_dst_gap_uses_the_offset_before_the_change():
    # 02:30 on Sun 30 Mar 2025 does not exist in Berlin; fold=0 reads it as 02:30 CET = 03:30 CEST.
    cal = EVERY_DAY_BERLIN
    result = due(cal, at(cal, 2025, 3, 29, 2, 30), 1)
    assert result == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert wall(cal, result) == datetime(2025, 3, 30, 3, 30)


def test_due_wall_time_in_a_dst_fold_is_the_first_occurrence():
    # 02:30 on Sun 26 Oct 2025 happens twice in Berlin; fold=0 picks the first (CEST).
    cal = EVERY_DAY_BERLIN
    result = due(cal, at(cal, 2025, 10, 25, 2, 30), 1)
    assert result == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)


# --- validation -----------------------------------------------------------------------------


def test_calendar_without_business_days_raises():
    with pytest.raises(ValueError, match="no business day"):
        add_business_time(
            Calendar("UTC", working_days=frozenset()), datetime(2025, 1, 1, tzinfo=UTC), 1
        )


def test_negative_amount_and_naive_datetimes_raise():
    with pytest.raises(ValueError, match="negative"):
        add_business_time(BERLIN, at(BERLIN, 2025, 2, 10, 10), -1)
    with pytest.raises(ValueError, match="aware"):
        add_business_time(BERLIN, datetime(2025, 2, 10, 10), 1)
    with pytest.raises(ValueError, match="aware"):
        business_time_between(BERLIN, datetime(2025, 2, 10, 10), datetime(2025, 2, 11, 10))


def test_invalid_calendars_raise():
    with pytest.raises(ValueError, match="weekday"):
        Calendar("UTC", working_days=frozenset({7}))
    with pytest.raises(ValueError, match="subdivision"):
        Calendar("UTC", subdivision="BY")
    with pytest.raises(NotImplementedError):
        Calendar("UTC", country="XX")
    with pytest.raises(KeyError):  # zoneinfo.ZoneInfoNotFoundError
        Calendar("Not/AZone")


def test_is_business_day():
    assert BERLIN.is_business_day(date(2025, 2, 10))
    assert not BERLIN.is_business_day(date(2025, 2, 15))  # Saturday
    assert not BERLIN.is_business_day(date(2025, 10, 3))  # German Unity Day (Friday)
    assert Calendar("Europe/Berlin").is_business_day(date(2025, 10, 3))


# --- inverse property over every hour of a fortnight around DST changes ---------------------


@pytest.mark.parametrize(
    ("calendar", "change"),
    [
        (BERLIN, datetime(2025, 3, 30, tzinfo=UTC)),
        (BERLIN, datetime(2025, 10, 26, tzinfo=UTC)),
        (NEW_YORK, datetime(2025, 3, 9, tzinfo=UTC)),
        (NEW_YORK, datetime(2025, 11, 2, tzinfo=UTC)),
        (
            Calendar("Europe/Berlin", working_days=frozenset({6, 0, 1, 2, 3})),
            datetime(2025, 10, 26, tzinfo=UTC),
        ),
    ],
)
def test_add_and_between_are_inverses(calendar, change):
    amounts = (0.1, 1, 2.5, SLA_DAYS, 7.25)
    for start in (change + timedelta(hours=h) for h in range(-7 * 24, 7 * 24)):
        previous = start
        for amount in amounts:
            result = add_business_time(calendar, start, amount)
            assert result > previous, (start, amount)
            elapsed = business_time_between(calendar, start, result)
            assert elapsed == pytest.approx(amount, abs=1e-11), (start, amount)
            previous = result
        for hours in range(1, 200, 7):
            end = start + timedelta(hours=hours)
            local_end = end.astimezone(calendar.zone)
            just_before = local_end.replace(tzinfo=None) - timedelta(microseconds=1)
            if not calendar.is_business_day(just_before.date()) or local_end.fold:
                # The clock was not running right before `end` (the answer is then the instant
                # it stopped), or `end` is the second pass of a repeated hour (fold=0 = first).
                continue
            elapsed = business_time_between(calendar, start, end)
            assert add_business_time(calendar, start, elapsed) == end, (start, end)
