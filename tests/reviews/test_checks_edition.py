"""server.edition and the detected platform: what a run says it verified comes from the server,
never from the kind the partner declared. Vault Enterprise, HCP Vault and Vault Community are
stand-ins (tests.standin) in front of a real OpenBao; HCP Vault is reached through the egress
proxy, as production workers reach every partner."""

import pytest

from reviews.verification.server import detect_platform
from tests.reviews.conftest import checks
from tests.standin import PlatformStandIn
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db

SELF_MANAGED = "vault.partner.example"
HCP_HOST = "acme.vault.11eb.aws.hashicorp.cloud"


@pytest.mark.parametrize(
    "host,health,seal,platform",
    [
        (SELF_MANAGED, {"version": "2.7.2"}, {"commit_date": "2026-10-26"}, "openbao"),
        # OpenBao stays OpenBao whatever version it would claim.
        (HCP_HOST, {"version": "1.19.2+ent"}, {"commit_date": "x"}, "openbao"),
        (SELF_MANAGED, {"version": "1.19.2+ent"}, {}, "vault_enterprise"),
        (SELF_MANAGED, {"version": "1.19.2+ent.hsm.fips1402"}, {}, "vault_enterprise"),
        (SELF_MANAGED, {"version": "1.19.2", "enterprise": True}, {}, "vault_enterprise"),
        (SELF_MANAGED, {"version": "1.19.2", "enterprise": False}, {}, "vault_community"),
        (SELF_MANAGED, {"version": "1.19.2+entropy-build"}, {}, "vault_community"),
        (HCP_HOST, {"version": "1.19.2+ent"}, {}, "hcp_vault"),
        (HCP_HOST.upper() + ".", {"version": "1.19.2", "enterprise": True}, {}, "hcp_vault"),
        # An HCP-looking name is not HCP Vault unless the server is Enterprise.
        (HCP_HOST, {"version": "1.19.2"}, {}, "vault_community"),
        (
            "acme.hashicorp.cloud.attacker.example",
            {"version": "1.19.2+ent"},
            {},
            "vault_enterprise",
        ),
    ],
)
def test_the_platform_is_detected_from_the_servers_answers(host, health, seal, platform):
    assert detect_platform(host, health, seal) == platform


def test_openbao_declared_as_vault_enterprise_fails(bao, integration, owner, verify):
    body = {**runtime_app(bao), "kind": "vault_enterprise"}
    run = verify(integration, body, owner)
    result = checks(run)["server.edition"]
    assert (result.status, result.required) == ("failed", True)
    assert result.message == "Declared Vault Enterprise; the server is OpenBao 2.7.2."
    assert run.status == "failed"
    assert run.reason == "server.edition: Declared Vault Enterprise; the server is OpenBao 2.7.2."
    assert (run.detected_edition, run.detected_version) == ("openbao", "2.7.2")


def test_the_enterprise_stand_in_passes_as_vault_enterprise(
    enterprise, namespace, integration, owner, verify
):
    run = verify(integration, runtime_app(enterprise, namespace), owner)
    results = checks(run)
    assert run.status == "passed", {k: (r.status, r.message) for k, r in results.items()}
    assert (run.detected_edition, run.detected_version) == ("vault_enterprise", "1.19.2+ent")
    assert results["server.edition"].message == (
        "Declared Vault Enterprise; the server is Vault Enterprise 1.19.2+ent."
    )
    assert results["server.tls"].status == "passed"
    assert results["enterprise.features"].details["features"] == ["namespaces"]


def test_vault_community_declared_as_enterprise_fails(community, integration, owner, verify):
    run = verify(integration, {**runtime_app(community), "kind": "vault_enterprise"}, owner)
    assert checks(run)["server.edition"].message == (
        "Declared Vault Enterprise; the server is Vault Community 1.19.2."
    )
    assert run.status == "failed"


