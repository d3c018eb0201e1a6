"""plugin.*, audit.device, seal.hsm and enterprise.features: passing and failing."""

import hashlib

import pytest

from reviews.verification.base import RunContext
from reviews.verification.enterprise import enterprise_features
from reviews.verification.seal import seal_hsm
from tests.factories import IntegrationFactory
from tests.fake_vault import FakeVault
from tests.reviews.conftest import checks
from tests.vault import BaoServer, app_policy, documented_inspector_policy, runtime_app

pytestmark = pytest.mark.django_db


def inspector_token(server, namespace: str = "") -> str:
    """A read-only token for the catalog, audit and mount APIs, as the README tells an operator
    to issue it: in the root namespace, the target's namespace paths prefixed."""
    client = server.client()
    name = f"vip-inspector-{namespace.replace('/', '-')}" if namespace else "vip-inspector"
    app_policy(client, name, documented_inspector_policy(namespace, "unconfigured-db"))
    return client.auth.token.create(policies=[name], ttl="1h")["auth"]["client_token"]


@pytest.fixture(scope="session")
def bao_plugins():
    """A server with a plugin directory (its own folder), where tests register plugins."""
    server = BaoServer(config='plugin_directory = "{dir}"\n').start()
    yield server
    server.stop()


def register_plugin(server, name: str, version: str) -> str:
    """Put a small executable in the plugin directory and register it at `version`, as a
    partner registers its plugin; returns its SHA-256. (It is never run: registering does not
    start a plugin, and this machine cannot build a real one.)"""
    executable = server.dir / name
    executable.write_text(f"#!/bin/sh\n# {name} {version}\nexit 1\n")
    executable.chmod(0o755)
    sha256 = hashlib.sha256(executable.read_bytes()).hexdigest()
    server.client().adapter.put(
        f"/v1/sys/plugins/catalog/secret/{name}",
        json={"sha256": sha256, "command": name, "version": version},
    )
    return sha256


@pytest.fixture
def secrets_plugin(partner):
    return IntegrationFactory(partner=partner, category="secrets_engine")


@pytest.fixture
def auth_plugin(partner):
    return IntegrationFactory(partner=partner, category="auth_method")


TRANSIT_PROBE = {
    "operation": "write",
    "path": "encrypt/app-key",
    "body": {"plaintext": "cHJvYmU="},
    "expect": ["ciphertext"],
}


def builtin_plugin(name="transit", version="v2.7.2+builtin.bao", mount_path="apps-transit"):
    """HashiCorp's (here OpenBao's) own engine, declared as if it were the partner's plugin."""
    return {
        "name": name,
        "type": "secret",
        "version": version,
        "mount_path": mount_path,
        "probe": TRANSIT_PROBE,
    }


def test_a_builtin_declared_as_the_partners_plugin_fails(bao, secrets_plugin, owner, verify):
    body = runtime_app(bao)
    body["plugin"] = builtin_plugin()
    body["inspector_token"] = inspector_token(bao)
    run = verify(secrets_plugin, body, owner)
    results = checks(run)
    registered = results["plugin.registered transit"]
    assert (registered.status, registered.required) == ("failed", True)
    assert registered.message == (
        "Expected the partner's own plugin; transit v2.7.2+builtin.bao is built into the "
        "server, so it proves nothing about the partner's plugin."
    )
    assert registered.details["builtin"] is True
    # It runs and answers, but that is OpenBao's transit at work, not a partner's plugin.
    assert results["plugin.mounted transit"].status == "passed"
    assert results["plugin.exercised transit"].status == "passed"
    assert run.status == "failed"


def test_an_external_plugin_at_its_declared_version_passes_registered(
    bao_plugins, secrets_plugin, owner, verify
):
    sha256 = register_plugin(bao_plugins, "vault-plugin-acme", "v1.0.0")
    body = runtime_app(bao_plugins)
    body["plugin"] = {
        "name": "vault-plugin-acme",
        "type": "secret",
        "version": "v1.0.0",
        "sha256": sha256,
        "mount_path": "acme",
        "probe": {"operation": "read", "path": "info", "expect": ["version"]},
    }
    body["inspector_token"] = inspector_token(bao_plugins)
    run = verify(secrets_plugin, body, owner)
    results = checks(run)
    registered = results["plugin.registered vault-plugin-acme"]
    assert registered.status == "passed", registered.message
    assert registered.message == "vault-plugin-acme v1.0.0 is an external plugin in the catalog."
    assert registered.details == {"version": "v1.0.0", "builtin": False, "sha256": sha256}
    # Registered is not mounted, and mounted is not exercised: the run still fails.
    assert results["plugin.mounted vault-plugin-acme"].message == (
        "Expected vault-plugin-acme mounted at acme; nothing is mounted there."
    )
    assert results["plugin.exercised vault-plugin-acme"].status == "failed"
    assert run.status == "failed"


