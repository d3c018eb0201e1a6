"""auth.* and token.revoke on a real OpenBao: each check passing and failing."""

import hvac.exceptions
import pytest

from tests.pki import client_ca_and_cert, jwt_signer
from tests.reviews.conftest import checks
from tests.vault import app_policy, approle, jwt_login, runtime_app

pytestmark = pytest.mark.django_db


def summary(run) -> dict:
    return {key: (r.status, r.message) for key, r in checks(run).items()}


def test_a_wrong_secret_id_fails_login_with_the_servers_message(
    bao, namespace, integration, owner, verify
):
    body = runtime_app(bao, namespace)
    body["auth"]["secret_id"] = "00000000-0000-0000-0000-000000000000"
    run = verify(integration, body, owner)
    results = checks(run)
    assert run.status == "failed"
    assert results["auth.login"].status == "failed"
    assert "invalid role or secret ID" in results["auth.login"].message
    for later in ("auth.short_lived_token", "auth.least_privilege", "secrets.kv-v2 apps-kv"):
        assert results[later].status == "skipped"
        assert "auth.login did not pass" in results[later].message
    assert results["token.revoke"].status == "skipped"
    assert run.reason == (
        "auth.login: Expected the app to log in at its auth mount; the server answered "
        "HTTP 400 (invalid request): “invalid role or secret ID”."
    )


def test_a_root_token_fails_the_token_rules(bao, integration, owner, verify):
    body = runtime_app(bao)
    body["auth"] = {"method": "token", "token": "root"}
    run = verify(integration, body, owner)
    results = checks(run)
    assert run.status == "failed"
    assert results["auth.non_token_method"].status == "failed"
    assert results["auth.login"].status == "passed"
    assert results["auth.short_lived_token"].message == (
        "Expected a token with the app's own policies; the server gave a root token."
    )
    assert results["auth.least_privilege"].status == "failed"
    assert results["token.revoke"].status == "skipped"  # never revoke a handed-over token
    assert bao.client().auth.token.lookup_self()["data"]["id"] == "root"


def test_non_token_method_is_informational_for_audit_integrations(bao, partner, owner, verify):
    from tests.factories import IntegrationFactory

    audit = IntegrationFactory(partner=partner, category="audit")
    body = runtime_app(bao)
    body["auth"] = {"method": "token", "token": "root"}
    run = verify(audit, body, owner)
    assert checks(run)["auth.non_token_method"].required is False


def test_a_long_lived_token_fails_short_lived(bao, namespace, integration, owner, verify):
    body = runtime_app(bao, namespace, ttl="48h", max_ttl="72h")
    run = verify(integration, body, owner)
    result = checks(run)["auth.short_lived_token"]
    assert result.status == "failed"
    assert result.message == "Expected a TTL of at most 24 h; the app's token lives 48 h."
    assert run.status == "failed"


def test_a_periodic_token_without_max_ttl_fails_short_lived(
    bao, namespace, integration, owner, verify
):
    body = runtime_app(bao, namespace, ttl="1h", max_ttl="1h", token_period="1h")
    run = verify(integration, body, owner)
    result = checks(run)["auth.short_lived_token"]
    assert result.status == "failed"
    assert "periodic" in result.message


def test_a_periodic_token_renewable_for_ten_years_fails_short_lived(
    bao, namespace, integration, owner, verify
):
    # A 24 h period passes the TTL rule; an explicit max TTL of ten years makes it a token that
    # lives as long as it is renewed.
    body = runtime_app(
        bao, namespace, ttl="1h", max_ttl="1h", token_period="24h", token_explicit_max_ttl="87600h"
    )
    run = verify(integration, body, owner)
    result = checks(run)["auth.short_lived_token"]
    assert (result.status, run.status) == ("failed", "failed")
    assert result.message == (
        "Expected an explicit max TTL of at most 768 h; the app's token may be renewed for 87600 h."
    )
    assert result.details["explicit_max_ttl"] == 87600 * 3600


def test_a_periodic_token_bounded_within_the_lifetime_passes(
    bao, namespace, integration, owner, verify
):
    body = runtime_app(
        bao, namespace, ttl="1h", max_ttl="1h", token_period="1h", token_explicit_max_ttl="72h"
    )
    run = verify(integration, body, owner)
    result = checks(run)["auth.short_lived_token"]
    assert result.status == "passed", result.message
    assert result.message == "The app's token expires after 1 h, renewable up to 72 h."
    assert run.status == "passed", summary(run)


def test_the_token_lifetime_bound_is_a_setting(
    bao, namespace, integration, owner, verify, settings
):
    settings.VIP_MAX_TOKEN_LIFETIME = 48 * 3600
    body = runtime_app(
        bao, namespace, ttl="1h", max_ttl="1h", token_period="1h", token_explicit_max_ttl="72h"
    )
    result = checks(verify(integration, body, owner))["auth.short_lived_token"]
    assert result.status == "failed"
    assert "at most 48 h" in result.message


