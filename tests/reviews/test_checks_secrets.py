"""secrets.<type>: a round-trip per declared mount on a real OpenBao, passing and failing."""

import hvac.exceptions
import pytest

from tests.reviews.conftest import checks
from tests.vault import app_policy, approle, enable_engine, runtime_app

pytestmark = pytest.mark.django_db

POLICY = """
path "legacy-kv/vip/*" { capabilities = ["create", "read", "update", "delete"] }
path "team-pki/issue/web" { capabilities = ["update"] }
path "otp/code/app" { capabilities = ["read", "update"] }
path "ssh-ca/sign/ops" { capabilities = ["update"] }
path "db/creds/readonly" { capabilities = ["read"] }
path "sys/leases/revoke" { capabilities = ["update"] }
"""


@pytest.fixture
def partner_vault(bao, namespace):
    """The runtime app plus one mount of every other engine type, in a fresh namespace."""
    body = runtime_app(bao, namespace)
    client = bao.client(namespace=namespace)
    app_policy(client, "engines", POLICY)
    role_id, secret_id = approle(client, role="engines", policies=("app", "engines"))
    body["auth"].update(role_id=role_id, secret_id=secret_id)
    return body, client


def result_for(run, key):
    return checks(run)[key]


def test_kv_v1_round_trip_and_a_v1_mount_declared_as_v2(partner_vault, integration, owner, verify):
    body, client = partner_vault
    enable_engine(client, "kv", "legacy-kv", options={"version": "1"})
    body["secret_mounts"] = [{"path": "legacy-kv", "type": "kv-v1", "writable_prefix": "vip"}]
    run = verify(integration, body, owner)
    assert result_for(run, "secrets.kv-v1 legacy-kv").status == "passed"
    assert run.status == "passed"
    with pytest.raises(hvac.exceptions.InvalidPath):  # the probe was deleted
        client.secrets.kv.v1.list_secrets(path="vip", mount_point="legacy-kv")
    body["secret_mounts"] = [{"path": "legacy-kv", "type": "kv-v2", "writable_prefix": "vip"}]
    body["name"] = "declared wrong"
    wrong = verify(integration, body, owner)
    assert result_for(wrong, "secrets.kv-v2 legacy-kv").status == "failed"
    assert wrong.status == "failed"


def test_kv_v2_leaves_nothing_behind(partner_vault, integration, owner, verify):
    body, client = partner_vault
    run = verify(integration, body, owner)
    result = result_for(run, "secrets.kv-v2 apps-kv")
    assert result.status == "passed"
    assert result.details["path"] == f"vip/vip-verify-{run.pk}"
    with pytest.raises(hvac.exceptions.InvalidPath):  # metadata and all versions are gone
        client.secrets.kv.v2.read_secret_metadata(
            path=result.details["path"], mount_point="apps-kv"
        )


def test_kv_v2_outside_the_writable_prefix_is_denied(partner_vault, integration, owner, verify):
    body, _ = partner_vault
    body["secret_mounts"][0]["writable_prefix"] = "elsewhere"
    run = verify(integration, body, owner)
    result = result_for(run, "secrets.kv-v2 apps-kv")
    assert result.status == "failed"
    assert "permission denied" in result.message


def test_transit_with_a_missing_key_fails(partner_vault, integration, owner, verify):
    body, _ = partner_vault
    body["secret_mounts"][1]["key"] = "no-such-key"
    run = verify(integration, body, owner)
    assert result_for(run, "secrets.transit apps-transit").status == "failed"


def test_a_missing_mount_fails(partner_vault, integration, owner, verify):
    body, _ = partner_vault
    body["secret_mounts"].append({"path": "not-mounted", "type": "kv-v2", "writable_prefix": "x"})
    run = verify(integration, body, owner)
    assert result_for(run, "secrets.kv-v2 not-mounted").status == "failed"
    assert result_for(run, "secrets.kv-v2 apps-kv").status == "passed"
    assert run.reason.startswith("secrets.kv-v2 (not-mounted):")


