"""Runs through a real Celery worker and the Redis broker (not eager mode), and a worker that
is killed while a run is `running`."""

import signal
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from config.celery_app import app as celery_app
from reviews import services
from reviews.models import VerificationRun
from tests.processes import ROOT, process_env, wait_for
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_run_goes_through_the_broker_and_a_real_worker(
    bao, namespace, integration, owner, not_eager
):
    target = services.target_create(
        integration=integration, actor=owner, data=runtime_app(bao, namespace)
    )
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        run = services.run_request(target=target, actor=owner)  # autocommit: queued now
        finished = wait_for(
            lambda: VerificationRun.objects.filter(pk=run.pk, finished_at__isnull=False).first()
        )
    assert finished.status == "passed", finished.reason
    assert finished.results.count() == 13
    assert finished.attempt == 1


def test_a_killed_worker_leaves_no_run_running(bao, integration, owner, not_eager, settings):
    with socket.socket() as silent:  # the target accepts the connection and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        body = runtime_app(bao)
        body["url"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
        target = services.target_create(integration=integration, actor=owner, data=body)
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=process_env(
                VIP_VAULT_ADDR=settings.VIP_VAULT_ADDR,
                VIP_VAULT_TOKEN=settings.VIP_VAULT_TOKEN,
                VIP_VAULT_READ_TIMEOUT="60",
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            run = services.run_request(target=target, actor=owner)
            wait_for(lambda: VerificationRun.objects.filter(pk=run.pk, status="running").exists())
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
    run.refresh_from_db()
    assert run.status == "running"  # the worker died mid-run
    later = timezone.now() + timedelta(seconds=settings.VIP_RUN_TIME_LIMIT + 61)
    assert services.runs_reap(now=later) == 1
    run.refresh_from_db()
    assert run.status == "error"
    assert (
        run.reason == "The run stopped before it finished (its worker stopped or it ran too long)."
    )