def test_a_token_that_can_manage_mounts_fails_least_privilege(
    bao, namespace, integration, owner, verify
):
    body = runtime_app(bao, namespace)
    client = bao.client(namespace=namespace)
    app_policy(client, "admin-ish", 'path "sys/mounts" { capabilities = ["read", "update"] }')
    role_id, secret_id = approle(client, role="broad", policies=("app", "admin-ish"))
    body["auth"].update(role_id=role_id, secret_id=secret_id)
    run = verify(integration, body, owner)
    result = checks(run)["auth.least_privilege"]
    assert result.status == "failed"
    assert "sys/mounts (read, update)" in result.message
    assert result.details["capabilities"]["sys/auth"] == ["deny"]


SUB_PATHS = """
path "sys/mounts/*" { capabilities = ["create", "update", "sudo"] }
path "sys/auth/*" { capabilities = ["create", "update", "sudo"] }
path "sys/policies/acl/*" { capabilities = ["create", "update", "sudo"] }
"""


def test_grants_below_the_management_roots_fail_least_privilege(
    bao, namespace, integration, owner, verify
):
    # The way around a check that asks only about the roots: grant every path below them.
    # With this policy the token mounts engines and rewrites its own policy to `path "*"`.
    body = runtime_app(bao, namespace)
    client = bao.client(namespace=namespace)
    app_policy(client, "sub-paths", SUB_PATHS)
    role_id, secret_id = approle(client, role="sub-paths", policies=("app", "sub-paths"))
    body["auth"].update(role_id=role_id, secret_id=secret_id)
    token = bao.client(namespace=namespace, token=None).auth.approle.login(
        role_id=role_id, secret_id=secret_id, use_token=False
    )["auth"]["client_token"]
    abuser = bao.client(namespace=namespace, token=token)
    abuser.sys.enable_secrets_engine("kv", path="mounted-by-the-app")  # the grant is real
    abuser.adapter.put("/v1/sys/policies/acl/sub-paths", json={"policy": SUB_PATHS})
    run = verify(integration, body, owner)
    result = checks(run)["auth.least_privilege"]
    assert (result.status, run.status) == ("failed", "failed")
    for path in ("sys/mounts/<any path>", "sys/auth/<any path>", "sys/policies/acl/<any path>"):
        assert f"{path} (create, sudo, update)" in result.message
    assert "sys/mounts (" not in result.message  # the roots themselves are denied
    assert result.details["capabilities"]["sys/policy/<any path>"] == ["deny"]


@pytest.mark.parametrize(
    "rules,named",
    [
        ('path "sys/policy/*" { capabilities = ["update"] }', "sys/policy/<any path> (update)"),
        ('path "sys/audit" { capabilities = ["read", "sudo"] }', "sys/audit (read, sudo)"),
        ('path "sys/audit/*" { capabilities = ["sudo", "update"] }', "sys/audit/<any path>"),
        ('path "sys/*" { capabilities = ["read"] }', "sys/auth (read)"),
    ],
)
def test_each_management_path_is_asked_about(
    bao, namespace, integration, owner, verify, rules, named
):
    body = runtime_app(bao, namespace)
    client = bao.client(namespace=namespace)
    app_policy(client, "extra", rules)
    role_id, secret_id = approle(client, role="extra", policies=("app", "extra"))
    body["auth"].update(role_id=role_id, secret_id=secret_id)
    result = checks(verify(integration, body, owner))["auth.least_privilege"]
    assert result.status == "failed"
    assert named in result.message


def test_the_minted_token_is_revoked_at_the_end(bao, namespace, integration, owner, verify):
    client = bao.client(namespace=namespace or None)
    run = verify(integration, runtime_app(bao, namespace), owner)
    assert checks(run)["token.revoke"].status == "passed"
    try:
        accessors = client.adapter.list("/v1/auth/token/accessors")["data"]["keys"]
    except hvac.exceptions.InvalidPath:  # no token at all in the namespace
        accessors = []
    roles = [
        client.auth.token.lookup_accessor(accessor)["data"].get("path") for accessor in accessors
    ]
    assert "auth/approle/login" not in roles  # no app token left behind


def test_userpass_logs_in(bao, namespace, integration, owner, verify):
    body = runtime_app(bao, namespace)
    client = bao.client(namespace=namespace)
    client.sys.enable_auth_method("userpass")
    client.write(
        "auth/userpass/users/app", password="app-password", token_policies=["app"], token_ttl="30m"
    )
    body["auth"] = {"method": "userpass", "username": "app", "password": "app-password"}
    run = verify(integration, body, owner)
    assert run.status == "passed", summary(run)


