"""/api/v1/partners/ and /api/v1/me/."""

import pytest

from accounts.models import Membership

pytestmark = pytest.mark.django_db

PARTNERS = "/api/v1/partners/"


def test_creating_a_partner_makes_the_caller_its_owner(api, outsider):
    body = {
        "name": "Initech",
        "website": "https://initech.example",
        "support_timezone": "America/Chicago",
        "support_country": "US",
        "support_subdivision": "TX",
    }
    response = api.as_user(outsider).post(PARTNERS, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["slug"] == "initech"
    assert Membership.objects.get(partner__slug="initech", user=outsider).role == "owner"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "support_timezone": "Mars/Base"}, "support_timezone"),
        ({"name": "X", "support_country": "ZZ"}, "support_country"),
        (
            {"name": "X", "support_country": "US", "support_subdivision": "XX"},
            "support_subdivision",
        ),
        ({"name": "X", "support_subdivision": "TX"}, "support_subdivision"),
        ({"name": "X", "website": "nope"}, "website"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_partner_input_gets_field_errors(api, owner, body, field):
    response = api.as_user(owner).post(PARTNERS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_duplicate_name_is_refused(api, owner, partner):
    response = api.as_user(owner).post(PARTNERS, {"name": "ACME SECURITY"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "partner_exists"


def test_partners_see_their_own_partners_only(api, owner, partner, other_partner, reviewer):
    slugs = [p["slug"] for p in api.as_user(owner).get(PARTNERS).json()["results"]]
    assert slugs == [partner.slug]
    assert api.get(f"{PARTNERS}{other_partner.slug}/").status_code == 404
    staff = [p["slug"] for p in api.as_user(reviewer).get(PARTNERS).json()["results"]]
    assert staff == [partner.slug, other_partner.slug]


def test_owner_edits_member_may_not(api, owner, member, partner):
    url = f"{PARTNERS}{partner.slug}/"
    response = api.as_user(member).patch(url, {"website": "https://x.example"}, format="json")
    assert response.status_code == 403
    response = api.as_user(owner).patch(url, {"website": "https://x.example"}, format="json")
    assert (response.status_code, response.json()["website"]) == (200, "https://x.example")


def test_only_staff_record_mnda_and_agreement(api, owner, admin, partner):
    url = f"{PARTNERS}{partner.slug}/"
    body = {"mnda_signed_at": "2026-10-01", "agreement_executed_at": "2026-11-01"}
    assert api.as_user(owner).patch(url, body, format="json").status_code == 403
    response = api.as_user(admin).patch(url, body, format="json")
    assert response.status_code == 200
    assert response.json()["agreement_executed_at"] == "2026-11-01"
    create = api.as_user(owner).post(
        PARTNERS, {"name": "Sneaky", "agreement_executed_at": "2026-01-01"}, format="json"
    )
    assert create.status_code == 403


def test_me_lists_roles_and_partners(api, owner, reviewer, admin, partner):
    me = api.as_user(owner).get("/api/v1/me/").json()
    assert me == {
        "id": owner.pk,
        "email": owner.email,
        "roles": ["partner"],
        "partners": [{"slug": partner.slug, "name": partner.name, "role": "owner"}],
    }
    assert api.as_user(reviewer).get("/api/v1/me/").json()["roles"] == ["reviewer"]
    assert api.as_user(admin).get("/api/v1/me/").json()["roles"] == ["admin"]
    api.logout()
    assert api.get("/api/v1/me/").status_code == 401


def test_the_schema_describes_the_api(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/me/",
        "/api/v1/partners/",
        "/api/v1/partners/{slug}/",
        "/api/v1/integrations/",
        "/api/v1/integrations/{id}/",
        "/api/v1/integrations/{id}/transition/",
        "/api/v1/integrations/{id}/history/",
        "/api/v1/integrations/{integration_pk}/targets/",
        "/api/v1/targets/{id}/",
        "/api/v1/integrations/{integration_pk}/verifications/",
        "/api/v1/verifications/{id}/",
        "/api/v1/verifications/{id}/cancel/",
    ]:
        assert path in paths, path


def test_renaming_to_an_existing_name_is_refused(api, owner, partner, other_partner):
    url = f"{PARTNERS}{partner.slug}/"
    response = api.as_user(owner).patch(url, {"name": "Globex Cloud"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "partner_exists")
    response = api.patch(url, {"name": "Acme Security Inc."}, format="json")
    assert (response.status_code, response.json()["name"]) == (200, "Acme Security Inc.")