def test_the_hcp_stand_in_passes_as_hcp_vault_through_the_egress_proxy(
    hcp, egress, namespace, integration, owner, verify, settings
):
    settings.VIP_ALLOW_PRIVATE_TARGETS = False  # the proxy applies the address policy
    body = runtime_app(hcp, namespace)
    assert body["kind"] == "hcp_vault" and body["url"].startswith(f"https://{hcp.hostname}:")
    run = verify(integration, body, owner)
    results = checks(run)
    assert run.status == "passed", {k: (r.status, r.message) for k, r in results.items()}
    assert run.detected_edition == "hcp_vault"
    assert results["server.health"].details["seal_type"] == "awskms"
    # The name resolves nowhere: every request went through the proxy, which resolved it.
    assert f"{hcp.hostname}:{hcp.port}" in egress.asked


def test_an_hcp_cluster_declared_as_vault_enterprise_is_allowed(
    hcp, namespace, integration, owner, verify
):
    run = verify(integration, {**runtime_app(hcp, namespace), "kind": "vault_enterprise"}, owner)
    assert checks(run)["server.edition"].status == "passed"
    assert (run.status, run.detected_edition) == ("passed", "hcp_vault")


def test_openbao_at_an_hcp_name_declared_as_hcp_vault_fails(
    bao, egress, namespace, integration, owner, verify, settings
):
    with PlatformStandIn(bao, "openbao", hostname="hashicorp.cloud") as plain:
        egress.route(plain.hostname, plain.port)
        settings.VIP_EGRESS_PROXY = egress.url
        run = verify(integration, {**runtime_app(plain, namespace), "kind": "hcp_vault"}, owner)
    assert checks(run)["server.edition"].message == (
        "Declared HCP Vault; the server is OpenBao 2.7.2."
    )
    assert run.status == "failed"


def test_without_the_egress_proxy_an_hcp_name_is_not_reached(
    hcp, namespace, integration, owner, verify, settings
):
    body = runtime_app(hcp, namespace)
    settings.VIP_EGRESS_PROXY = ""
    run = verify(integration, body, owner)
    assert run.status == "error"
    assert "Could not connect" in run.reason


def test_plain_http_goes_through_the_egress_proxy_too(
    bao, egress, integration, owner, verify, settings
):
    egress.route("partner-vault.invalid", bao.port)
    settings.VIP_EGRESS_PROXY = egress.url
    settings.VIP_ALLOW_PRIVATE_TARGETS = False
    asked = len(egress.asked)
    body = {**runtime_app(bao), "url": f"http://partner-vault.invalid:{bao.port}"}
    run = verify(integration, body, owner)
    results = checks(run)
    assert results["server.health"].status == "passed"
    assert results["server.tls"].status == "failed"  # plain http off loopback: it stops there
    assert len(egress.asked) - asked == 2  # each request of the run: health and seal status
    assert set(egress.asked[asked:]) == {f"partner-vault.invalid:{bao.port}"}


def test_the_egress_proxy_refusing_a_destination_is_an_error(
    egress, integration, owner, verify, settings, bao
):
    settings.VIP_EGRESS_PROXY = egress.url
    body = {**runtime_app(bao), "url": "https://internal.partner.invalid:8200", "ca_cert": ""}
    run = verify(integration, body, owner)
    assert run.status == "error"


def test_pages_api_and_e_mail_name_the_detected_platform_never_the_declared_one(
    bao, integration, owner, verify, client_as, api, mailoutbox
):
    run = verify(integration, {**runtime_app(bao), "kind": "vault_enterprise"}, owner)
    page = client_as(owner).get(f"/verifications/{run.pk}/").content.decode()
    assert "Server (detected)</div><div>OpenBao 2.7.2</div>" in page
    assert "Vault Enterprise 2.7.2" not in page
    detail = api.as_user(owner).get(f"/api/v1/verifications/{run.pk}/").json()
    assert detail["detected"] == {"version": "2.7.2", "edition": "openbao"}
    mail = next(m for m in mailoutbox if "finished" in m.body)
    assert "The server is OpenBao 2.7.2 (as it reported itself)." in mail.body
    assert "Declared Vault Enterprise; the server is OpenBao 2.7.2." in mail.body  # the reason
    assert "Vault Enterprise 2.7.2" not in mail.body
