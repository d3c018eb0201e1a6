"""Runs as the service runs them: queueing, one open run per target, cancellation,
idempotent and redelivered execution, the reaper, and a broker or program Vault that is down."""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import DomainError
from reviews import services
from reviews.models import CheckResult, VerificationRun, VerificationTarget
from tests.processes import run_with_broker_down
from tests.vault import free_port_pair, runtime_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(bao, integration, owner):
    return services.target_create(integration=integration, actor=owner, data=runtime_app(bao))


def test_a_request_queues_a_run_that_the_worker_finishes(
    target, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.run_request(target=target, actor=owner)
    assert (run.status, run.requested_by) == ("queued", owner)
    for callback in callbacks:
        callback()  # the commit: the (eager) task runs
    run.refresh_from_db()
    assert run.status == "passed"
    assert run.results.count() == 13


def test_only_one_open_run_per_target(target, owner):
    services.run_request(target=target, actor=owner)  # no commit in this test: stays queued
    with pytest.raises(DomainError) as caught:
        services.run_request(target=target, actor=owner)
    assert caught.value.code == "run_open"


def test_a_target_without_credentials_cannot_run(integration, owner):
    target = VerificationTarget.objects.create(
        integration=integration, name="empty", kind="vault_community", url="http://127.0.0.1:1"
    )
    with pytest.raises(DomainError) as caught:
        services.run_request(target=target, actor=owner)
    assert caught.value.code == "no_credentials"


def test_a_cancelled_run_is_not_executed(target, owner):
    run = services.run_request(target=target, actor=owner)
    services.run_cancel(run=run, actor=owner)
    assert services.run_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert (run.status, run.results.count()) == ("cancelled", 0)
    with pytest.raises(DomainError) as caught:
        services.run_cancel(run=run, actor=owner)
    assert caught.value.code == "run_finished"


def test_executing_a_finished_run_again_changes_nothing(target, owner):
    run = services.run_request(target=target, actor=owner)
    assert services.run_execute(run_id=run.pk) == "passed"
    finished_at = VerificationRun.objects.get(pk=run.pk).finished_at
    assert services.run_execute(run_id=run.pk) is None
    run.refresh_from_db()
    assert (run.status, run.finished_at, run.attempt) == ("passed", finished_at, 1)


def test_a_redelivered_run_starts_over(target, owner):
    """Its worker died mid-run: the message comes back (acks_late) to a run left `running`."""
    run = services.run_request(target=target, actor=owner)
    VerificationRun.objects.filter(pk=run.pk).update(status="running", attempt=1)
    CheckResult.objects.create(
        run=run, position=0, check_id="server.health", title="x", required=True, status="passed"
    )
    assert services.run_execute(run_id=run.pk) == "passed"
    run.refresh_from_db()
    assert run.attempt == 2
    assert run.results.filter(check_id="server.health").count() == 1


def test_a_run_interrupted_too_often_ends_in_error(target, owner, settings):
    run = services.run_request(target=target, actor=owner)
    VerificationRun.objects.filter(pk=run.pk).update(
        status="running", attempt=settings.VIP_RUN_MAX_ATTEMPTS
    )
    assert services.run_execute(run_id=run.pk) == "error"
    run.refresh_from_db()
    assert "interrupted too many times" in run.reason


def test_the_reaper_ends_runs_that_cannot_finish(target, owner, settings, integration, bao):
    now = timezone.now()
    stuck = services.run_request(target=target, actor=owner)
    VerificationRun.objects.filter(pk=stuck.pk).update(
        status="running", started_at=now - timedelta(seconds=settings.VIP_RUN_TIME_LIMIT + 61)
    )
    other = services.target_create(
        integration=integration, actor=owner, data={**runtime_app(bao), "name": "second"}
    )
    fresh = services.run_request(target=other, actor=owner)
    VerificationRun.objects.filter(pk=fresh.pk).update(status="running", started_at=now)
    assert services.runs_reap(now=now) == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, stuck.reason) == (
        "error",
        "The run stopped before it finished (its worker stopped or it ran too long).",
    )
    assert fresh.status == "running"
    later = now + timedelta(seconds=settings.VIP_RUN_QUEUED_LIMIT + settings.VIP_RUN_TIME_LIMIT)
    assert services.runs_reap(now=later) == 1
    assert VerificationRun.objects.filter(status__in=["queued", "running"]).count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_broker_that_is_down_leaves_no_phantom_run(target, owner):
    """A real request in a fresh process whose broker does not answer: the run it created
    ends `error` with a clear reason instead of staying queued for ever."""
    script = (
        "from django.db import transaction;"
        "from accounts.models import User; from reviews import services;"
        "from reviews.models import VerificationTarget;"
        f"target = VerificationTarget.objects.get(pk={target.pk});"
        f"owner = User.objects.get(pk={owner.pk});"
        "\nwith transaction.atomic(): run = services.run_request(target=target, actor=owner)"
        "\nprint(run.pk)"
    )
    result = run_with_broker_down(script)
    assert result.returncode == 0, result.stderr[-2000:]
    run = VerificationRun.objects.get(pk=int(result.stdout.strip().splitlines()[-1]))
    assert run.status == "error"
    assert "task queue is unavailable" in run.reason
    # Its notice could not be queued either: still owed, for the reaper to give.
    assert run.notice_pending


