"""Partner-run evidence (`vip-verify submit`, POST /api/v1/integrations/<id>/evidence/): stored
only when the whole document is valid, shown beside the program's runs with a clear label,
and never counted as a program run (release and badges ignore it)."""

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.services import api_token_create
from badges.eligibility import badge_eligibility
from integrations.models import Stage
from pipeline.facts import facts_of
from pipeline.guards import review_to_release
from reviews.models import PartnerEvidence
from reviews.verification.registry import CATALOGUE_VERSION
from tests.factories import IntegrationFactory
from tests.vault import runtime_app

VIP_VERIFY = str(Path(sys.executable).parent / "vip-verify")


def document(**changes) -> dict:
    """A vip-results.json as vip-verify writes it, claiming the best there is."""
    base = {
        "engine_version": "0.1.0",
        "catalogue_version": CATALOGUE_VERSION,
        "category": "runtime",
        "subset": None,
        "status": "passed",
        "reason": "",
        "started_at": "2026-12-06T10:00:00+00:00",
        "finished_at": "2026-12-06T10:00:01+00:00",
        "target": {
            "name": "private HVN cluster",
            "kind": "hcp_vault",
            "url": "https://x.vault.hashicorp.cloud",
            "namespace": "admin",
        },
        "detected": {"version": "1.19.2+ent", "edition": "hcp_vault"},
        "checks": [
            {"id": check, "title": check, "status": "passed", "required": True, "waived": False,
             "subject": "", "message": "ok", "duration_ms": 3, "details": {}}
            for check in ("server.health", "server.edition", "auth.login", "namespace.access")
        ],
    }  # fmt: skip
    base.update(changes)
    return base


def url(integration) -> str:
    return f"/api/v1/integrations/{integration.pk}/evidence/"


@pytest.mark.django_db
def test_a_valid_document_is_stored_and_listed_as_partner_run(api, member, integration):
    response = api.as_user(member).post(url(integration), document(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["source"], body["status"], body["submitted_by"]) == (
        "partner_run",
        "passed",
        "member@acme.example",
    )
    assert api.get(url(integration)).json()["count"] == 1


def spoil(path: str, value):
    changed = document()
    target = changed
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[last if not last.isdigit() else int(last)]
    else:
        target[int(last) if last.isdigit() else last] = value
    return changed


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad,field",
    [
        (spoil("catalogue_version", "1999.1"), "catalogue_version"),
        (spoil("category", "audit"), "category"),  # not this integration's: dodges checks
        (spoil("checks.1.status", "failed"), "status"),  # "passed" the checks do not bear out
        (spoil("checks.0.id", "made.up"), "checks.0.id"),
        (spoil("checks.0.waived", True), "checks.0.waived"),
        (spoil("checks.0.message", "x\x00y"), "checks.0.message"),
        (spoil("checks.0.details", {"blob": "x" * 5000}), "checks.0.details"),
        (spoil("checks", []), "checks"),
        (spoil("finished_at", "yesterday"), "finished_at"),
        (spoil("started_at", "2999-01-01T00:00:00+00:00"), "started_at"),
        (spoil("target.kind", "cloud"), "target.kind"),
        (spoil("detected.edition", "vault_ultimate"), "detected.edition"),
        (spoil("engine_version", KeyError), "engine_version"),
        (spoil("checks.0.duration_ms", "fast"), "checks.0.duration_ms"),
    ],
)
def test_a_bad_document_is_a_400_with_field_errors_and_nothing_is_stored(
    api, owner, integration, bad, field
):
    response = api.as_user(owner).post(url(integration), bad, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()
    assert not PartnerEvidence.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [[1, 2], "text", {"checks": "x" * 300_000}])
def test_a_body_that_is_not_such_a_document_is_a_400(api, owner, integration, body):
    response = api.as_user(owner).post(url(integration), body, format="json")
    assert response.status_code == 400
    assert not PartnerEvidence.objects.exists()


@pytest.mark.django_db
def test_another_partner_cannot_see_or_submit(api, outsider, integration):
    api.as_user(outsider)
    assert api.post(url(integration), document(), format="json").status_code == 404
    assert api.get(url(integration)).status_code == 404
    api.as_user(None)
    assert api.post(url(integration), document(), format="json").status_code == 401


