"""The Clock value (support_sla.clocks.Clock): its state, labels, next action and due events
for running, paused, met, breached and reopened issues, without HTTP."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from support_sla import clocks, services, sweep
from support_sla.clocks import RESUME, Clock, ClockState, Due
from support_sla.models import SupportIssue
from tests.support_sla.conftest import issue_data

NOW = datetime(2025, 6, 16, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
ASK = "Which Vault version do you run?"


def clock(status="open", severity="critical", recorded=(), **times) -> Clock:
    """A clock due in 10 h (warned at -2 h, escalates at +20 h) unless told otherwise."""
    values = {
        "warn_at": NOW - 2 * HOUR,
        "due_at": NOW + 10 * HOUR,
        "escalate_at": NOW + 20 * HOUR,
        "paused_since": None,
        "pause_ends_at": None,
        "critical_breach": False,
        **times,
    }
    return Clock(
        status=status, severity=severity, cycle=1, now=NOW, recorded=frozenset(recorded), **values
    )


@pytest.mark.parametrize(
    ("case", "state", "label", "words"),
    [
        (clock(warn_at=NOW + HOUR), ClockState.ON_TIME, "on time", "10 h 0 min left"),
        (clock(status="acknowledged"), ClockState.WARNED, "warned", "10 h 0 min left"),
        (clock(due_at=NOW - 3 * HOUR), ClockState.BREACHED, "breached", "overdue by 3 h 0 min"),
        # A breach recorded stays one when the due time moves later (a severity change).
        (clock(recorded={"breach"}), ClockState.BREACHED, "breached", "10 h 0 min"),
        (
            clock(status="waiting_on_reporter", paused_since=NOW - 4 * HOUR),
            ClockState.PAUSED,
            "paused",
            "14 h 0 min left when paused",
        ),
        (clock(status="resolved"), ClockState.MET, "Resolved", ""),
        (clock(status="closed", recorded={"warning", "breach"}), ClockState.MISSED, "Closed", ""),
    ],
)
def test_the_state_and_words_a_clock_shows(case, state, label, words):
    assert (case.state, case.label, case.remaining_words) == (state, label, words)
    assert case.badge == clocks.BADGES[state]


@pytest.mark.parametrize(
    ("case", "api"),
    [
        (
            clock(),
            {"remaining_seconds": 36_000, "breached": False, "paused": False, "warned": True},
        ),
        (
            clock(due_at=NOW - HOUR),
            {"remaining_seconds": -3_600, "breached": True, "paused": False, "warned": True},
        ),
        # Frozen at the pause; a pause does not undo a recorded breach.
        (
            clock("waiting_on_reporter", recorded={"breach"}, paused_since=NOW - HOUR),
            {"remaining_seconds": 39_600, "breached": True, "paused": True, "warned": False},
        ),
        # Past its times but paused: nothing is due while the reporter is asked.
        (
            clock("waiting_on_reporter", due_at=NOW - HOUR, paused_since=NOW - 2 * HOUR),
            {"remaining_seconds": 3_600, "breached": False, "paused": True, "warned": False},
        ),
        (
            clock("resolved", recorded={"warning"}),
            {"remaining_seconds": None, "breached": False, "paused": False, "warned": True},
        ),
    ],
)
def test_the_api_reading(case, api):
    assert case.as_api() == api


@pytest.mark.parametrize(
    ("case", "next_action", "due"),
    [
        # Running: the earliest event not recorded; the ones past now are due.
        (clock(), Due("warning", NOW - 2 * HOUR), ["warning"]),
        (clock(recorded={"warning"}), Due("breach", NOW + 10 * HOUR), []),
        (
            clock(due_at=NOW - HOUR, recorded={"warning"}),
            Due("breach", NOW - HOUR),
            ["breach"],
        ),
        (clock(recorded={"warning", "breach", "escalation"}), None, []),
        # Paused: only the pause's end wakes the sweep, whatever else is past.
        (
            clock("waiting_on_reporter", paused_since=NOW - HOUR, pause_ends_at=NOW + HOUR),
            Due(RESUME, NOW + HOUR),
            [],
        ),
        (clock("waiting_on_reporter", paused_since=NOW - HOUR), None, []),
        # Stopped: nothing, even past due.
        (clock("resolved", due_at=NOW - HOUR), None, []),
        (clock("closed"), None, []),
    ],
)
def test_the_next_action_and_the_due_events(case, next_action, due):
    assert case.next_action == next_action
    assert [event.kind for event in case.due_events] == due


def test_recording_the_due_events_moves_the_next_action_on():
    late = clock(warn_at=NOW - 5 * HOUR, due_at=NOW - HOUR, escalate_at=NOW + HOUR)
    assert [event.at for event in late.due_events] == [NOW - 5 * HOUR, NOW - HOUR]
    after = late.recording_due()
    assert after.recorded == {"warning", "breach"} and after.critical_breach
    assert (after.next_action, after.due_events) == (Due("escalation", NOW + HOUR), ())
    assert not clock(severity="normal", due_at=NOW - HOUR).recording_due().critical_breach


def test_a_pause_runs_out_at_its_end():
    paused = clock("waiting_on_reporter", paused_since=NOW - HOUR, pause_ends_at=NOW)
    assert paused.pause_ran_out
    assert not clock("waiting_on_reporter", pause_ends_at=NOW + HOUR).pause_ran_out
    assert not clock("open", pause_ends_at=NOW - HOUR).pause_ran_out


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (clock(recorded={"breach"}, critical_breach=True), True),
        (clock("waiting_on_reporter", recorded={"breach"}, critical_breach=True), True),
        (clock("resolved", recorded={"breach"}, critical_breach=True), False),
        # Made normal by staff since: no longer a critical issue.
        (clock(severity="normal", recorded={"breach"}, critical_breach=True), False),
        # Breached while normal, made critical later: not a critical breach.
        (clock(recorded={"breach"}, critical_breach=False), False),
        # Past due but not recorded yet: the sweep records it first.
        (clock(due_at=NOW - HOUR), False),
    ],
)
def test_a_breached_critical_issue_still_open(case, expected):
    assert case.breached_critical_open is expected


def test_the_due_time_is_not_shown_while_paused():
    assert clock().shown_due_at == NOW + 10 * HOUR
    assert clock("waiting_on_reporter").shown_due_at is None


# --- Real issues: clock_of ---------------------------------------------------------------


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def _open(integration, actor, when):
    with time_machine.travel(when, tick=False):
        return services.issue_open(
            integration=integration, actor=actor, data=issue_data("critical")
        )


def _update(issue, actor, when, **data):
    with time_machine.travel(when, tick=False):
        return services.issue_update(issue=issue, actor=actor, data=data)


@pytest.mark.django_db
def test_a_real_issue_through_its_life(supported, owner):
    issue = _open(supported, owner, at(0))
    reading = clocks.clock_of(issue, at(1))
    assert (reading.state, reading.next_action) == (ClockState.ON_TIME, Due("warning", at(36)))

    _update(issue, owner, at(2), status="waiting_on_reporter", comment=ASK)
    paused = clocks.clock_of(SupportIssue.objects.get(pk=issue.pk), at(3))
    # The pause may add one budget (48 h) at most: the sweep resumes it then.
    assert (paused.state, paused.next_action) == (ClockState.PAUSED, Due(RESUME, at(50)))
    assert paused.remaining_seconds == 46 * 3600

    _update(issue, owner, at(4), status="acknowledged")  # a 2 h pause: due at 50 h
    sweep.sla_sweep(now=at(51))
    breached = clocks.clock_of(SupportIssue.objects.get(pk=issue.pk), at(51))
    assert breached.state == ClockState.BREACHED and breached.breached_critical_open
    assert breached.recorded == {"warning", "breach"}
    assert breached.next_action == Due("escalation", at(98))

    _update(issue, owner, at(52), status="resolved")
    missed = clocks.clock_of(SupportIssue.objects.get(pk=issue.pk), at(53))
    assert (missed.state, missed.next_action, missed.breached_critical_open) == (
        ClockState.MISSED,
        None,
        False,
    )

    # Reopened within 14 days: the same cycle, so the same breach (resolving does not undo it).
    _update(issue, owner, at(60), status="open")
    reopened = clocks.clock_of(SupportIssue.objects.get(pk=issue.pk), at(60))
    assert reopened.cycle == 1 and reopened.state == ClockState.BREACHED
    assert reopened.breached_critical_open


@pytest.mark.django_db
def test_a_late_reopening_is_a_fresh_clock(supported, owner):
    issue = _open(supported, owner, at(0))
    _update(issue, owner, at(1), status="resolved")
    assert clocks.clock_of(SupportIssue.objects.get(pk=issue.pk), at(2)).state == ClockState.MET
    _update(issue, owner, at(24 * 20), status="open")
    fresh = clocks.clock_of(SupportIssue.objects.get(pk=issue.pk), at(24 * 20))
    assert (fresh.cycle, fresh.state, fresh.recorded) == (2, ClockState.ON_TIME, frozenset())
    assert fresh.next_action == Due("warning", at(24 * 20 + 36))