@pytest.mark.parametrize(
    "declared,message",
    [
        (
            {"version": "v2.0.0"},
            "Expected vault-plugin-beta v2.0.0 in the plugin catalog (secret); the catalog has "
            "no entry at that version.",
        ),
        ({"sha256": "0" * 64}, "Expected SHA-256 0000000000000000"),
    ],
)
def test_an_external_plugin_at_another_version_or_checksum_fails(
    bao_plugins, secrets_plugin, owner, verify, declared, message
):
    sha256 = register_plugin(bao_plugins, "vault-plugin-beta", "v1.0.0")
    body = runtime_app(bao_plugins)
    body["plugin"] = {
        "name": "vault-plugin-beta",
        "type": "secret",
        "version": "v1.0.0",
        "sha256": sha256,
        "mount_path": "beta",
        "probe": {"operation": "read", "path": "info", "expect": ["version"]},
        **declared,
    }
    body["inspector_token"] = inspector_token(bao_plugins)
    result = checks(verify(secrets_plugin, body, owner))["plugin.registered vault-plugin-beta"]
    assert result.status == "failed"
    assert result.message.startswith(message)
    assert "None" not in result.message


def test_a_wrong_mount_fails_mounted(bao, secrets_plugin, owner, verify):
    body = runtime_app(bao)
    body["plugin"] = builtin_plugin(mount_path="apps-kv")
    body["inspector_token"] = inspector_token(bao)
    result = checks(verify(secrets_plugin, body, owner))["plugin.mounted transit"]
    assert result.status == "failed"
    assert result.message == "Expected transit at apps-kv; the server runs kv there."


def test_a_secrets_plugin_must_answer_its_probe(bao, secrets_plugin, owner, verify):
    body = runtime_app(bao)
    body["plugin"] = builtin_plugin()
    body["plugin"]["probe"] = {**TRANSIT_PROBE, "expect": ["ciphertext", "key_version", "nonce"]}
    body["inspector_token"] = inspector_token(bao)
    result = checks(verify(secrets_plugin, body, owner))["plugin.exercised transit"]
    assert (result.status, result.required) == ("failed", True)
    assert result.message.startswith(
        "Expected write apps-transit/encrypt/app-key to answer with ciphertext, key_version, "
        "nonce; it lacked nonce (the answer had: "
    )


def test_a_probe_the_app_may_not_call_fails(bao, secrets_plugin, owner, verify):
    body = runtime_app(bao)
    body["plugin"] = builtin_plugin()
    body["plugin"]["probe"] = {"operation": "read", "path": "keys/app-key", "expect": ["name"]}
    body["inspector_token"] = inspector_token(bao)
    result = checks(verify(secrets_plugin, body, owner))["plugin.exercised transit"]
    assert result.status == "failed"
    assert result.message == (
        "Expected read apps-transit/keys/app-key to answer with data; the server answered "
        "HTTP 403 (permission denied): “permission denied”."
    )


def plugin_login_app(server, namespace=""):
    """An auth method mounted at `partner-auth` that the app logs in through (the plugin login
    method: a JSON body posted to auth/<mount>/<login path>). OpenBao's userpass stands in for
    the partner's auth plugin, which this machine cannot build."""
    body = runtime_app(server, namespace)
    client = server.client(namespace=namespace or None)
    client.sys.enable_auth_method("userpass", path="partner-auth")
    client.write(
        "auth/partner-auth/users/app",
        password="plugin-pass",
        token_policies=["app"],
        token_ttl="20m",
    )
    body["auth"] = {
        "method": "plugin",
        "mount_path": "partner-auth",
        "login_path": "login/app",
        "login_body": {"password": "plugin-pass"},
    }
    body["plugin"] = {
        "name": "userpass",
        "type": "auth",
        "version": "v2.7.2+builtin.bao",
        "mount_path": "partner-auth",
    }
    body["inspector_token"] = inspector_token(server)
    return body


