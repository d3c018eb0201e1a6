"""The SLA sweep: each event once, at its computed time; parallel sweeps; a broken issue."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from accounts.models import Notification
from support_sla import services, sweep
from support_sla.models import SlaEvent, SupportIssue
from tests.concurrency import at_once
from tests.support_sla.conftest import issue_data

pytestmark = pytest.mark.django_db
OPENED = datetime(2025, 6, 16, 8, 0, tzinfo=UTC)  # Monday 10:00 in Berlin


@pytest.fixture
def critical(supported, owner):
    with time_machine.travel(OPENED, tick=False):
        return services.issue_open(integration=supported, actor=owner, data=issue_data("critical"))


def run_sweep(when, capture):
    with time_machine.travel(when, tick=False), capture(execute=True):
        return sweep.sla_sweep()


def kinds(issue) -> list[tuple[str, datetime]]:
    return list(SlaEvent.objects.filter(issue=issue).order_by("at").values_list("kind", "at"))


def test_nothing_happens_before_the_warning(critical, django_capture_on_commit_callbacks):
    result = run_sweep(OPENED + timedelta(hours=35), django_capture_on_commit_callbacks)
    assert (result.issues, result.events) == (0, 0)


def test_warning_breach_and_escalation_each_once_at_their_computed_times(
    critical, owner, admin, reviewer, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    critical.integration.assignee = reviewer
    critical.integration.save()
    run_sweep(OPENED + timedelta(hours=37), capture)
    run_sweep(OPENED + timedelta(hours=38), capture)  # nothing new
    assert kinds(critical) == [("warning", OPENED + timedelta(hours=36))]
    # The sweep notices the breach an hour late; it is recorded at the due time.
    run_sweep(OPENED + timedelta(hours=49), capture)
    assert kinds(critical)[-1] == ("breach", OPENED + timedelta(hours=48))
    run_sweep(OPENED + timedelta(hours=97), capture)
    run_sweep(OPENED + timedelta(hours=98), capture)
    assert [kind for kind, _ in kinds(critical)] == ["warning", "breach", "escalation"]
    assert SupportIssue.objects.get(pk=critical.pk).next_action_at is None
    sent = sorted((m.subject.split(":")[0], m.to[0]) for m in mail.outbox if "SLA" in m.subject)
    assert sent == [  # one e-mail per recipient per event, each once
        ("[VIP Tracker] SLA breached", owner.email),
        ("[VIP Tracker] SLA breached", reviewer.email),  # the integration's assignee
        ("[VIP Tracker] SLA escalation", admin.email),
        ("[VIP Tracker] SLA warning", owner.email),
    ]
    assert (
        not Notification.objects.filter(event__startswith="sla_")
        .exclude(email_state="sent")
        .exists()
    )


def test_a_late_sweep_records_everything_due_at_once(critical, django_capture_on_commit_callbacks):
    run_sweep(OPENED + timedelta(days=10), django_capture_on_commit_callbacks)
    assert [kind for kind, _ in kinds(critical)] == ["warning", "breach", "escalation"]


def test_a_resolved_issue_is_not_swept(critical, owner, django_capture_on_commit_callbacks):
    with time_machine.travel(OPENED + timedelta(hours=1), tick=False):
        services.issue_update(issue=critical, actor=owner, data={"status": "resolved"})
    run_sweep(OPENED + timedelta(days=10), django_capture_on_commit_callbacks)
    assert kinds(critical) == []


def test_a_paused_clock_is_not_swept_and_resumes_later(
    critical, owner, django_capture_on_commit_callbacks
):
    with time_machine.travel(OPENED + timedelta(hours=10), tick=False):
        services.issue_update(
            issue=critical,
            actor=owner,
            data={"status": "waiting_on_reporter", "comment": "Which version?"},
        )
    run_sweep(OPENED + timedelta(hours=40), django_capture_on_commit_callbacks)
    assert kinds(critical) == []
    with time_machine.travel(OPENED + timedelta(hours=40), tick=False):
        services.issue_update(issue=critical, actor=owner, data={"status": "acknowledged"})
    run_sweep(OPENED + timedelta(hours=79), django_capture_on_commit_callbacks)
    assert kinds(critical) == [
        ("warning", OPENED + timedelta(hours=66)),
        ("breach", OPENED + timedelta(hours=78)),
    ]


def test_a_breach_stays_when_the_severity_changes(
    critical, reviewer, django_capture_on_commit_callbacks
):
    run_sweep(OPENED + timedelta(hours=50), django_capture_on_commit_callbacks)
    with time_machine.travel(OPENED + timedelta(hours=51), tick=False):
        services.issue_update(issue=critical, actor=reviewer, data={"severity": "normal"})
    assert ("breach", OPENED + timedelta(hours=48)) in kinds(critical)


def test_an_exception_on_one_issue_does_not_stop_the_others(
    supported, owner, monkeypatch, django_capture_on_commit_callbacks
):
    with time_machine.travel(OPENED, tick=False):
        first = services.issue_open(
            integration=supported, actor=owner, data=issue_data("critical", title="first")
        )
        second = services.issue_open(
            integration=supported, actor=owner, data=issue_data("critical", title="second")
        )
    real = sweep._advance

    def broken(issue, now, recorded):
        if issue.pk == first.pk:
            raise RuntimeError("corrupt row")
        return real(issue, now, recorded)

    # Both are in one batch: the batch falls back to one issue at a time.
    monkeypatch.setattr(sweep, "_advance", broken)
    result = run_sweep(OPENED + timedelta(hours=49), django_capture_on_commit_callbacks)
    assert (result.failures, result.issues) == (1, 1)
    assert kinds(first) == [] and len(kinds(second)) == 2
    assert Notification.objects.filter(event="sla_breach").count() == 1  # the second's only
    monkeypatch.setattr(sweep, "_advance", real)
    run_sweep(OPENED + timedelta(hours=50), django_capture_on_commit_callbacks)
    assert len(kinds(first)) == 2  # the next sweep catches up


def test_the_events_notifications_are_recorded_with_them_and_sent_after_commit(
    critical, owner, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(OPENED + timedelta(hours=37), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sweep.sla_sweep()
        event = SlaEvent.objects.get()
        (row,) = Notification.objects.filter(event="sla_warning")
        assert (row.key, row.user, row.email_state) == (f"sla_warning:{event.pk}", owner, "pending")
        assert row.link == f"/support/issues/{critical.pk}/"
        assert not any("SLA" in m.subject for m in mail.outbox)  # not before the commit
    row.refresh_from_db()
    assert row.email_state == "sent"
    assert sum("SLA warning" in m.subject for m in mail.outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_in_parallel_never_double_an_event(supported, owner):
    with time_machine.travel(OPENED, tick=False):
        issues = [
            services.issue_open(
                integration=supported, actor=owner, data=issue_data("critical", title=f"issue {n}")
            )
            for n in range(20)
        ]

    def run():
        return sweep.sla_sweep(now=OPENED + timedelta(hours=100))

    results = at_once(run, run)
    assert sum(r.events for r in results) == 60
    assert SlaEvent.objects.count() == 60  # three per issue, none doubled
    assert sum(r.failures for r in results) == 0
    for issue in issues:
        assert SlaEvent.objects.filter(issue=issue).count() == 3
