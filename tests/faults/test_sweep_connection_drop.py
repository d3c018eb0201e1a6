"""The SLA sweep's database connection is terminated (pg_terminate_backend) while it writes a
batch's events: that batch's transaction is gone whole, the sweep goes on with the next batch
on a new connection (Django drops a connection whose rollback failed), the next sweep on the
same thread (as the next beat run on the same worker) records what was lost, and nothing is
doubled."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction

from accounts.models import Notification
from support_sla import services, sweep
from support_sla.models import SlaEvent
from tests.support_sla.conftest import issue_data, supported  # noqa: F401

OPENED = datetime(2025, 6, 16, 8, 0, tzinfo=UTC)
LATER = OPENED + timedelta(hours=100)  # warning, breach and escalation are all due


def backend_waiting_on_a_lock(pid: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited on the lock")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_dropped_mid_sweep_loses_and_doubles_nothing(supported, owner, admin):  # noqa: F811
    with time_machine.travel(OPENED, tick=False):
        issues = [
            services.issue_open(
                integration=supported, actor=owner, data=issue_data("critical", title=f"issue {n}")
            )
            for n in range(3)
        ]
    pid, results, errors = [], [], []

    def sweeper():
        """One worker thread: a sweep that loses its connection, then the next sweep."""
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid.append(cursor.fetchone()[0])
            results.append(sweep.sla_sweep(now=LATER, batch=2))  # batches of 2, then 1
            results.append(sweep.sla_sweep(now=LATER + timedelta(minutes=1)))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=sweeper)
    with transaction.atomic():
        # Hold the events table so the sweep's first insert waits; kill it there.
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {SlaEvent._meta.db_table} IN EXCLUSIVE MODE")
        thread.start()
        deadline = time.monotonic() + 30
        while not pid:
            assert thread.is_alive() and time.monotonic() < deadline, errors
            time.sleep(0.01)
        backend_waiting_on_a_lock(pid[0])
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid[0]])
    thread.join(timeout=60)

    assert not errors, errors
    dropped, next_sweep = results
    # The killed batch failed whole; the sweep went on with a new connection for the next one.
    assert (dropped.failures, dropped.events) == (2, 3)
    assert (next_sweep.failures, next_sweep.events) == (0, 6)  # it catches up the killed two
    for issue in issues:
        assert sorted(SlaEvent.objects.filter(issue=issue).values_list("kind", flat=True)) == [
            "breach",
            "escalation",
            "warning",
        ]
    # Each event's notification (the owner's, or the admin's for an escalation) exactly once.
    sla_notifications = Notification.objects.filter(event__startswith="sla_")
    assert sorted(sla_notifications.values_list("key", flat=True)) == sorted(
        f"sla_{kind}:{pk}" for pk, kind in SlaEvent.objects.values_list("pk", "kind")
    )
