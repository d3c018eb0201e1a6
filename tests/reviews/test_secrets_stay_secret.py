"""Credentials are encrypted before they reach the database and never come back out: not in
any table, response, page, admin page or log line."""

import logging

import pytest
from django.db import connection

from reviews import services
from reviews.models import VerificationTarget
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_target(bao, namespace, integration, owner, django_capture_on_commit_callbacks):
    body = runtime_app(bao, namespace)
    body["inspector_token"] = "s.inspector-token-value-7f3a"
    target = services.target_create(integration=integration, actor=owner, data=body)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_request(target=target, actor=owner)
    run.refresh_from_db()
    assert run.status == "passed", run.reason
    secrets = [body["auth"]["role_id"], body["auth"]["secret_id"], body["inspector_token"]]
    return target, run, secrets


def all_rows_as_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            chunks.append(repr(cursor.fetchall()))
    return "\n".join(chunks)


def test_no_table_holds_a_plaintext_secret(secret_target):
    target, _, secrets = secret_target
    dump = all_rows_as_text()
    for secret in secrets:
        assert secret not in dump
    assert target.credentials_ciphertext.startswith("vault:v1:")
    assert target.inspector_ciphertext.startswith("vault:v1:")


def test_no_response_or_page_returns_a_secret(secret_target, api, client_as, owner, admin):
    target, run, secrets = secret_target
    integration_id = target.integration_id
    api.as_user(owner)
    responses = [
        api.get(f"/api/v1/targets/{target.pk}/"),
        api.get(f"/api/v1/integrations/{integration_id}/targets/"),
        api.get(f"/api/v1/verifications/{run.pk}/"),
        api.get(f"/api/v1/integrations/{integration_id}/verifications/"),
        api.get(f"/api/v1/integrations/{integration_id}/"),
    ]
    client = client_as(owner)
    responses += [
        client.get(f"/integrations/{integration_id}/"),
        client.get(f"/targets/{target.pk}/edit/"),
        client.get(f"/verifications/{run.pk}/"),
    ]
    staff = client_as(admin)
    responses += [
        staff.get(f"/admin/reviews/verificationtarget/{target.pk}/change/"),
        staff.get("/admin/reviews/verificationtarget/"),
        staff.get(f"/admin/reviews/verificationrun/{run.pk}/change/"),
    ]
    for response in responses:
        assert response.status_code == 200
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body
        assert "vault:v1:" not in body  # not even the ciphertext


def test_no_log_line_holds_a_secret(
    bao, integration, owner, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    body = runtime_app(bao)
    body["auth"]["secret_id"] = "not-the-right-secret-id-94c1"
    target = services.target_create(integration=integration, actor=owner, data=body)
    with django_capture_on_commit_callbacks(execute=True):
        services.run_request(target=target, actor=owner)
    assert caplog.records  # the run did log
    logged = caplog.text  # messages and any traceback
    assert body["auth"]["secret_id"] not in logged
    assert body["auth"]["role_id"] not in logged


def test_ciphertexts_are_rewrapped_after_a_key_rotation(secret_target, program_bao, capsys):
    from django.core.management import call_command

    target, run, _ = secret_target
    program_bao.client().secrets.transit.rotate_key(name="vip-credentials")
    call_command("rewrap_credentials")
    assert "1 target" in capsys.readouterr().out
    target.refresh_from_db()
    assert target.credentials_ciphertext.startswith("vault:v2:")
    assert target.inspector_ciphertext.startswith("vault:v2:")
    # Still decryptable by the worker: a new run passes.
    VerificationTarget.objects.filter(pk=target.pk).update(name="after rotation")
    assert (
        services.run_execute(run_id=services.run_request(target=target, actor=run.requested_by).pk)
        == "passed"
    )