@pytest.mark.django_db
def test_partner_run_evidence_never_counts_as_a_program_run(api, owner, partner, reviewer):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT, category="runtime")
    api.as_user(owner).post(url(integration), document(), format="json")
    for kind in ("hcp_vault_verified", "vault_enterprise_verified"):
        codes = {u.code for u in badge_eligibility(integration=integration, kind=kind).unmet}
        assert "no_evidence" in codes
    in_review = IntegrationFactory(partner=partner, stage=Stage.REVIEW, category="runtime")
    api.post(url(in_review), document(), format="json")
    assert "no_evidence_target" in {
        u.code for u in review_to_release(in_review, facts_of(in_review), "")
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_vip_verify_submits_to_the_running_product(
    live_server, bao_tls, namespace, partner, owner, client_as, tmp_path
):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT, category="runtime")
    body = runtime_app(bao_tls, namespace)
    (tmp_path / "ca.pem").write_text(body["ca_cert"])
    target = {**body, "ca_cert": "ca.pem", "auth": {**body["auth"], "secret_id": "${SECRET}"}}
    (tmp_path / "target.yaml").write_text(json.dumps(target))  # JSON is YAML too
    _, key = api_token_create(user=owner, name="ci")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    environment.update(SECRET=body["auth"]["secret_id"], VIP_URL=live_server.url, VIP_TOKEN=key)

    def vip_verify(*args):
        return subprocess.run(
            [VIP_VERIFY, *args], cwd=tmp_path, env=environment, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip

    assert vip_verify("run", "target.yaml").returncode == 0
    submitted = vip_verify("submit", "--integration", str(integration.pk))
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr
    evidence = PartnerEvidence.objects.get()
    assert (evidence.integration, evidence.submitted_by, evidence.status) == (
        integration,
        owner,
        "passed",
    )
    assert f"Submitted as partner-run evidence {evidence.pk}" in submitted.stdout
    page = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert "partner-run" in page and f"Evidence {evidence.pk}" in page
    detail = client_as(owner).get(f"/evidence/{evidence.pk}/").content.decode()
    assert "not a program verification" in detail and "auth.login" in detail

    # A partner who edits the results to claim HCP Vault still earns nothing.
    claimed = json.loads((tmp_path / "vip-results.json").read_text())
    claimed = copy.deepcopy(claimed) | {
        "detected": {"version": "1.19.2+ent", "edition": "hcp_vault"}
    }
    (tmp_path / "vip-results.json").write_text(json.dumps(claimed))
    assert vip_verify("submit", "--integration", str(integration.pk)).returncode == 0
    unmet = badge_eligibility(integration=integration, kind="hcp_vault_verified").unmet
    assert "no_evidence" in {u.code for u in unmet}

    other = IntegrationFactory(stage=Stage.SUPPORT)  # another partner's
    refused = vip_verify("submit", "--integration", str(other.pk))
    assert refused.returncode == 1 and "HTTP 404" in refused.stdout
    claimed["catalogue_version"] = "1999.1"
    (tmp_path / "vip-results.json").write_text(json.dumps(claimed))
    bad = vip_verify("submit", "--integration", str(integration.pk))
    assert bad.returncode == 1 and "HTTP 400" in bad.stdout and "catalogue_version" in bad.stdout
    assert PartnerEvidence.objects.count() == 2


# --- Accepted in place of a program run (for release only) -----------------------------------


@pytest.fixture
def private_cluster(partner, owner):
    """An integration in review whose evidence target the program cannot reach (a private HVN
    cluster): its runs end `error`."""
    from tests.factories import VerificationRunFactory, VerificationTargetFactory

    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW, category="runtime")
    target = VerificationTargetFactory(integration=integration, name="private HVN cluster")
    VerificationRunFactory(target=target, status="error", reason="Could not connect")
    return integration


def accept_url(evidence) -> str:
    return f"/api/v1/evidence/{evidence.pk}/accept/"