def test_an_auth_plugin_is_exercised_by_logging_in_through_it(
    bao, namespace, auth_plugin, owner, verify
):
    body = plugin_login_app(bao, namespace)
    body["inspector_token"] = inspector_token(bao, namespace)
    run = verify(auth_plugin, body, owner)
    results = checks(run)
    assert results["auth.login"].status == "passed", results["auth.login"].message
    assert results["auth.non_token_method"].status == "passed"
    exercised = results["plugin.exercised userpass"]
    assert (exercised.status, exercised.required) == ("passed", True)
    assert exercised.message == "The app logged in through userpass (auth/partner-auth/login/app)."
    assert results["plugin.mounted userpass"].status == "passed"
    assert results["plugin.registered userpass"].status == "failed"  # a built-in, after all


def test_an_auth_plugin_the_app_does_not_log_in_through_fails(
    bao, namespace, auth_plugin, owner, verify
):
    body = plugin_login_app(bao, namespace)
    body["inspector_token"] = inspector_token(bao, namespace)
    approle_body = runtime_app(bao, namespace)
    body["auth"] = approle_body["auth"]  # the app logs in with AppRole instead
    result = checks(verify(auth_plugin, body, owner))["plugin.exercised userpass"]
    assert result.status == "failed"
    assert result.message == (
        "Expected the app to log in through the plugin's mount auth/partner-auth; the server "
        "says its token was created at auth/approle/login."
    )


def test_an_unconfigured_database_mount_is_not_a_mounted_plugin(bao, secrets_plugin, owner, verify):
    client = bao.client()
    if "unconfigured-db/" not in client.sys.list_mounted_secrets_engines()["data"]:
        client.sys.enable_secrets_engine("database", path="unconfigured-db")
    body = runtime_app(bao)
    body["plugin"] = {
        "name": "postgresql-database-plugin",
        "type": "database",
        "version": "v2.7.2+builtin.bao",
        "mount_path": "unconfigured-db",
        "probe": {"operation": "read", "path": "creds/app", "expect": ["username"]},
    }
    body["inspector_token"] = inspector_token(bao)
    result = checks(verify(secrets_plugin, body, owner))[
        "plugin.mounted postgresql-database-plugin"
    ]
    assert result.status == "failed"
    assert result.message == (
        "Expected a connection at unconfigured-db that uses postgresql-database-plugin; no "
        "connection there uses it."
    )


def test_plugin_checks_without_inspector_credentials_fail_the_run(
    bao, secrets_plugin, owner, verify
):
    body = runtime_app(bao)
    body["plugin"] = builtin_plugin()
    run = verify(secrets_plugin, body, owner)
    result = checks(run)["plugin.registered transit"]
    assert (result.status, result.required) == ("skipped", True)
    assert "inspector credentials" in result.message
    assert run.status == "failed"
    assert "inspector credentials" in run.reason


def test_an_enabled_audit_device_passes(bao_audit, partner, owner, verify):
    audit = IntegrationFactory(partner=partner, category="audit")
    body = runtime_app(bao_audit)
    body["inspector_token"] = inspector_token(bao_audit)
    run = verify(audit, body, owner)
    result = checks(run)["audit.device"]
    assert (result.status, result.required) == ("passed", True)
    assert result.details["devices"] == ["file/ (file)"]
    assert run.status == "passed"


def test_no_audit_device_fails_an_audit_integration(bao, partner, owner, verify):
    audit = IntegrationFactory(partner=partner, category="audit")
    body = runtime_app(bao)
    body["inspector_token"] = inspector_token(bao)
    run = verify(audit, body, owner)
    assert checks(run)["audit.device"].status == "failed"
    assert run.status == "failed"


def test_on_hcp_vault_an_audit_integration_fails_audit_device_and_says_why(
    hcp, namespace, partner, owner, verify
):
    audit = IntegrationFactory(partner=partner, category="audit")
    run = verify(audit, runtime_app(hcp, namespace), owner)
    result = checks(run)["audit.device"]
    assert (result.status, result.required) == ("failed", True)
    assert "HCP Vault's admin namespace cannot list audit devices" in result.message
    assert "waive this check" in result.message
    assert run.status == "failed"


