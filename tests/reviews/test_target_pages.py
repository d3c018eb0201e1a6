"""The verification part of the integration page: targets, "Run verification", the live run
page, and credentials that never come back."""

import pytest

from reviews import services
from reviews.models import VerificationRun, VerificationTarget
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


def form_data(body: dict, **overrides) -> dict:
    data = {
        "name": body["name"],
        "kind": body["kind"],
        "url": body["url"],
        "namespace": body["namespace"],
        "ca_cert": "",
        "auth_method": "approle",
        "auth_mount_path": "approle",
        "role_id": body["auth"]["role_id"],
        "secret_id": body["auth"]["secret_id"],
        "mounts-TOTAL_FORMS": "2",
        "mounts-INITIAL_FORMS": "0",
        "mounts-MIN_NUM_FORMS": "0",
        "mounts-MAX_NUM_FORMS": "20",
        "mounts-0-path": "apps-kv",
        "mounts-0-type": "kv-v2",
        "mounts-0-writable_prefix": "vip",
    }
    data.update(overrides)
    return data


def test_a_partner_adds_a_target_from_the_integration_page(
    client_as, owner, integration, bao, namespace
):
    body = runtime_app(bao, namespace)
    client = client_as(owner)
    page = client.get(f"/integrations/{integration.pk}/")
    assert "No verification target yet." in page.content.decode()
    assert client.get(f"/integrations/{integration.pk}/targets/new/").status_code == 200
    response = client.post(f"/integrations/{integration.pk}/targets/new/", form_data(body))
    assert response.status_code == 302, response.context["form"].errors
    target = VerificationTarget.objects.get()
    assert target.secret_mounts == [{"path": "apps-kv", "type": "kv-v2", "writable_prefix": "vip"}]
    html = client.get(f"/integrations/{integration.pk}/").content.decode()
    assert "credentials set" in html and "Run verification" in html


def test_form_errors_land_on_their_fields(client_as, owner, integration, bao):
    body = runtime_app(bao)
    response = client_as(owner).post(
        f"/integrations/{integration.pk}/targets/new/",
        form_data(body, secret_id="", kind="hcp_vault", **{"mounts-0-writable_prefix": ""}),
    )
    assert response.status_code == 200
    form, mounts = response.context["form"], response.context["mounts"]
    assert set(form.errors) >= {"secret_id", "url", "namespace"}
    assert "writable_prefix" in mounts.forms[0].errors
    assert VerificationTarget.objects.count() == 0


def test_editing_never_shows_the_secrets_and_blank_keeps_them(client_as, owner, integration, bao):
    body = runtime_app(bao)
    target = services.target_create(integration=integration, actor=owner, data=body)
    stored = target.credentials_ciphertext
    client = client_as(owner)
    page = client.get(f"/targets/{target.pk}/edit/").content.decode()
    assert body["auth"]["secret_id"] not in page and body["auth"]["role_id"] not in page
    assert "Credentials are <strong>set</strong>" in page
    response = client.post(
        f"/targets/{target.pk}/edit/",
        form_data(body, name="renamed", role_id="", secret_id="", **{"mounts-INITIAL_FORMS": "1"}),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.name, target.credentials_ciphertext) == ("renamed", stored)


def test_run_verification_button_and_the_live_run_page(
    client_as, owner, integration, bao, django_capture_on_commit_callbacks
):
    target = services.target_create(integration=integration, actor=owner, data=runtime_app(bao))
    client = client_as(owner)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/targets/{target.pk}/verify/")
    run = VerificationRun.objects.get()
    assert response["Location"] == f"/verifications/{run.pk}/"
    queued = client.get(f"/verifications/{run.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in queued and "Waiting for a worker" in queued
    for callback in callbacks:
        callback()
    progress = client.get(f"/verifications/{run.pk}/progress/", HTTP_HX_REQUEST="true")
    html = progress.content.decode()
    assert "hx-trigger" not in html  # finished: polling stops
    assert "server.health" in html and "token.revoke" in html and "ms" in html
    assert "OpenBao 2.7.2" in html


def test_cancel_from_the_run_page(client_as, owner, integration, bao):
    target = services.target_create(integration=integration, actor=owner, data=runtime_app(bao))
    run = services.run_request(target=target, actor=owner)
    client = client_as(owner)
    assert "Cancel run" in client.get(f"/verifications/{run.pk}/").content.decode()
    client.post(f"/verifications/{run.pk}/cancel/")
    run.refresh_from_db()
    assert run.status == "cancelled"


def test_another_partner_sees_none_of_it(client_as, owner, outsider, integration, bao):
    target = services.target_create(integration=integration, actor=owner, data=runtime_app(bao))
    run = services.run_request(target=target, actor=owner)
    client = client_as(outsider)
    for url in [
        f"/integrations/{integration.pk}/targets/new/",
        f"/targets/{target.pk}/edit/",
        f"/verifications/{run.pk}/",
        f"/verifications/{run.pk}/progress/",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        f"/targets/{target.pk}/verify/",
        f"/targets/{target.pk}/delete/",
        f"/verifications/{run.pk}/cancel/",
    ]:
        assert client.post(url).status_code == 404, url


def test_deleting_a_target_keeps_its_runs(client_as, owner, integration, bao):
    target = services.target_create(integration=integration, actor=owner, data=runtime_app(bao))
    run = services.run_request(target=target, actor=owner)
    services.run_execute(run_id=run.pk)
    client_as(owner).post(f"/targets/{target.pk}/delete/")
    assert VerificationRun.objects.filter(pk=run.pk).exists()
    html = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert f"Run {run.pk}" in html


def test_a_plugin_login_and_probe_from_the_page(client_as, owner, integration, bao):
    body = runtime_app(bao)
    data = form_data(
        body,
        auth_method="plugin",
        auth_mount_path="acme-auth",
        auth_login_path="login",
        login_body='{"api_key": "k-123"}',
        plugin_name="vault-plugin-acme",
        plugin_type="secret",
        plugin_version="v1.0.0",
        plugin_mount_path="acme",
        plugin_probe_operation="read",
        plugin_probe_path="info",
        plugin_probe_expect="version, build",
    )
    client = client_as(owner)
    response = client.post(f"/integrations/{integration.pk}/targets/new/", data)
    assert response.status_code == 302, response.context["form"].errors
    target = VerificationTarget.objects.get()
    assert (target.auth_method, target.auth_login_path) == ("plugin", "login")
    assert target.plugin["probe"] == {
        "operation": "read",
        "path": "info",
        "body": None,
        "expect": ["version", "build"],
    }
    edit = client.get(f"/targets/{target.pk}/edit/").content.decode()
    assert "k-123" not in edit  # the login body is a secret
    assert 'value="version, build"' in edit


def test_plugin_errors_land_on_their_fields(client_as, owner, integration, bao):
    data = form_data(
        runtime_app(bao),
        auth_method="plugin",
        auth_mount_path="acme-auth",
        login_body="{not json",
        plugin_name="vault-plugin-acme",
        plugin_type="secret",
        plugin_version="v1.0.0",
        plugin_mount_path="acme",
        plugin_probe_operation="read",
        plugin_probe_path="info",
        plugin_probe_expect="",
    )
    response = client_as(owner).post(f"/integrations/{integration.pk}/targets/new/", data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"login_body", "plugin_probe_expect"}
    assert not VerificationTarget.objects.exists()