def test_a_program_vault_that_is_down_saves_nothing(integration, owner, settings, bao):
    settings.VIP_VAULT_ADDR = f"http://127.0.0.1:{free_port_pair()}"
    from reviews import program_vault

    program_vault.reset_client()
    with pytest.raises(DomainError) as caught:
        services.target_create(integration=integration, actor=owner, data=runtime_app(bao))
    assert (caught.value.status, caught.value.code) == (503, "program_vault_unavailable")
    assert VerificationTarget.objects.count() == 0


def test_a_program_vault_that_is_down_at_run_time_is_a_clear_error(target, owner, settings):
    run = services.run_request(target=target, actor=owner)
    settings.VIP_VAULT_ADDR = f"http://127.0.0.1:{free_port_pair()}"
    from reviews import program_vault

    program_vault.reset_client()
    assert services.run_execute(run_id=run.pk) == "error"
    run.refresh_from_db()
    assert "program's Vault is unavailable" in run.reason


def test_credentials_and_inspector_token_are_decrypted_in_one_batch(bao, integration, owner):
    """The worker reads both secrets of a target in one request to the program Vault, each in
    its place, and a target with only one of them gets only that one back."""
    from reviews import program_vault

    first, second = program_vault.encrypt({"n": 1}), program_vault.encrypt({"n": 2})
    assert program_vault.decrypt_many([second, first]) == [{"n": 2}, {"n": 1}]
    assert program_vault.decrypt_many([]) == []
    body = {**runtime_app(bao), "inspector_token": "hvs.inspector"}
    both = services.target_create(integration=integration, actor=owner, data=body)
    credentials, inspector = services._credentials(both)
    assert (credentials["secret_id"], inspector) == (body["auth"]["secret_id"], "hvs.inspector")
    VerificationTarget.objects.filter(pk=both.pk).update(inspector_ciphertext="")
    both.refresh_from_db()
    assert services._credentials(both)[1] is None


def test_stored_credentials_the_key_cannot_decrypt_end_the_run_with_a_clear_error(target, owner):
    """A ciphertext tampered with (or from another key) fails the whole batch: the run ends
    `error` asking for the credentials again, and no check runs."""
    stored = target.credentials_ciphertext
    tampered = stored[:-8] + ("A" * 8 if not stored.endswith("A" * 8) else "B" * 8)
    VerificationTarget.objects.filter(pk=target.pk).update(credentials_ciphertext=tampered)
    run = services.run_request(target=target, actor=owner)
    assert services.run_execute(run_id=run.pk) == "error"
    run.refresh_from_db()
    assert run.reason == "The stored credentials could not be read; enter them again on the target."
    assert run.results.count() == 0