@pytest.mark.django_db
def test_a_reviewer_accepts_evidence_in_place_of_an_unreachable_program_run(
    api, owner, reviewer, private_cluster
):
    assert "run_not_passed" in {
        u.code for u in review_to_release(private_cluster, facts_of(private_cluster), "")
    }
    evidence = api.as_user(owner).post(url(private_cluster), document(), format="json").json()
    justification = "Private HVN cluster; partner-run evidence and live demo reviewed."
    response = api.as_user(reviewer).post(
        f"/api/v1/evidence/{evidence['id']}/accept/", {"justification": justification}, "json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["accepted_by"], response.json()["acceptance"]) == (
        "reviewer@vip.example",
        justification,
    )
    codes = {u.code for u in review_to_release(private_cluster, facts_of(private_cluster), "")}
    assert not codes & {"run_not_passed", "no_evidence_target"}
    history = api.get(f"/api/v1/integrations/{private_cluster.pk}/history/").json()
    rows = history["results"] if isinstance(history, dict) else history
    assert any(r["field"] == "partner_evidence" and r["note"] == justification for r in rows)
    # Badges never stand on it.
    from integrations.models import Integration

    Integration.objects.filter(pk=private_cluster.pk).update(stage=Stage.SUPPORT)
    private_cluster.refresh_from_db()
    unmet = badge_eligibility(integration=private_cluster, kind="hcp_vault_verified").unmet
    assert "no_evidence" in {u.code for u in unmet}


@pytest.mark.django_db
def test_a_failing_program_run_outweighs_accepted_evidence(api, owner, reviewer, private_cluster):
    from reviews import services
    from tests.factories import VerificationRunFactory

    api.as_user(owner).post(url(private_cluster), document(), format="json")
    services.evidence_accept(
        evidence=PartnerEvidence.objects.get(), actor=reviewer, justification="Private HVN."
    )
    target = private_cluster.targets.get()
    VerificationRunFactory(target=target, status="failed", reason="auth.login: …")
    assert "run_not_passed" in {
        u.code for u in review_to_release(private_cluster, facts_of(private_cluster), "")
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes,status,code",
    [
        ({"subset": ["auth.login"]}, 409, "evidence_not_acceptable"),
        ({"status": "failed", "reason": "x"}, 409, "evidence_not_acceptable"),
    ],
)
def test_only_a_whole_passed_run_can_be_accepted(
    api, owner, reviewer, private_cluster, changes, status, code
):
    body = document(**changes)
    if changes.get("status") == "failed":
        body["checks"][2]["status"] = "failed"
    evidence = api.as_user(owner).post(url(private_cluster), body, format="json").json()
    response = api.as_user(reviewer).post(
        f"/api/v1/evidence/{evidence['id']}/accept/", {"justification": "x"}, "json"
    )
    assert (response.status_code, response.json()["code"]) == (status, code)


@pytest.mark.django_db
def test_partners_cannot_accept_and_a_justification_is_needed(
    api, owner, outsider, reviewer, private_cluster
):
    evidence = api.as_user(owner).post(url(private_cluster), document(), format="json").json()
    path = f"/api/v1/evidence/{evidence['id']}/accept/"
    assert api.post(path, {"justification": "trust us"}, "json").status_code == 403
    assert api.as_user(outsider).post(path, {"justification": "x"}, "json").status_code == 404
    assert api.as_user(reviewer).post(path, {"justification": " "}, "json").status_code == 400
    assert api.post(path, {"justification": "Reviewed."}, "json").status_code == 200
    again = api.post(path, {"justification": "Reviewed."}, "json")
    assert (again.status_code, again.json()["code"]) == (409, "evidence_accepted")


@pytest.mark.django_db
def test_staff_accept_on_the_evidence_page(client_as, owner, reviewer, api, private_cluster):
    api.as_user(owner).post(url(private_cluster), document(), format="json")
    evidence = PartnerEvidence.objects.get()
    assert (
        "Accept in place of a program run"
        not in client_as(owner).get(f"/evidence/{evidence.pk}/").content.decode()
    )
    client = client_as(reviewer)
    assert (
        "Accept in place of a program run"
        in client.get(f"/evidence/{evidence.pk}/").content.decode()
    )
    client.post(f"/evidence/{evidence.pk}/accept/", {"justification": "Private HVN; demo seen."})
    evidence.refresh_from_db()
    assert evidence.accepted_by == reviewer
    page = client.get(f"/integrations/{private_cluster.pk}/").content.decode()
    assert "accepted for release" in page
