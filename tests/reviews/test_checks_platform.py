"""plugin.*, audit.device, seal.hsm and enterprise.features: passing and failing."""

import pytest

from reviews.verification.base import RunContext
from reviews.verification.enterprise import enterprise_features
from reviews.verification.seal import seal_hsm
from tests.factories import IntegrationFactory
from tests.fake_vault import FakeVault
from tests.reviews.conftest import checks
from tests.vault import app_policy, runtime_app

pytestmark = pytest.mark.django_db

INSPECTOR_POLICY = """
path "sys/plugins/catalog/*" { capabilities = ["read", "sudo"] }
path "sys/audit" { capabilities = ["read", "sudo"] }
path "sys/mounts" { capabilities = ["read"] }
path "sys/auth" { capabilities = ["read"] }
"""


def inspector_token(server) -> str:
    """A read-only token for the catalog, audit and mount APIs, as an operator would issue."""
    client = server.client()
    app_policy(client, "vip-inspector", INSPECTOR_POLICY)
    return client.auth.token.create(policies=["vip-inspector"], ttl="1h")["auth"]["client_token"]


@pytest.fixture
def secrets_plugin(partner):
    return IntegrationFactory(partner=partner, category="secrets_engine")


def builtin_kv_plugin(version="v2.7.2+builtin.bao", mount_path="apps-kv"):
    return {"name": "kv", "type": "secret", "version": version, "mount_path": mount_path}


def test_a_registered_and_mounted_plugin_passes(bao, secrets_plugin, owner, verify):
    body = runtime_app(bao)
    body["plugin"] = builtin_kv_plugin()
    body["inspector_token"] = inspector_token(bao)
    run = verify(secrets_plugin, body, owner)
    results = checks(run)
    assert results["plugin.registered kv"].status == "passed"
    assert results["plugin.registered kv"].details["builtin"] is True
    assert results["plugin.mounted kv"].status == "passed"
    assert results["plugin.mounted kv"].required is True
    assert run.status == "passed", {k: (r.status, r.message) for k, r in results.items()}


def test_a_wrong_version_or_mount_fails(bao, secrets_plugin, owner, verify):
    body = runtime_app(bao)
    body["plugin"] = builtin_kv_plugin(version="v9.9.9", mount_path="apps-transit")
    body["inspector_token"] = inspector_token(bao)
    run = verify(secrets_plugin, body, owner)
    results = checks(run)
    assert results["plugin.registered kv"].status == "failed"
    assert "not v9.9.9" in results["plugin.registered kv"].message
    assert results["plugin.mounted kv"].status == "failed"
    assert "runs transit, not kv" in results["plugin.mounted kv"].message
    assert run.status == "failed"


def test_plugin_checks_without_inspector_credentials_fail_the_run(
    bao, secrets_plugin, owner, verify
):
    body = runtime_app(bao)
    body["plugin"] = builtin_kv_plugin()
    run = verify(secrets_plugin, body, owner)
    result = checks(run)["plugin.registered kv"]
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


def test_audit_device_is_not_asked_of_hcp_vault(bao, partner, owner):
    ctx = RunContext(run_id=1, category="audit", kind="hcp_vault", url=bao.url, inspector_token="x")
    from reviews.verification.audit import audit_device

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
