"""Waivers: a reviewer waives one required check on one target with a written justification;
a waived check that did not pass no longer decides the verdict, and who waived it and why is
shown wherever the run is. HCP Vault's audit devices are the case the rule exists for."""

import pytest

from reviews import services
from reviews.models import Waiver
from tests.factories import IntegrationFactory
from tests.reviews.conftest import checks
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db

JUSTIFICATION = "HCP audit log streaming to the partner's SIEM reviewed in the live demo."


@pytest.fixture
def audit_integration(partner, owner):
    return IntegrationFactory(partner=partner, category="audit", contact_email=owner.email)


@pytest.fixture
def target(bao, namespace, integration, owner):
    return services.target_create(
        integration=integration, actor=owner, data=runtime_app(bao, namespace)
    )


def waivers_url(target) -> str:
    return f"/api/v1/targets/{target.pk}/waivers/"


def test_a_reviewer_waives_lists_and_ends_a_waiver(api, reviewer, target):
    api.as_user(reviewer)
    response = api.post(
        waivers_url(target),
        {"check": "audit.device", "justification": f"  {JUSTIFICATION} "},
        format="json",
    )
    assert response.status_code == 201, response.json()
    waiver = response.json()
    assert {k: waiver[k] for k in ("target", "check", "justification", "granted_by", "live")} == {
        "target": target.pk,
        "check": "audit.device",
        "justification": JUSTIFICATION,
        "granted_by": "reviewer@vip.example",
        "live": True,
    }
    listed = api.get(waivers_url(target)).json()
    assert [w["id"] for w in listed["results"]] == [waiver["id"]]
    ended = api.delete(f"/api/v1/waivers/{waiver['id']}/")
    assert ended.status_code == 200
    assert (ended.json()["live"], ended.json()["ended_by"]) == (False, "reviewer@vip.example")
    again = api.delete(f"/api/v1/waivers/{waiver['id']}/")
    assert (again.status_code, again.json()["code"]) == (409, "waiver_ended")
    # Ended, not deleted: it stays in the history, and the check may be waived anew.
    assert api.get(waivers_url(target)).json()["count"] == 1
    renewed = api.post(
        waivers_url(target), {"check": "audit.device", "justification": "x"}, format="json"
    )
    assert renewed.status_code == 201