def test_pki_issues_a_certificate(partner_vault, integration, owner, verify):
    body, client = partner_vault
    enable_engine(client, "pki", "team-pki")
    client.secrets.pki.generate_root(
        type="internal", common_name="Partner Root", mount_point="team-pki"
    )
    client.secrets.pki.create_or_update_role(
        "web",
        {"allowed_domains": ["partner.example"], "allow_subdomains": True, "ttl": "1h"},
        mount_point="team-pki",
    )
    body["secret_mounts"] = [
        {"path": "team-pki", "type": "pki", "role": "web", "common_name": "app.partner.example"}
    ]
    run = verify(integration, body, owner)
    assert result_for(run, "secrets.pki team-pki").status == "passed"
    body["secret_mounts"][0]["common_name"] = "app.elsewhere.example"
    body["name"] = "not allowed"
    refused = verify(integration, body, owner)
    assert result_for(refused, "secrets.pki team-pki").status == "failed"


def test_totp_generates_and_validates_a_code(partner_vault, integration, owner, verify):
    body, client = partner_vault
    enable_engine(client, "totp", "otp")
    client.write("otp/keys/app", generate=True, issuer="Partner", account_name="app")
    body["secret_mounts"] = [{"path": "otp", "type": "totp", "key": "app"}]
    assert result_for(verify(integration, body, owner), "secrets.totp otp").status == "passed"
    body["secret_mounts"][0]["key"] = "other"
    body["name"] = "other key"
    assert result_for(verify(integration, body, owner), "secrets.totp otp").status == "failed"


def test_ssh_signs_a_fresh_key(partner_vault, integration, owner, verify):
    body, client = partner_vault
    enable_engine(client, "ssh", "ssh-ca")
    client.write("ssh-ca/config/ca", generate_signing_key=True)
    client.write(
        "ssh-ca/roles/ops",
        key_type="ca",
        allow_user_certificates=True,
        allowed_users="deploy",
        default_user="deploy",
        ttl="10m",
    )
    body["secret_mounts"] = [
        {"path": "ssh-ca", "type": "ssh", "role": "ops", "valid_principals": "deploy"}
    ]
    assert result_for(verify(integration, body, owner), "secrets.ssh ssh-ca").status == "passed"
    body["secret_mounts"][0]["valid_principals"] = "root"
    body["name"] = "root principal"
    assert result_for(verify(integration, body, owner), "secrets.ssh ssh-ca").status == "failed"


def test_database_credentials_from_a_real_postgresql(partner_vault, integration, owner, verify):
    body, client = partner_vault
    enable_engine(client, "database", "db")
    client.secrets.database.configure(
        name="pg",
        plugin_name="postgresql-database-plugin",
        connection_url="postgresql://{{username}}:{{password}}@127.0.0.1:5432/postgres"
        "?sslmode=disable",
        username="postgres",
        password="unused-with-trust-auth",
        allowed_roles=["readonly"],
        verify_connection=True,
        mount_point="db",
    )
    client.secrets.database.create_role(
        name="readonly",
        db_name="pg",
        creation_statements=[
            "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' "
            "VALID UNTIL '{{expiration}}';"
        ],
        default_ttl="5m",
        mount_point="db",
    )
    body["secret_mounts"] = [{"path": "db", "type": "database", "role": "readonly"}]
    run = verify(integration, body, owner)
    assert result_for(run, "secrets.database db").status == "passed", checks(run)[
        "secrets.database db"
    ].message
    body["secret_mounts"][0]["role"] = "missing"
    body["name"] = "missing role"
    assert result_for(verify(integration, body, owner), "secrets.database db").status == "failed"


def test_two_mounts_of_one_type_give_two_results(partner_vault, integration, owner, verify):
    body, client = partner_vault
    enable_engine(client, "kv", "second-kv", options={"version": "2"})
    body["secret_mounts"].append({"path": "second-kv", "type": "kv-v2", "writable_prefix": "vip"})
    run = verify(integration, body, owner)
    kv = [r for r in run.results.all() if r.check_id == "secrets.kv-v2"]
    assert [(r.subject, r.status) for r in kv] == [("apps-kv", "passed"), ("second-kv", "failed")]
