"""The `verification` queue's thread pool (issue 13): many network-bound runs at once in one
worker process, each with its own client, session and database connection, none mixing with
another; the run's own deadline, which the thread pool relies on (it enforces no Celery time
limit); and progress that stays live while a slow run goes on."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from config.celery_app import app as celery_app
from reviews import services
from reviews.models import VerificationRun
from tests.faults.proxy import FaultyProxy
from tests.processes import wait_for
from tests.reviews.conftest import checks
from tests.vault import approle, free_port_pair, runtime_app

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def finished(ids, timeout=90.0):
    def done():
        runs = list(VerificationRun.objects.filter(pk__in=ids, finished_at__isnull=False))
        return runs if len(runs) == len(ids) else None

    return {run.pk: run for run in wait_for(done, timeout=timeout)}


def connections_to_this_database() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_twenty_runs_at_once_keep_their_own_results(bao, namespace, integration, owner, not_eager):
    """Twenty targets, each in its own namespace and each with its own expected verdict, run
    together by one worker with twenty threads."""
    expected = {}
    for n in range(20):
        space = f"{namespace}-{n}"
        body = {**runtime_app(bao, space), "name": f"cluster {n}"}
        if n % 4 == 1:  # a wrong secret: login fails
            body["auth"]["secret_id"] = "00000000-0000-0000-0000-000000000000"
            verdict = "failed: login"
        elif n % 4 == 2:  # a token that lives too long
            client = bao.client(namespace=space)
            role_id, secret_id = approle(client, role="long", ttl="48h", max_ttl="48h")
            body["auth"].update(role_id=role_id, secret_id=secret_id)
            verdict = "failed: ttl"
        elif n % 4 == 3:  # nobody there
            body["url"] = f"http://127.0.0.1:{free_port_pair()}"
            verdict = "error"
        else:
            verdict = "passed"
        target = services.target_create(integration=integration, actor=owner, data=body)
        expected[target.pk] = (space, verdict)
    before = connections_to_this_database()
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=20,
        perform_ping_check=False,
        shutdown_timeout=60,
    ):
        ids = [
            services.run_request(target=target, actor=owner).pk
            for target in integration.targets.all()
        ]
        runs = finished(ids)
        # Each thread closes its database connection after its task (the runs, and the
        # notifications they queued): none of the twenty stays open.
        wait_for(lambda: connections_to_this_database() <= before + 1)
    for run in runs.values():
        space, verdict = expected[run.target_id]
        results = checks(run)
        assert run.status == verdict.split(":")[0], (run.target.name, run.reason)
        assert len(results) == 13
        if verdict == "passed":
            assert results["namespace.access"].details["namespace"] == space
            assert results["secrets.kv-v2 apps-kv"].details["path"] == f"vip/vip-verify-{run.pk}"
        elif verdict == "failed: login":
            assert "invalid role or secret ID" in results["auth.login"].message
        elif verdict == "failed: ttl":
            assert results["auth.short_lived_token"].details["ttl"] == 48 * 3600


def test_a_run_stops_at_its_deadline_in_the_thread_pool(
    bao, namespace, integration, owner, not_eager, settings
):
    settings.VIP_RUN_TIME_LIMIT = 1
    with FaultyProxy(bao.port) as slow:
        slow.delay = 0.3  # every request held back: the run needs several seconds
        body = {**runtime_app(bao, namespace), "url": slow.url}
        target = services.target_create(integration=integration, actor=owner, data=body)
        with start_worker(
            celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30
        ):
            run = finished([services.run_request(target=target, actor=owner).pk])
    run = next(iter(run.values()))
    assert run.status == "error"
    assert run.reason == "The run did not finish within 1 seconds."
    statuses = [r.status for r in run.results.order_by("position")]
    stopped = statuses.index("error")
    assert 0 < stopped < len(statuses) - 1
    assert set(statuses[stopped + 1 : -1]) == {"skipped"}
    assert (run.finished_at - run.started_at).total_seconds() < 5


def test_a_slow_runs_progress_shows_before_it_ends(bao, namespace, integration, owner, not_eager):
    with FaultyProxy(bao.port) as slow:
        slow.delay = 0.15
        body = {**runtime_app(bao, namespace), "url": slow.url}
        target = services.target_create(integration=integration, actor=owner, data=body)
        with start_worker(
            celery_app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30
        ):
            run = services.run_request(target=target, actor=owner)
            live = wait_for(
                lambda: VerificationRun.objects.filter(
                    pk=run.pk, status="running", results__isnull=False
                ).exists()
            )
            assert live  # some results are stored while it still runs
            done = finished([run.pk])[run.pk]
    assert done.status == "passed", done.reason
    assert done.results.count() == 13