def test_on_hcp_vault_other_integrations_are_not_asked_for_audit_devices(bao):
    from reviews.verification.audit import audit_device

    ctx = RunContext(
        run_id=1, category="runtime", kind="hcp_vault", url=bao.url, inspector_token="x"
    )
    outcome = audit_device(ctx, None)
    assert (outcome.status, outcome.applicable) == ("skipped", False)


def test_a_shamir_seal_fails_an_hsm_integration(bao, partner, owner, verify):
    hsm = IntegrationFactory(partner=partner, category="hsm", auth_methods=["cert"])
    run = verify(hsm, runtime_app(bao), owner)
    result = checks(run)["seal.hsm"]
    assert (result.status, result.required) == ("failed", True)
    assert "shamir" in result.message
    assert run.status == "failed"


def test_a_shamir_seal_is_only_noted_for_other_categories(bao, integration, owner, verify):
    result = checks(verify(integration, runtime_app(bao), owner))["seal.hsm"]
    assert (result.status, result.required) == ("skipped", False)


def test_a_pkcs11_seal_passes_and_counts_as_an_enterprise_feature():
    # This OpenBao has no PKCS#11 seal (built without cgo): a recorded answer stands in.
    answers = {
        "/v1/sys/seal-status": {
            "type": "pkcs11",
            "recovery_seal": True,
            "sealed": False,
            "initialized": True,
        }
    }
    with FakeVault(answers) as fake:
        ctx = RunContext(run_id=1, category="hsm", kind="vault_enterprise", url=fake.url)
        assert seal_hsm(ctx, None).status == "passed"
        assert enterprise_features(ctx, None).details["features"] == ["hsm_seal"]


def test_a_key_management_mount_counts_as_an_enterprise_feature():
    # keymgmt is a Vault Enterprise engine that OpenBao does not have: a recorded answer.
    answers = {
        "/v1/sys/mounts": {"data": {"keys/": {"type": "keymgmt"}, "secret/": {"type": "kv"}}}
    }
    with FakeVault(answers) as fake:
        ctx = RunContext(
            run_id=1,
            category="runtime",
            kind="vault_enterprise",
            url=fake.url,
            inspector_token="inspector",
        )
        outcome = enterprise_features(ctx, None)
    assert outcome.details["features"] == ["key_management"]
    assert "key management" in outcome.message


def test_enterprise_features_without_namespace_or_inspector(bao, integration, owner, verify):
    result = checks(verify(integration, runtime_app(bao), owner))["enterprise.features"]
    assert result.status == "passed" and result.required is False
    assert result.details["features"] == []
    assert "no inspector token" in result.message


def test_a_plugin_integration_must_declare_its_plugin(bao, secrets_plugin, owner, verify):
    body = runtime_app(bao)
    body["inspector_token"] = inspector_token(bao)
    run = verify(secrets_plugin, body, owner)
    result = checks(run)["plugin.registered"]
    assert (result.status, result.required) == ("skipped", True)
    assert "declare the plugin" in result.message
    assert run.status == "failed"


def test_the_documented_inspector_policy_works_for_a_namespaced_target(
    enterprise, namespace, integration, owner, verify
):
    # The README's policy (root namespace, the target's paths prefixed): the mounts of the
    # namespace are read there, so the key-management lookup works and nothing is lost.
    body = {**runtime_app(enterprise, namespace), "inspector_token": inspector_token(
        enterprise.backend, namespace
    )}  # fmt: skip
    result = checks(verify(integration, body, owner))["enterprise.features"]
    assert result.message == "Enterprise features exercised: namespaces."
    assert result.details["features"] == ["namespaces"]


def test_an_inspector_that_cannot_read_the_namespace_loses_no_evidence(
    enterprise, namespace, integration, owner, verify
):
    # A root-namespace policy without the namespace prefix (the old documented one): the mounts
    # lookup is denied, and the namespaces the run proved still count.
    client = enterprise.backend.client()
    app_policy(client, "root-only", 'path "sys/mounts" { capabilities = ["read"] }')
    token = client.auth.token.create(policies=["root-only"], ttl="1h")["auth"]["client_token"]
    body = {**runtime_app(enterprise, namespace), "inspector_token": token}
    result = checks(verify(integration, body, owner))["enterprise.features"]
    assert result.status == "passed"
    assert result.details["features"] == ["namespaces"]
    assert "key management not looked for" in result.message
    assert "HTTP 403 (permission denied)" in result.message
