"""/api/v1/integrations/<id>/targets/ and /api/v1/targets/<id>/: validation, write-only
credentials, visibility."""

import pytest

from reviews.models import VerificationTarget
from tests.pki import client_ca_and_cert
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


def url(integration):
    return f"/api/v1/integrations/{integration.pk}/targets/"


@pytest.fixture
def body(bao):
    return runtime_app(bao)


def test_create_returns_the_target_without_secrets(api, owner, integration, body):
    response = api.as_user(owner).post(url(integration), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["auth"] == {"method": "approle", "mount_path": "approle", "credentials_set": True}
    assert data["inspector_set"] is False
    assert data["secret_mounts"][0] == {
        "path": "apps-kv",
        "type": "kv-v2",
        "writable_prefix": "vip",
    }
    text = response.content.decode()
    assert body["auth"]["secret_id"] not in text and body["auth"]["role_id"] not in text
    listed = api.get(url(integration)).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == data["id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "hcp_vault"}, "url"),  # http is not allowed for HCP Vault
        (
            {"kind": "hcp_vault", "url": "https://x.hashicorp.cloud", "namespace": "team"},
            "namespace",
        ),
        ({"kind": "cloud"}, "kind"),
        ({"url": "ftp://vault"}, "url"),
        ({"url": ""}, "url"),
        ({"name": ""}, "name"),
        ({"ca_cert": "not a certificate"}, "ca_cert"),
        ({"namespace": "bad namespace!"}, "namespace"),
        ({"auth": {"method": "approle", "role_id": "x"}}, "auth.secret_id"),
        ({"auth": {"method": "jwt", "jwt": "x"}}, "auth.role"),
        ({"auth": {"method": "magic"}}, "auth.method"),
        (
            {"auth": {"method": "approle", "mount_path": "a b", "role_id": "x", "secret_id": "y"}},
            "auth.mount_path",
        ),
        ({"auth": {"method": "cert", "client_cert": "x", "client_key": "y"}}, "auth.client_cert"),
        ({"auth": "approle"}, "auth"),
        ({"secret_mounts": [{"path": "/kv/", "type": "kv-v2"}]}, "secret_mounts.0.writable_prefix"),
        (
            {"secret_mounts": [{"path": "pki", "type": "pki", "role": "web"}]},
            "secret_mounts.0.common_name",
        ),
        (
            {"secret_mounts": [{"path": "x y", "type": "transit", "key": "k"}]},
            "secret_mounts.0.path",
        ),
        ({"secret_mounts": [{"path": "x", "type": "mongo"}]}, "secret_mounts.0.type"),
        ({"secret_mounts": "kv"}, "secret_mounts"),
        (
            {"secret_mounts": [{"path": "kv", "type": "kv-v2", "writable_prefix": "p"}] * 2},
            "secret_mounts.1.path",
        ),
        (
            {"plugin": {"name": "acme", "type": "thing", "version": "v1", "mount_path": "acme"}},
            "plugin.type",
        ),
        (
            {"plugin": {"name": "acme", "type": "secret", "version": "", "mount_path": "acme"}},
            "plugin.version",
        ),
        (
            {
                "plugin": {
                    "name": "acme",
                    "type": "secret",
                    "version": "v1",
                    "sha256": "abc",
                    "mount_path": "acme",
                }
            },
            "plugin.sha256",
        ),
        # A secrets-engine plugin is exercised by its probe: without one it cannot be verified.
        (
            {"plugin": {"name": "acme", "type": "secret", "version": "v1", "mount_path": "acme"}},
            "plugin.probe",
        ),
        (
            {
                "plugin": {
                    **{"name": "acme", "type": "database", "version": "v1", "mount_path": "db"},
                    "probe": {"operation": "delete", "path": "creds/app", "expect": ["username"]},
                }
            },
            "plugin.probe.operation",
        ),
        (
            {
                "plugin": {
                    **{"name": "acme", "type": "secret", "version": "v1", "mount_path": "acme"},
                    "probe": {"operation": "read", "path": "creds/app", "expect": []},
                }
            },
            "plugin.probe.expect",
        ),
        (
            {
                "plugin": {
                    **{"name": "acme", "type": "secret", "version": "v1", "mount_path": "acme"},
                    "probe": {"operation": "write", "path": "x", "body": [1], "expect": ["a"]},
                }
            },
            "plugin.probe.body",
        ),
        ({"auth": {"method": "plugin", "mount_path": "acme"}}, "auth.login_body"),
        ({"auth": {"method": "plugin", "login_body": "{not json"}}, "auth.login_body"),
        ({"auth": {"method": "plugin", "login_body": ["a"]}}, "auth.login_body"),
        ({"auth": {"method": "plugin", "login_path": "a b", "login_body": {}}}, "auth.login_path"),
        # Secrets are text: anything else would be stored as something else than was meant.
        ({"auth": {"method": "approle", "role_id": 123, "secret_id": "x"}}, "auth.role_id"),
        ({"auth": {"method": "userpass", "username": "u", "password": {"p": 1}}}, "auth.password"),
        # HCP Vault clusters live under hashicorp.cloud (server.edition would fail otherwise).
        ({"kind": "hcp_vault", "url": "https://vault.partner.example"}, "url"),
    ],
)
def test_bad_targets_get_field_errors(api, owner, integration, body, change, field):
    response = api.as_user(owner).post(url(integration), {**body, **change}, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert VerificationTarget.objects.count() == 0


def test_hcp_vault_accepts_https_and_admin_children(api, owner, integration, body):
    body.update(
        kind="hcp_vault",
        url="https://acme.vault.aws.hashicorp.cloud:8200",
        namespace="/admin/team-a/",
    )
    response = api.as_user(owner).post(url(integration), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["namespace"] == "admin/team-a"


def test_mount_paths_are_normalised(api, owner, integration, body):
    body["auth"]["mount_path"] = "/auth/team/approle/"
    body["secret_mounts"][0]["path"] = "/apps-kv/"
    data = api.as_user(owner).post(url(integration), body, format="json").json()
    assert data["auth"]["mount_path"] == "team/approle"
    assert data["secret_mounts"][0]["path"] == "apps-kv"


def test_a_cert_login_needs_parseable_pem(api, owner, integration, body):
    pki = client_ca_and_cert()
    body["auth"] = {
        "method": "cert",
        "role": "app",
        "client_cert": pki["cert"],
        "client_key": pki["key"],
    }
    body["ca_cert"] = pki["ca"]
    response = api.as_user(owner).post(url(integration), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["auth"]["role"] == "app"
    assert pki["key"] not in response.content.decode()


def test_patch_keeps_secrets_unless_replaced(api, owner, integration, body):
    target = api.as_user(owner).post(url(integration), body, format="json").json()
    stored = VerificationTarget.objects.get(pk=target["id"]).credentials_ciphertext
    detail = f"/api/v1/targets/{target['id']}/"
    response = api.patch(
        detail, {"name": "renamed", "auth": {"mount_path": "approle"}}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert VerificationTarget.objects.get(pk=target["id"]).credentials_ciphertext == stored
    response = api.patch(detail, {"auth": {"method": "userpass", "username": "u"}}, format="json")
    assert response.status_code == 400
    assert "auth.password" in response.json()["errors"]
    response = api.patch(detail, {"auth": {"role_id": "new", "secret_id": "new"}}, format="json")
    assert response.status_code == 200
    assert VerificationTarget.objects.get(pk=target["id"]).credentials_ciphertext != stored


def test_inspector_token_is_set_and_removed(api, owner, integration, body):
    body["inspector_token"] = "s.inspector-secret"
    target = api.as_user(owner).post(url(integration), body, format="json").json()
    assert target["inspector_set"] is True
    detail = f"/api/v1/targets/{target['id']}/"
    assert api.patch(detail, {"inspector_token": ""}, format="json").json()["inspector_set"]
    assert not api.patch(detail, {"remove_inspector": True}, format="json").json()["inspector_set"]


def test_delete_archives_and_destroys_credentials(api, owner, integration, body):
    target = api.as_user(owner).post(url(integration), body, format="json").json()
    detail = f"/api/v1/targets/{target['id']}/"
    assert api.delete(detail).status_code == 204
    assert api.get(detail).status_code == 404
    row = VerificationTarget.objects.get(pk=target["id"])
    assert row.archived_at is not None
    assert (row.credentials_ciphertext, row.inspector_ciphertext) == ("", "")
    assert api.get(url(integration)).json()["count"] == 0


@pytest.mark.parametrize("role", ["outsider", "anonymous"])
def test_outsiders_cannot_see_or_touch_targets(api, people, owner, integration, body, role):
    target = api.as_user(owner).post(url(integration), body, format="json").json()
    expected = 404 if role == "outsider" else 401
    api.as_user(people[role])
    assert api.get(url(integration)).status_code == expected
    assert api.post(url(integration), body, format="json").status_code == expected
    detail = f"/api/v1/targets/{target['id']}/"
    assert api.get(detail).status_code == expected
    assert api.patch(detail, {"name": "mine"}, format="json").status_code == expected
    assert api.delete(detail).status_code == expected


@pytest.mark.parametrize("role", ["member", "reviewer", "admin"])
def test_members_and_staff_manage_targets(api, people, integration, body, role):
    response = api.as_user(people[role]).post(url(integration), body, format="json")
    assert response.status_code == 201


def test_a_body_that_is_not_an_object_is_a_400(api, owner, integration):
    response = api.as_user(owner).post(url(integration), ["a", "list"], format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "bad\x00name"}, "name"),
        ({"auth": {"method": "approle", "role_id": "a\x00", "secret_id": "b"}}, "auth.role_id"),
        ({"namespace": "a" * 201}, "namespace"),
        ({"url": "https://vault.example.com/" + "a" * 200}, "url"),
    ],
)
def test_nul_characters_and_overlong_values_are_field_errors(
    api, owner, integration, body, change, field
):
    response = api.as_user(owner).post(url(integration), {**body, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_a_target_with_runs_keeps_what_it_verified(api, owner, integration, body):
    from reviews import services
    from reviews.models import VerificationTarget

    target = api.as_user(owner).post(url(integration), body, format="json").json()
    services.run_request(target=VerificationTarget.objects.get(pk=target["id"]), actor=owner)
    detail = f"/api/v1/targets/{target['id']}/"
    moved = api.patch(
        detail,
        {"kind": "hcp_vault", "url": "https://x.hashicorp.cloud", "namespace": "admin"},
        format="json",
    )
    assert (moved.status_code, moved.json()["code"]) == (409, "target_has_runs")
    assert api.patch(detail, {"name": "renamed"}, format="json").status_code == 200


def test_private_addresses_are_refused_outside_development(api, owner, integration, body, settings):
    settings.VIP_ALLOW_PRIVATE_TARGETS = False
    for address in ("http://127.0.0.1:8200", "http://10.0.0.5:8200", "http://169.254.169.254"):
        response = api.as_user(owner).post(
            url(integration), {**body, "url": address}, format="json"
        )
        assert response.status_code == 400, address
        assert "private, loopback or link-local" in response.json()["errors"]["url"][0]


def test_a_plugin_login_stores_its_body_as_a_secret(api, owner, integration, body):
    secret = "plugin-api-key-3f9a"
    body["auth"] = {
        "method": "plugin",
        "mount_path": "auth/acme-auth/",
        "login_path": "/login/app/",
        "login_body": {"api_key": secret, "team": 7},
    }
    response = api.as_user(owner).post(url(integration), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["auth"] == {
        "method": "plugin",
        "mount_path": "acme-auth",
        "login_path": "login/app",
        "credentials_set": True,
    }
    assert secret not in response.content.decode()
    target = VerificationTarget.objects.get()
    assert secret not in target.credentials_ciphertext
    from reviews import program_vault

    stored = program_vault.decrypt(target.credentials_ciphertext)
    assert stored["login_body"] == {"api_key": secret, "team": 7}  # JSON, not its repr


def test_a_probe_is_stored_with_the_plugin(api, owner, integration, body):
    body["plugin"] = {
        "name": "vault-plugin-acme",
        "type": "secret",
        "version": "v1.0.0",
        "mount_path": "acme",
        "probe": {"operation": "write", "path": "/issue/app/", "body": {"ttl": "1h"},
                  "expect": ["token", " lease "]},
    }  # fmt: skip
    response = api.as_user(owner).post(url(integration), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["plugin"]["probe"] == {
        "operation": "write",
        "path": "issue/app",
        "body": {"ttl": "1h"},
        "expect": ["token", "lease"],
    }


def test_with_an_egress_proxy_no_host_name_is_resolved_on_save(
    api, owner, integration, body, settings
):
    # The proxy applies the address policy: the program must not resolve (and so must not
    # refuse or leak a lookup of) the partner's name itself.
    settings.VIP_ALLOW_PRIVATE_TARGETS = False
    settings.VIP_EGRESS_PROXY = "http://127.0.0.1:1"
    for address in ("https://vault.partner.invalid:8200", "http://10.0.0.5:8200"):
        response = api.as_user(owner).post(
            url(integration), {**body, "url": address, "name": address}, format="json"
        )
        assert response.status_code == 201, response.json()


def test_a_deleted_target_stays_deleted(api, owner, integration, body):
    from reviews import services
    from reviews.models import VerificationTarget

    created = api.as_user(owner).post(url(integration), body, format="json").json()
    stale = VerificationTarget.objects.get(pk=created["id"])
    api.delete(f"/api/v1/targets/{created['id']}/")
    from config.errors import DomainError

    with pytest.raises(DomainError) as caught:
        services.target_update(target=stale, actor=owner, data={"name": "back?"})
    assert caught.value.code == "target_deleted"
    assert VerificationTarget.objects.get(pk=created["id"]).archived_at is not None


# --- Non-text secrets are refused, never stored as their Python repr (issue 15 §4) -----------


@pytest.mark.parametrize("value", [12345, ["a", "b"], {"secret": "x"}, True])
def test_a_non_text_app_secret_is_a_400(api, owner, integration, body, value):
    body["auth"]["secret_id"] = value
    response = api.as_user(owner).post(url(integration), body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["auth.secret_id"] == ["This must be text."]
    assert not VerificationTarget.objects.exists()


@pytest.mark.parametrize("value", [12345, {"token": "x"}])
def test_a_non_text_inspector_token_is_a_400(api, owner, integration, body, value):
    body["inspector_token"] = value
    response = api.as_user(owner).post(url(integration), body, format="json")
    assert response.status_code == 400
    assert "inspector_token" in response.json()["errors"]
