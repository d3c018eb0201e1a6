"""Issuing and revoking badges: admins only, eligibility enforced, history and e-mail, and
exactly one winner when two issues race."""

import pytest
from django.core import mail

from badges import services
from badges.models import Badge, BadgeEvent
from config.errors import DomainError
from integrations.models import Stage
from tests.badges.helpers import recorded_run
from tests.concurrency import at_once
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eligible(partner):
    """A supported integration whose evidence target's latest run passed on HCP Vault (and
    exercised namespaces)."""
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    run = recorded_run(integration)
    return integration, run


def url(integration):
    return f"/api/v1/integrations/{integration.pk}/badges/"


def test_an_admin_issues_a_badge(api, admin, owner, eligible, django_capture_on_commit_callbacks):
    integration, run = eligible
    with django_capture_on_commit_callbacks(execute=True):
        response = api.as_user(admin).post(
            url(integration), {"kind": "hcp_vault_verified"}, format="json"
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["status"], body["run"]) == ("hcp_vault_verified", "active", run.pk)
    assert body["status_reason"] == ""
    assert body["svg_url"].endswith(f"/badges/{body['public_id']}.svg")
    assert body["json_url"].endswith(f"/badges/{body['public_id']}.json")
    assert body["verify_url"].endswith(f"/badges/{body['public_id']}/")
    assert len(body["public_id"]) >= 20
    badge = Badge.objects.get()
    assert list(badge.events.values_list("action", "actor")) == [("issued", admin.pk)]
    (message,) = [m for m in mail.outbox if "badge" in m.subject]
    assert message.to == [owner.email]
    assert "HCP Vault Verified badge issued" in message.subject


@pytest.mark.parametrize("role", ["owner", "member", "reviewer"])
def test_only_admins_issue(api, people, eligible, role):
    integration, _ = eligible
    response = api.as_user(people[role]).post(
        url(integration), {"kind": "hcp_vault_verified"}, format="json"
    )
    assert response.status_code == 403
    assert Badge.objects.count() == 0


def test_another_partner_and_anonymous(api, outsider, eligible):
    integration, _ = eligible
    assert (
        api.as_user(outsider)
        .post(url(integration), {"kind": "hcp_vault_verified"}, format="json")
        .status_code
        == 404
    )
    api.logout()
    assert (
        api.post(url(integration), {"kind": "hcp_vault_verified"}, format="json").status_code == 401
    )


def test_an_ineligible_integration_gets_409_with_unmet(api, admin, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    response = api.as_user(admin).post(
        url(integration), {"kind": "vault_enterprise_verified"}, format="json"
    )
    assert response.status_code == 409
    assert {u["code"] for u in response.json()["unmet"]} == {"not_released", "no_evidence"}


def test_a_second_live_badge_of_a_kind_is_a_conflict(api, admin, eligible):
    integration, _ = eligible
    api.as_user(admin)
    assert (
        api.post(url(integration), {"kind": "hcp_vault_verified"}, format="json").status_code == 201
    )
    again = api.post(url(integration), {"kind": "hcp_vault_verified"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "badge_exists")
    other = api.post(url(integration), {"kind": "vault_enterprise_verified"}, format="json")
    assert other.status_code == 201  # the HCP run also exercised namespaces


def test_an_unknown_kind_is_a_400(api, admin, eligible):
    integration, _ = eligible
    response = api.as_user(admin).post(url(integration), {"kind": "gold"}, format="json")
    assert response.status_code == 400 and "kind" in response.json()["errors"]


def test_revoke_needs_an_admin_and_a_reason(
    api, admin, reviewer, owner, eligible, django_capture_on_commit_callbacks
):
    integration, _ = eligible
    badge = services.badge_issue(integration=integration, kind="hcp_vault_verified", actor=admin)
    revoke = f"/api/v1/badges/{badge.pk}/revoke/"
    assert api.as_user(reviewer).post(revoke, {"reason": "x"}, format="json").status_code == 403
    assert api.as_user(admin).post(revoke, {}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(revoke, {"reason": "Logo misuse."}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "revoked")
    assert response.json()["revocation_reason"] == "Logo misuse."
    assert "revoked" in mail.outbox[-1].subject
    again = api.post(revoke, {"reason": "again"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_revoked")
    # A revoked badge can be issued anew.
    assert (
        api.post(url(integration), {"kind": "hcp_vault_verified"}, format="json").status_code == 201
    )


def test_badges_list_follows_visibility(api, admin, owner, outsider, eligible):
    integration, _ = eligible
    services.badge_issue(integration=integration, kind="hcp_vault_verified", actor=admin)
    assert api.as_user(owner).get("/api/v1/badges/").json()["count"] == 1
    assert api.as_user(outsider).get("/api/v1/badges/").json()["count"] == 0
    assert api.as_user(admin).get("/api/v1/badges/?status=revoked").json()["count"] == 0


def test_the_integration_page_shows_eligibility_and_issues(client_as, admin, owner, eligible):
    integration, _ = eligible
    client = client_as(admin)
    html = client.get(f"/integrations/{integration.pk}/").content.decode()
    assert "Issue HCP Vault Verified" in html
    response = client.post(
        f"/integrations/{integration.pk}/badges/issue/", {"kind": "hcp_vault_verified"}, follow=True
    )
    badge = Badge.objects.get()
    html = response.content.decode()
    assert "badge issued" in html
    assert f"/badges/{badge.public_id}.svg" in html
    assert "[![HashiCorp Vault: HCP Vault Verified]" in html  # the Markdown snippet
    partner_view = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert "Issue HCP Vault Verified" not in partner_view
    assert f"/badges/{badge.public_id}/" in partner_view


def test_a_partner_cannot_issue_from_the_page(client_as, owner, eligible):
    integration, _ = eligible
    client_as(owner).post(
        f"/integrations/{integration.pk}/badges/issue/", {"kind": "hcp_vault_verified"}
    )
    assert Badge.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_racing_issues_make_one_badge(admin, eligible):
    integration, _ = eligible

    def issue():
        services.badge_issue(integration=integration, kind="hcp_vault_verified", actor=admin)
        return "issued"

    outcomes = [
        outcome.code if isinstance(outcome, DomainError) else outcome
        for outcome in at_once(issue, issue)
    ]
    assert sorted(outcomes) == ["badge_exists", "issued"]
    assert Badge.objects.count() == 1
    assert BadgeEvent.objects.count() == 1
