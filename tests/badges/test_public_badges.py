"""/badges/<id>.svg, .json and the verify page: public, cached, accessible, current."""

import xml.etree.ElementTree as ET

import pytest

from badges import rendering, services
from badges.models import Badge
from integrations.models import Stage
from support_sla.models import StandingRecord
from tests.badges.helpers import enterprise_run, recorded_run
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def badge(partner, admin):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT, name="Acme Sync")
    recorded_run(integration)
    badge = services.badge_issue(integration=integration, kind="hcp_vault_verified", actor=admin)
    rendering.forget(badge.public_id)  # cold caches; not cache.clear(), which empties the
    return badge  # Redis database every xdist worker shares


def texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text for t in root.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]


def test_the_svg_is_well_formed_accessible_and_green_when_active(client, badge):
    response = client.get(f"/badges/{badge.public_id}.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert root.get("role") == "img"
    assert root.get("aria-label") == "HashiCorp Vault: HCP Vault Verified"
    assert root.find(f"{SVG}title").text == "HashiCorp Vault: HCP Vault Verified"
    assert texts(response.content) == ["HashiCorp Vault", "HCP Vault Verified"]
    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect")]
    assert "#4c1" in fills
    assert int(root.get("width")) > 150  # measured text, not a fixed box


@pytest.mark.parametrize(("change", "word"), [("suspend", "suspended"), ("revoke", "revoked")])
def test_a_status_change_is_visible_in_the_next_response(
    client, badge, admin, change, word, django_capture_on_commit_callbacks
):
    url = f"/badges/{badge.public_id}.svg"
    assert client.get(url).status_code == 200  # warm the cache
    with django_capture_on_commit_callbacks(execute=True):
        if change == "suspend":
            StandingRecord.objects.create(
                integration=badge.integration, standing="failing", reason="3 breaches."
            )
            services.badges_refresh(integration=badge.integration)
        else:
            services.badge_revoke(badge=badge, actor=admin, reason="Misuse.")
    response = client.get(url)
    assert texts(response.content) == ["HashiCorp Vault", f"HCP Vault Verified: {word}"]
    fills = [rect.get("fill") for rect in ET.fromstring(response.content).iter(f"{SVG}rect")]
    assert "#9f9f9f" in fills and "#4c1" not in fills
    document = client.get(f"/badges/{badge.public_id}.json").json()
    assert (document["status"], document["color"]) == (word, "lightgrey")
    reason = "support_failing" if change == "suspend" else None
    assert document["status_reason"] == reason


def test_the_json_follows_the_shields_endpoint_schema(client, badge):
    response = client.get(f"/badges/{badge.public_id}.json")
    document = response.json()
    assert response["Content-Type"] == "application/json"
    assert document["schemaVersion"] == 1
    assert (document["label"], document["message"], document["color"]) == (
        "HashiCorp Vault",
        "HCP Vault Verified",
        "brightgreen",
    )
    assert document["status"] == "active"
    assert (document["integration"], document["partner"]) == ("Acme Sync", "Acme Security")
    assert document["issued_at"] and document["verified_at"]
    assert set(document) >= {
        "schemaVersion",
        "label",
        "message",
        "color",
        "status",
        "integration",
        "partner",
        "issued_at",
        "verified_at",
    }


@pytest.mark.parametrize("suffix", [".svg", ".json"])
def test_headers_and_conditional_requests(client, badge, suffix):
    url = f"/badges/{badge.public_id}{suffix}"
    response = client.get(url)
    assert response["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.cookies == {} or not any(response.cookies.values())
    assert "Cookie" not in response.get("Vary", "")
    etag = response["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


@pytest.mark.parametrize("suffix", [".svg", ".json"])
def test_no_database_query_on_a_warm_cache(client, badge, suffix, django_assert_num_queries):
    url = f"/badges/{badge.public_id}{suffix}"
    client.get(url)
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response.status_code == 200


def test_unknown_ids_are_404(client, db):
    assert client.get("/badges/NoSuchBadgeId123.svg").status_code == 404
    assert client.get("/badges/NoSuchBadgeId123.json").status_code == 404
    assert client.get("/badges/NoSuchBadgeId123/").status_code == 404


def test_the_verify_page_shows_what_was_verified_and_no_secret(
    client, partner, owner, admin, bao, enterprise, namespace, verify
):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT, name="Acme Sync")
    run = enterprise_run(enterprise, namespace, integration, owner, verify)
    badge = services.badge_issue(
        integration=integration, kind="vault_enterprise_verified", actor=admin
    )
    response = client.get(f"/badges/{badge.public_id}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Sync" in html and "Acme Security" in html and "Vault Enterprise Verified" in html
    assert "Vault Enterprise 1.19.2+ent" in html  # the detected platform, not the declared kind
    assert "auth.login" in html and "secrets.kv-v2" in html
    assert run.target.url not in html
    assert "127.0.0.1" not in html
    assert "Namespaces" in html


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("not_listed", "the integration is no longer listed in the program's directory"),
        ("support_failing", "support of the integration is failing"),
        ("evidence_archived", "the test cluster this badge was verified against was removed"),
        ("reverification_failed", "two latest verifications of the integration did not pass"),
    ],
)
def test_the_verify_page_says_why_a_badge_is_suspended(client, badge, reason, words):
    Badge.objects.filter(pk=badge.pk).update(status="suspended", status_reason=reason)
    html = client.get(f"/badges/{badge.public_id}/").content.decode().replace("&#x27;", "'")
    alert = html[html.index("This badge is <strong>suspended</strong>: ") :]
    assert words in alert[: alert.index("</div>")]


def test_the_directory_and_partner_page_show_active_badges(
    client, badge, admin, django_assert_max_num_queries
):
    url = f"/badges/{badge.public_id}.svg"
    with django_assert_max_num_queries(3):
        directory = client.get("/directory/").content.decode()
    assert url in directory
    partner_page = client.get(f"/directory/{badge.integration.partner.slug}/").content.decode()
    assert url in partner_page
    services.badge_revoke(badge=badge, actor=admin, reason="Gone.")
    assert url not in client.get("/directory/").content.decode()


def test_the_integration_api_lists_badges(api, owner, badge):
    body = api.as_user(owner).get(f"/api/v1/integrations/{badge.integration_id}/").json()
    assert body["badges"] == [
        {
            "id": badge.pk,
            "kind": "hcp_vault_verified",
            "status": "active",
            "public_id": badge.public_id,
        }
    ]
