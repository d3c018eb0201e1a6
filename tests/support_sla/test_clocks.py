"""Clocks of real issues: critical UTC arithmetic, normal business time, pauses, severity
changes and reopening."""

from datetime import UTC, datetime

import pytest
import time_machine

from support_sla import services
from support_sla.models import SupportIssue
from tests.support_sla.conftest import issue_data

pytestmark = pytest.mark.django_db


ASK = "Which Vault version do you run?"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def open_issue(integration, actor, when, **data):
    with time_machine.travel(when, tick=False):
        return services.issue_open(integration=integration, actor=actor, data=issue_data(**data))


def update(issue, actor, when, **data):
    with time_machine.travel(when, tick=False):
        return services.issue_update(issue=issue, actor=actor, data=data)


def test_critical_is_48_real_hours_even_across_a_dst_change(supported, owner):
    # Berlin leaves summer time on Sunday 26 October 2025 at 03:00 local (01:00 UTC).
    issue = open_issue(supported, owner, at(2025, 10, 25, 8, 0), severity="critical")
    assert issue.due_at == at(2025, 10, 27, 8, 0)
    assert issue.warn_at == at(2025, 10, 26, 20, 0)  # 75 % of 48 h
    assert issue.escalate_at == at(2025, 10, 29, 8, 0)  # twice the budget
    assert issue.next_action_at == issue.warn_at


def test_normal_is_five_business_days_in_the_partners_calendar(supported, owner):
    # Monday 10:00 Berlin (08:00 UTC in summer) → the next Monday 10:00 Berlin.
    issue = open_issue(supported, owner, at(2025, 6, 2, 8, 0))
    assert issue.due_at == at(2025, 6, 10, 8, 0)  # Whit Monday 9 June is a holiday in DE
    assert issue.escalate_at > issue.due_at


def test_a_pause_extends_the_budget(supported, owner):
    issue = open_issue(supported, owner, at(2025, 6, 16, 8, 0))  # Monday 10:00 Berlin
    assert issue.due_at == at(2025, 6, 23, 8, 0)
    update(issue, owner, at(2025, 6, 17, 8, 0), status="waiting_on_reporter", comment=ASK)
    paused = SupportIssue.objects.get(pk=issue.pk)
    # A paused clock wakes the sweep only when its pause runs out (5 business days later).
    assert paused.next_action_at == at(2025, 6, 24, 8, 0)
    update(issue, owner, at(2025, 6, 19, 8, 0), status="acknowledged")  # Thu 10:00: 2 days
    resumed = SupportIssue.objects.get(pk=issue.pk)
    assert resumed.paused_business_days == pytest.approx(2.0)
    assert resumed.due_at == at(2025, 6, 25, 8, 0)  # two business days later


def test_a_critical_pause_adds_its_real_duration(supported, owner):
    issue = open_issue(supported, owner, at(2025, 6, 16, 8, 0), severity="critical")
    update(issue, owner, at(2025, 6, 16, 10, 0), status="waiting_on_reporter", comment=ASK)
    update(issue, owner, at(2025, 6, 16, 15, 30), status="open")
    assert SupportIssue.objects.get(pk=issue.pk).due_at == at(2025, 6, 18, 13, 30)


def test_a_severity_change_recomputes_the_clock(supported, owner):
    issue = open_issue(supported, owner, at(2025, 6, 16, 8, 0))
    updated = update(issue, owner, at(2025, 6, 16, 9, 0), severity="critical")
    assert updated.due_at == at(2025, 6, 18, 8, 0)  # 48 h after opening, not after the change


def test_resolving_stops_the_clock_and_a_late_reopening_starts_a_new_cycle(supported, owner):
    issue = open_issue(supported, owner, at(2025, 6, 16, 8, 0), severity="critical")
    resolved = update(issue, owner, at(2025, 6, 16, 12, 0), status="resolved")
    assert (resolved.next_action_at, resolved.resolved_at) == (None, at(2025, 6, 16, 12, 0))
    # More than 14 days after the resolution: a new problem, a new cycle with a fresh clock.
    reopened = update(issue, owner, at(2025, 7, 1, 8, 0), status="open")
    assert reopened.cycle == 2
    assert reopened.due_at == at(2025, 7, 3, 8, 0)
    assert (reopened.resolved_at, reopened.reopened_at) == (None, at(2025, 7, 1, 8, 0))


@pytest.mark.parametrize(("source", "target"), [("open", "closed"), ("acknowledged", "open")])
def test_status_changes_that_make_no_sense_are_refused(supported, owner, source, target):
    from config.errors import DomainError

    issue = open_issue(supported, owner, at(2025, 6, 16, 8, 0))
    if source != "open":
        update(issue, owner, at(2025, 6, 16, 9, 0), status=source)
    with pytest.raises(DomainError) as caught:
        update(issue, owner, at(2025, 6, 16, 10, 0), status=target)
    assert caught.value.code == "invalid_status_change"


def test_only_owners_and_staff_edit_the_calendar(partner, member):
    from config.errors import DomainError

    with pytest.raises(DomainError) as caught:
        services.calendar_update(partner=partner, actor=member, working_days=[0], closures=[])
    assert caught.value.status == 403


def test_issues_are_only_for_released_integrations(partner, owner):
    from config.errors import DomainError
    from tests.factories import IntegrationFactory

    develop = IntegrationFactory(partner=partner, stage="develop")
    with pytest.raises(DomainError) as caught:
        services.issue_open(integration=develop, actor=owner, data=issue_data())
    assert caught.value.code == "not_supported_stage"


def test_bad_issue_input_is_a_field_error(supported, owner):
    from config.errors import DomainError

    with pytest.raises(DomainError) as caught:
        services.issue_open(
            integration=supported,
            actor=owner,
            data={"title": "", "description": "", "severity": "urgent"},
        )
    assert set(caught.value.errors) == {"title", "description", "severity"}
    assert SupportIssue.objects.count() == 0


def test_only_staff_make_a_critical_issue_normal(supported, owner, reviewer):
    from config.errors import DomainError

    issue = open_issue(supported, owner, at(2025, 6, 16, 8, 0), severity="critical")
    with pytest.raises(DomainError) as caught:
        update(issue, owner, at(2025, 6, 16, 9, 0), severity="normal")
    assert caught.value.status == 403
    assert update(issue, reviewer, at(2025, 6, 16, 9, 0), severity="normal").severity == "normal"


def test_the_assignee_is_someone_of_the_partner(supported, owner, member, outsider):
    from config.errors import DomainError

    issue = open_issue(supported, owner, at(2025, 6, 16, 8, 0))
    assert update(issue, owner, at(2025, 6, 16, 9, 0), assignee=member.email).assignee == member
    for stranger in (outsider.email, "nobody@nowhere.example"):
        with pytest.raises(DomainError) as caught:
            update(issue, owner, at(2025, 6, 16, 9, 0), assignee=stranger)
        assert caught.value.errors == {"assignee": ["Not a member of this partner."]}