@pytest.mark.parametrize("check", ["server.health", "server.edition", "auth.login"])
def test_what_every_verdict_stands_on_can_never_be_waived(api, admin, target, check):
    response = api.as_user(admin).post(
        waivers_url(target), {"check": check, "justification": JUSTIFICATION}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["check"] == [
        f"{check} can never be waived: every verdict stands on it."
    ]
    assert not Waiver.objects.exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"check": "token.revoke", "justification": "x"}, "check"),  # informational anyway
        ({"check": "no.such.check", "justification": "x"}, "check"),
        ({"check": "audit.device", "justification": "   "}, "justification"),
        ({"check": "audit.device"}, "justification"),
        ({"check": ["audit.device"], "justification": "x"}, "check"),
        ({"check": "audit.device", "justification": "x" * 2001}, "justification"),
    ],
)
def test_bad_waivers_are_400_with_field_errors(api, reviewer, target, body, field):
    response = api.as_user(reviewer).post(waivers_url(target), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Waiver.objects.exists()


def test_a_check_is_waived_once_at_a_time(api, reviewer, target):
    api.as_user(reviewer)
    body = {"check": "auth.least_privilege", "justification": JUSTIFICATION}
    assert api.post(waivers_url(target), body, format="json").status_code == 201
    response = api.post(waivers_url(target), body, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_waived")


@pytest.mark.parametrize("who", ["owner", "member"])
def test_partners_cannot_waive_or_end_waivers(api, people, reviewer, target, who):
    body = {"check": "audit.device", "justification": "we say it is fine"}
    response = api.as_user(people[who]).post(waivers_url(target), body, format="json")
    assert response.status_code == 403
    waiver = services.waiver_grant(
        target=target, actor=reviewer, check="audit.device", justification=JUSTIFICATION
    )
    assert api.get(waivers_url(target)).json()["count"] == 1  # they may read them
    assert api.delete(f"/api/v1/waivers/{waiver.pk}/").status_code == 403
    waiver.refresh_from_db()
    assert waiver.is_live


def test_outsiders_do_not_see_waivers(api, outsider, reviewer, target):
    waiver = services.waiver_grant(
        target=target, actor=reviewer, check="audit.device", justification=JUSTIFICATION
    )
    api.as_user(outsider)
    assert api.get(waivers_url(target)).status_code == 404
    assert api.post(waivers_url(target), {}, format="json").status_code == 404
    assert api.delete(f"/api/v1/waivers/{waiver.pk}/").status_code == 404


def test_an_hcp_audit_integration_fails_until_waived_then_passes_with_the_waiver_shown(
    hcp, namespace, audit_integration, owner, reviewer, verify, rerun, api, client_as
):
    first = verify(audit_integration, runtime_app(hcp, namespace), owner)
    assert first.status == "failed"
    assert first.reason.startswith("audit.device: Expected an enabled audit device;")
    target = first.target

    response = api.as_user(reviewer).post(
        waivers_url(target), {"check": "audit.device", "justification": JUSTIFICATION}, "json"
    )
    assert response.status_code == 201
    second = rerun(target, owner)
    assert second.status == "passed", second.reason
    audit = checks(second)["audit.device"]
    assert (audit.status, audit.required, audit.waiver.justification) == (
        "failed",  # the check itself still says what it saw
        True,
        JUSTIFICATION,
    )
    detail = api.as_user(owner).get(f"/api/v1/verifications/{second.pk}/").json()
    audit_json = next(c for c in detail["checks"] if c["id"] == "audit.device")
    assert audit_json["waived"] is True
    assert audit_json["waiver"]["justification"] == JUSTIFICATION
    assert audit_json["waiver"]["granted_by"] == "reviewer@vip.example"
    assert all(c["waived"] is False for c in detail["checks"] if c["id"] != "audit.device")
    # The earlier run keeps its verdict: a waiver does not rewrite history.
    first.refresh_from_db()
    assert first.status == "failed" and not checks(first)["audit.device"].waiver

    page = client_as(owner).get(f"/verifications/{second.pk}/").content.decode()
    assert "Waived</strong> by reviewer@vip.example" in page
    assert JUSTIFICATION.replace("'", "&#x27;") in page
    integration_page = client_as(owner).get(f"/integrations/{audit_integration.pk}/")
    assert JUSTIFICATION.replace("'", "&#x27;") in integration_page.content.decode()
    assert "Waive a check" not in integration_page.content.decode()  # partners see no control

    services.waiver_end(waiver=audit.waiver, actor=reviewer)
    third = rerun(target, owner)
    assert third.status == "failed"


def test_a_waiver_applies_to_its_own_target_only(
    bao, namespace, integration, owner, reviewer, verify, rerun
):
    body = runtime_app(bao, namespace, ttl="48h", max_ttl="72h")  # fails short_lived_token
    first = verify(integration, body, owner)
    assert first.status == "failed"
    services.waiver_grant(
        target=first.target,
        actor=reviewer,
        check="auth.short_lived_token",
        justification="Batch job; token lifetime discussed in review.",
    )
    other = verify(integration, {**body, "name": "second cluster"}, owner)
    assert other.status == "failed"
    waived = rerun(first.target, owner)
    assert waived.status == "passed"


def test_a_waiver_does_not_hide_an_error_that_stopped_the_run(
    bao, integration, owner, reviewer, verify, rerun
):
    from tests.vault import free_port_pair

    body = {**runtime_app(bao), "url": f"http://127.0.0.1:{free_port_pair()}"}
    run = verify(integration, body, owner)
    services.waiver_grant(
        target=run.target, actor=reviewer, check="auth.least_privilege", justification="x"
    )
    again = rerun(run.target, owner)
    assert again.status == "error"


def test_staff_waive_and_end_on_the_integration_page(
    client_as, reviewer, owner, target, integration
):
    client = client_as(reviewer)
    page = client.get(f"/integrations/{integration.pk}/").content.decode()
    assert "Waive a check" in page
    response = client.post(
        f"/integrations/{integration.pk}/waivers/",
        {"target": target.pk, "check": "auth.least_privilege", "justification": JUSTIFICATION},
    )
    assert response.status_code == 302
    waiver = Waiver.objects.get()
    assert (waiver.check_id, waiver.granted_by) == ("auth.least_privilege", reviewer)
    refused = client.post(
        f"/integrations/{integration.pk}/waivers/",
        {"target": target.pk, "check": "auth.login", "justification": JUSTIFICATION},
        follow=True,
    )
    assert "auth.login" not in [w.check_id for w in Waiver.objects.all()]
    assert "Select a valid choice" in refused.content.decode()
    client.post(f"/waivers/{waiver.pk}/end/")
    waiver.refresh_from_db()
    assert not waiver.is_live
    partner = client_as(owner)
    assert partner.post(f"/waivers/{waiver.pk}/end/").status_code == 403


def test_waivers_are_written_to_the_integration_history(api, reviewer, owner, target):
    waiver = services.waiver_grant(
        target=target, actor=reviewer, check="audit.device", justification=JUSTIFICATION
    )
    services.waiver_end(waiver=waiver, actor=reviewer)
    rows = api.as_user(owner).get(f"/api/v1/integrations/{target.integration_id}/history/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    waivers = [row for row in rows if row["field"] == "waiver"]
    assert [(row["from"], row["to"], row["actor"], row["note"]) for row in waivers] == [
        (None, "audit.device waived on “test cluster”", "reviewer@vip.example", JUSTIFICATION),
        (
            "audit.device waived on “test cluster”",
            None,
            "reviewer@vip.example",
            "The waiver ended: runs from now on need this check again.",
        ),
    ]


def test_the_badge_verify_page_shows_the_waiver_the_public_relies_on(
    hcp, namespace, partner, owner, reviewer, admin, verify, rerun, client
):
    from badges import services as badge_services
    from integrations.models import Stage

    integration = IntegrationFactory(partner=partner, category="audit", stage=Stage.SUPPORT)
    first = verify(integration, runtime_app(hcp, namespace), owner)
    services.waiver_grant(
        target=first.target, actor=reviewer, check="audit.device", justification=JUSTIFICATION
    )
    assert rerun(first.target, owner).status == "passed"
    badge = badge_services.badge_issue(
        integration=integration, kind="hcp_vault_verified", actor=admin
    )
    html = client.get(f"/badges/{badge.public_id}/").content.decode()
    assert "Checks waived by the program" in html
    assert "<code>audit.device</code> did not pass and was waived by reviewer@vip.example" in html
    assert JUSTIFICATION.replace("'", "&#x27;") in html
