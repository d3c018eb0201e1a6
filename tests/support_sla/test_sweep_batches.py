"""The batched SLA sweep: each batch is one transaction (events, their notifications, the
clocks and the standing marks together), so a sweeping process killed between batches or in
the middle of one leaves whole batches or nothing, and the next sweep records every due event
once and queues every notification once; two sweeps at once never share an issue; a batch
costs the same number of queries whatever the number of due clocks in it."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from integrations.models import Stage
from support_sla import services, sweep
from support_sla.models import SlaEvent, StandingRecord, SupportIssue
from tests.concurrency import at_once
from tests.factories import IntegrationFactory
from tests.processes import ROOT, process_env
from tests.support_sla.conftest import issue_data

OPENED = datetime(2025, 6, 16, 8, 0, tzinfo=UTC)
LATER = OPENED + timedelta(hours=100)  # warning, breach and escalation are all due
KINDS = ["breach", "escalation", "warning"]

# A sweep in its own process, in batches of 2, that reports each committed batch and then
# waits (for the test to kill it there).
SWEEPER = """
import sys, time
from datetime import datetime
import django
django.setup()
from support_sla import sweep

def committed(result):
    print(f"committed {result.batches}", flush=True)
    time.sleep(float(sys.argv[2]))

sweep.sla_sweep(now=datetime.fromisoformat(sys.argv[1]), batch=2, after_batch=committed)
print("done", flush=True)
"""


def open_issues(integrations, owner, count: int) -> list[SupportIssue]:
    with time_machine.travel(OPENED, tick=False):
        return [
            services.issue_open(
                integration=integrations[n % len(integrations)],
                actor=owner,
                data=issue_data("critical", title=f"issue {n}"),
            )
            for n in range(count)
        ]


@pytest.fixture
def supported_pair(partner):
    return [
        IntegrationFactory(partner=partner, stage=Stage.SUPPORT, name=f"Acme Sync {n}")
        for n in range(2)
    ]


def start_sweeper(wait_after_batch: float) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SWEEPER, LATER.isoformat(), str(wait_after_batch)],
        cwd=ROOT,
        env=process_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def expected_notifications(owner, admin) -> list[tuple[str, str]]:
    """One row per event and recipient: the partner's owner for warnings and breaches, the
    admin for escalations."""
    return sorted(
        (f"sla_{kind}:{pk}", admin.email if kind == "escalation" else owner.email)
        for pk, kind in SlaEvent.objects.values_list("pk", "kind")
    )


def recorded_notifications() -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(event__startswith="sla_").values_list("key", "email"))


def assert_each_event_once(issues) -> None:
    for issue in issues:
        assert sorted(SlaEvent.objects.filter(issue=issue).values_list("kind", flat=True)) == KINDS


def sweep_again() -> sweep.SweepResult:
    with time_machine.travel(LATER + timedelta(minutes=1), tick=False):
        return sweep.sla_sweep()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sweep_killed_between_batches_leaves_whole_batches_and_the_next_finishes(
    supported_pair, owner, admin
):
    issues = open_issues(supported_pair, owner, 6)
    process = start_sweeper(wait_after_batch=60)
    try:
        assert process.stdout.readline().strip() == "committed 1", process.stderr.read()
    finally:
        kill(process)

    # The first batch is there whole (the two issues due first), nothing of the others.
    swept = set(SlaEvent.objects.values_list("issue_id", flat=True))
    assert len(swept) == 2
    assert_each_event_once([issue for issue in issues if issue.pk in swept])
    assert recorded_notifications() == expected_notifications(owner, admin)
    assert SupportIssue.objects.filter(pk__in=swept, next_action_at=None).count() == 2
    # The process died before recomputing standings: the batch's marks say which.
    stale = StandingRecord.objects.filter(stale=True)
    assert set(stale.values_list("integration_id", flat=True)) == {
        issue.integration_id for issue in issues if issue.pk in swept
    }

    result = sweep_again()
    assert (result.issues, result.events, result.failures) == (4, 12, 0)
    assert_each_event_once(issues)
    assert recorded_notifications() == expected_notifications(owner, admin)
    # Standings recomputed once the marks were found: breached criticals still open 48 h on.
    assert not StandingRecord.objects.filter(stale=True).exists()
    assert set(StandingRecord.objects.values_list("standing", flat=True)) == {"failing"}


def backend_waiting_on_a_lock(database: str, timeout: float = 30.0) -> int:
    """The pid of the other backend of this test database that waits on a lock."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # a fresh look in this transaction
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
                "AND wait_event_type = 'Lock'",
                [database],
            )
            row = cursor.fetchone()
            if row:
                return row[0]
            time.sleep(0.02)
    raise AssertionError("the sweeper never waited on the lock")


def backend_gone(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
            if cursor.fetchone() is None:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} outlived its killed client")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sweep_killed_in_the_middle_of_a_batch_leaves_nothing_of_it(supported_pair, owner, admin):
    issues = open_issues(supported_pair, owner, 4)
    process = start_sweeper(wait_after_batch=0)
    with transaction.atomic():
        # Hold the outbox: the first batch has written its events and waits to queue their
        # notifications. Kill the process there.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Notification._meta.db_table} IN EXCLUSIVE MODE")
        try:
            pid = backend_waiting_on_a_lock(connection.settings_dict["NAME"])
        finally:
            kill(process)
    backend_gone(pid)  # its transaction rolled back when it found its client gone

    assert not SlaEvent.objects.exists()
    assert not Notification.objects.filter(event__startswith="sla_").exists()
    assert SupportIssue.objects.filter(next_action_at__lte=LATER).count() == 4
    assert not StandingRecord.objects.filter(stale=True).exists()

    result = sweep_again()
    assert (result.issues, result.events, result.failures) == (4, 12, 0)
    assert_each_event_once(issues)
    assert recorded_notifications() == expected_notifications(owner, admin)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_batched_sweeps_at_once_record_each_event_and_notification_once(
    supported_pair, owner, admin
):
    issues = open_issues(supported_pair, owner, 40)

    def run():
        return sweep.sla_sweep(now=LATER, batch=3)

    results = at_once(run, run)
    assert not any(isinstance(result, Exception) for result in results), results
    assert sum(result.events for result in results) == 120
    assert sum(result.issues for result in results) == 40
    assert sum(result.failures for result in results) == 0
    assert_each_event_once(issues)
    assert recorded_notifications() == expected_notifications(owner, admin)
    assert set(StandingRecord.objects.values_list("standing", "stale")) == {("failing", False)}


def sweep_queries(integrations, owner, due: int) -> int:
    """The queries of one sweep of `due` issues, each run from the same start (no issue, no
    standing, no notification yet)."""
    SupportIssue.objects.all().delete()
    StandingRecord.objects.all().delete()
    Notification.objects.all().delete()
    open_issues(integrations, owner, due)
    with CaptureQueriesContext(connection) as queries:
        result = sweep.sla_sweep(now=LATER)
    assert (result.events, result.batches) == (3 * due, 1)
    return len(queries)


@pytest.mark.django_db
def test_a_batch_costs_the_same_queries_for_3_or_30_due_clocks(
    supported_pair, owner, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        few = sweep_queries(supported_pair, owner, 3)
        many = sweep_queries(supported_pair, owner, 30)
    # Events, notifications, recipients, clocks in bulk; each integration's standing once.
    assert many == few