def test_jwt_logs_in_and_a_bad_signature_fails(bao, namespace, integration, owner, verify):
    public, sign = jwt_signer()
    body = runtime_app(bao, namespace)
    auth = jwt_login(bao.client(namespace=namespace), public)
    token = sign({"iss": "partner-ci", "aud": "vault", "sub": "pipeline-1"})
    body["auth"] = {**auth, "jwt": token}
    run = verify(integration, body, owner)
    assert run.status == "passed", summary(run)
    _, other_sign = jwt_signer()
    body["auth"]["jwt"] = other_sign({"iss": "partner-ci", "aud": "vault", "sub": "x"})
    body["name"] = "forged"
    forged = verify(integration, body, owner)
    assert checks(forged)["auth.login"].status == "failed"


def test_cert_auth_logs_in_with_the_client_certificate(
    bao_tls, namespace, integration, owner, verify
):
    pki = client_ca_and_cert()
    body = runtime_app(bao_tls, namespace)
    client = bao_tls.client(namespace=namespace)
    client.sys.enable_auth_method("cert")
    client.write(
        "auth/cert/certs/app", certificate=pki["ca"], token_policies=["app"], token_ttl="20m"
    )
    body["auth"] = {
        "method": "cert",
        "role": "app",
        "client_cert": pki["cert"],
        "client_key": pki["key"],
    }
    run = verify(integration, body, owner)
    assert run.status == "passed", summary(run)
    stranger = client_ca_and_cert("stranger")
    body["auth"].update(client_cert=stranger["cert"], client_key=stranger["key"])
    body["name"] = "stranger"
    refused = verify(integration, body, owner)
    assert checks(refused)["auth.login"].status == "failed"


def test_a_wrong_namespace_fails_the_login_there(bao, namespace, integration, owner, verify):
    body = runtime_app(bao, namespace)
    body["namespace"] = namespace + "-typo"
    run = verify(integration, body, owner)
    results = checks(run)
    assert results["auth.login"].status == "failed"
    assert "namespace not found" in results["auth.login"].message
    assert results["namespace.access"].status == "skipped"
    assert results["namespace.access"].required is True
    assert results["enterprise.features"].details["features"] == []
    assert run.status == "failed"


def test_a_namespace_a_server_does_not_enforce_fails_and_is_no_feature(
    community, integration, owner, verify
):
    # Vault Community ignores X-Vault-Namespace: the app logs in at the root namespace's AppRole
    # whatever namespace is declared, so "it works in admin/team" proves nothing.
    body = runtime_app(community)
    body["namespace"] = "admin/team-a"
    run = verify(integration, body, owner)
    results = checks(run)
    assert results["auth.login"].status == "passed"
    result = results["namespace.access"]
    assert (result.status, result.required) == ("failed", True)
    assert result.message == (
        "Expected the app's token to belong to namespace admin/team-a; the server reports it "
        "in the root namespace, so the server does not enforce the declared namespace."
    )
    assert results["enterprise.features"].details["features"] == []
    assert run.status == "failed"
    assert run.detected_edition == "vault_community"


def test_a_namespace_the_server_enforces_passes_and_counts(
    bao, namespace, integration, owner, verify
):
    run = verify(integration, runtime_app(bao, namespace), owner)
    results = checks(run)
    assert results["namespace.access"].status == "passed"
    assert results["namespace.access"].message == (
        f"The app's token belongs to namespace {namespace}, as the server reports."
    )
    assert results["enterprise.features"].details["features"] == ["namespaces"]


def test_no_namespace_skips_namespace_access(bao, integration, owner, verify):
    run = verify(integration, runtime_app(bao), owner)
    result = checks(run)["namespace.access"]
    assert (result.status, result.required) == ("skipped", False)
    assert run.status == "passed"


def test_a_token_that_may_not_revoke_itself_is_reported_but_does_not_fail_the_run(
    bao, namespace, integration, owner, verify
):
    body = runtime_app(bao, namespace)
    client = bao.client(namespace=namespace)
    # Without the default policy the token may not call auth/token/revoke-self; it may still
    # look itself up and read its own capabilities.
    app_policy(
        client,
        "self-service",
        """
        path "auth/token/lookup-self" { capabilities = ["read"] }
        path "sys/capabilities-self" { capabilities = ["update"] }
    """,
    )
    role_id, secret_id = approle(
        client, role="no-default", policies=("app", "self-service"), token_no_default_policy=True
    )
    body["auth"].update(role_id=role_id, secret_id=secret_id)
    run = verify(integration, body, owner)
    result = checks(run)["token.revoke"]
    assert (result.status, result.required) == ("failed", False)
    assert "permission denied" in result.message
    assert run.status == "passed"
