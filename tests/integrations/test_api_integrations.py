"""/api/v1/integrations/: the intake, detail, staff fields, transitions and history."""

import pytest

from accounts.services import api_token_create
from integrations.models import Stage
from tests.factories import IntegrationFactory, VerificationRunFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/integrations/"


def intake(partner_slug, **overrides):
    body = {
        "partner": partner_slug,
        "name": "Acme Secrets Sync for Kubernetes",
        "category": "runtime",
        "summary": "Syncs Vault secrets into Kubernetes.",
        "description": "An operator that reads KV secrets with the Kubernetes auth method.",
        "vault_editions": ["vault_enterprise", "hcp_vault"],
        "auth_methods": ["kubernetes", "approle"],
        "namespace_support": True,
        "repository_url": "https://github.com/acme/sync",
        "docs_url": "https://acme.example/docs/sync",
        "contact_email": "dev@acme.example",
    }
    body.update(overrides)
    return body


def test_intake_creates_an_integration_in_engage(api, owner, partner):
    response = api.as_user(owner).post(LIST, intake(partner.slug), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stage"] == "engage"
    assert body["partner"] == partner.slug
    assert body["overlaps"] == []
    assert body["support_standing"] == "good"
    assert [item["key"] for item in body["checklist"]] == [
        "intake",
        "developed",
        "feedback_addressed",
        "credentials",
        "demo",
        "agreement",
        "support",
    ]
    assert body["checklist"][0]["done"] is True
    history = api.get(f"{LIST}{body['id']}/history/").json()["results"]
    assert [(row["from"], row["to"], row["actor"]) for row in history] == [
        ("", "engage", owner.email)
    ]


def test_intake_reports_overlaps_and_hides_unreleased_work_of_others(
    api, owner, partner, other_partner
):
    released = IntegrationFactory(
        partner=other_partner, name="Kubernetes Secrets Sync", stage=Stage.SUPPORT
    )
    IntegrationFactory(partner=other_partner, name="Secrets Sync Kubernetes Operator")
    response = api.as_user(owner).post(LIST, intake(partner.slug), format="json")
    body = response.json()
    overlaps = body["overlaps"]
    assert [(o["id"], o["name"], o["partner"]) for o in overlaps] == [
        (released.pk, released.name, other_partner.name)
    ]
    assert 0 < overlaps[0]["score"] <= 1
    # The other partner's unreleased work: a count, no name, no partner, no score.
    assert body["overlaps_unreleased"] == 1
    assert "Operator" not in response.content.decode()


def test_staff_see_every_overlap_and_acknowledge_them(api, owner, reviewer, partner, other_partner):
    IntegrationFactory(partner=other_partner, name="Secrets Sync Kubernetes Operator")
    created = api.as_user(owner).post(LIST, intake(partner.slug), format="json").json()
    url = f"{LIST}{created['id']}/"
    staff_view = api.as_user(reviewer).get(url).json()
    assert staff_view["overlaps"][0]["name"] == "Secrets Sync Kubernetes Operator"
    assert staff_view["overlaps_unreleased"] == 0
    assert staff_view["overlaps_acknowledged"] is False
    response = api.patch(url, {"overlaps_acknowledged": True}, format="json")
    assert response.status_code == 200
    assert response.json()["overlaps_acknowledged"] is True


def test_storage_or_unseal_is_accepted_and_flagged(api, owner, partner):
    body = intake(partner.slug, category="storage_or_unseal", name="Acme Unseal")
    response = api.as_user(owner).post(LIST, body, format="json")
    assert response.status_code == 201
    assert response.json()["not_encouraged"] is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"category": "database"}, "category"),
        ({"repository_url": "not a url"}, "repository_url"),
        ({"docs_url": "ftp//x"}, "docs_url"),
        ({"contact_email": "nobody"}, "contact_email"),
        ({"vault_editions": []}, "vault_editions"),
        ({"vault_editions": ["vault_free"]}, "vault_editions"),
        ({"auth_methods": "approle"}, "auth_methods"),
        ({"description": "x" * 10_001}, "description"),
        ({"summary": "x" * 301}, "summary"),
        ({"name": "x" * 121}, "name"),
        ({"partner": "no-such-partner"}, "partner"),
        ({"namespace_support": "perhaps"}, "namespace_support"),
    ],
)
def test_bad_intake_gets_field_errors(api, owner, partner, overrides, field):
    response = api.as_user(owner).post(LIST, intake(partner.slug, **overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]


def test_missing_fields_are_listed(api, owner):
    response = api.as_user(owner).post(LIST, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {
        "partner",
        "name",
        "category",
        "summary",
        "description",
        "vault_editions",
        "auth_methods",
        "contact_email",
    }


def test_a_partner_the_user_does_not_belong_to_is_a_field_error(api, owner, other_partner):
    response = api.as_user(owner).post(LIST, intake(other_partner.slug), format="json")
    assert response.status_code == 400
    assert "partner" in response.json()["errors"]
    assert other_partner.integrations.count() == 0


def test_staff_only_fields_are_refused_in_the_intake(api, owner, partner):
    body = intake(partner.slug, demo_done_at="2026-01-01")
    response = api.as_user(owner).post(LIST, body, format="json")
    assert response.status_code == 400
    assert "demo_done_at" in response.json()["errors"]


def test_malformed_json_is_a_400(api, owner):
    response = api.as_user(owner).post(LIST, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_anonymous_gets_401(api):
    assert api.get(LIST).status_code == 401
    response = api.post(LIST, {}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_token_authentication(api, owner, partner):
    _, key = api_token_create(user=owner, name="ci")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.post(LIST, intake(partner.slug), format="json").status_code == 201


# --- List, filters, visibility ---------------------------------------------------------------


def test_list_shows_only_the_users_partners(api, owner, outsider, reviewer, partner, other_partner):
    mine = IntegrationFactory(partner=partner)
    theirs = IntegrationFactory(partner=other_partner)
    ids = [row["id"] for row in api.as_user(owner).get(LIST).json()["results"]]
    assert ids == [mine.pk]
    ids = [row["id"] for row in api.as_user(outsider).get(LIST).json()["results"]]
    assert ids == [theirs.pk]
    ids = {row["id"] for row in api.as_user(reviewer).get(LIST).json()["results"]}
    assert ids == {mine.pk, theirs.pk}


def test_list_filters_and_paginates(api, reviewer, partner, other_partner):
    IntegrationFactory(partner=partner, name="Alpha KMS", stage=Stage.REVIEW, category="hsm")
    IntegrationFactory(partner=partner, name="Beta Sync", stage=Stage.REVIEW)
    IntegrationFactory(partner=other_partner, name="Gamma Audit", category="audit")
    api.as_user(reviewer)

    def names(query):
        response = api.get(f"{LIST}?{query}")
        assert response.status_code == 200
        return sorted(row["name"] for row in response.json()["results"])

    assert names("stage=review") == ["Alpha KMS", "Beta Sync"]
    assert names("category=audit") == ["Gamma Audit"]
    assert names(f"partner={partner.slug}") == ["Alpha KMS", "Beta Sync"]
    assert names("search=kms") == ["Alpha KMS"]
    assert names("search=globex") == ["Gamma Audit"]
    page = api.get(f"{LIST}?page_size=2").json()
    assert (page["count"], len(page["results"]), page["previous"]) == (3, 2, None)
    assert "page=2" in page["next"]
    assert api.get(f"{LIST}?stage=shipped").status_code == 400


# --- Detail and PATCH --------------------------------------------------------------------------


def test_another_partner_gets_404(api, outsider, integration):
    url = f"{LIST}{integration.pk}/"
    api.as_user(outsider)
    assert api.get(url).status_code == 404
    assert api.patch(url, {"summary": "mine now"}, format="json").status_code == 404
    assert api.post(f"{url}transition/", {"to": "withdrawn"}, format="json").status_code == 404
    assert api.get(f"{url}history/").status_code == 404


def test_partner_edits_intake_answers_but_not_staff_fields(api, member, reviewer, integration):
    url = f"{LIST}{integration.pk}/"
    api.as_user(member)
    response = api.patch(url, {"summary": "Now with PKI."}, format="json")
    assert (response.status_code, response.json()["summary"]) == (200, "Now with PKI.")
    for field, value in [
        ("demo_done_at", "2026-01-01"),
        ("plugin_portal_url", "https://portal.example"),
        ("overlaps_acknowledged", True),
        ("assignee", "reviewer@vip.example"),
    ]:
        response = api.patch(url, {field: value}, format="json")
        assert response.status_code == 403, field
        assert response.json()["code"] == "staff_only"


def test_partner_cannot_be_changed_by_patch(api, owner, integration, other_partner):
    url = f"{LIST}{integration.pk}/"
    api.as_user(owner).patch(url, {"partner": other_partner.slug}, format="json")
    integration.refresh_from_db()
    assert integration.partner.slug != other_partner.slug


def test_staff_record_demo_portal_and_assignee(api, admin, reviewer, integration):
    url = f"{LIST}{integration.pk}/"
    body = {
        "demo_done_at": "2026-11-20",
        "plugin_portal_url": "https://developer.hashicorp.com/vault/integrations/acme",
        "assignee": reviewer.email,
    }
    response = api.as_user(admin).patch(url, body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["demo_done_at"], data["assignee"]) == ("2026-11-20", reviewer.email)
    assert next(i for i in data["checklist"] if i["key"] == "demo")["done"] is True
    response = api.patch(url, {"assignee": "owner@acme.example"}, format="json")
    assert response.status_code == 400  # only staff can be assigned


def test_renaming_does_not_score_overlaps_again(api, owner, integration, other_partner):
    """The oracle: a partner renaming its integration to probe for other partners' unreleased
    work learns nothing, as nothing is scored again."""
    IntegrationFactory(partner=other_partner, name="Quantum Ledger Bridge")
    url = f"{LIST}{integration.pk}/"
    assert api.as_user(owner).get(url).json()["overlaps_unreleased"] == 0
    for name in ("Quantum Ledger Bridge", "Quantum Ledger Bridge Connector"):
        response = api.patch(url, {"name": name, "description": name}, format="json")
        assert response.status_code == 200
        assert (response.json()["overlaps"], response.json()["overlaps_unreleased"]) == ([], 0)
    assert not integration.overlaps.exists()


# --- Transitions -------------------------------------------------------------------------------


def test_transition_200_with_the_new_stage(api, reviewer, integration):
    url = f"{LIST}{integration.pk}/transition/"
    response = api.as_user(reviewer).post(url, {"to": "enable", "note": "Go"}, format="json")
    assert response.status_code == 200
    assert response.json()["stage"] == "enable"
    history = api.get(f"{LIST}{integration.pk}/history/").json()["results"]
    assert history[-1] == {
        "field": "stage",
        "from": "engage",
        "to": "enable",
        "actor": reviewer.email,
        "at": history[-1]["at"],
        "note": "Go",
    }


def test_transition_409_lists_unmet_conditions(api, owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP, docs_url="")
    url = f"{LIST}{integration.pk}/transition/"
    response = api.as_user(owner).post(url, {"to": "review"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "guard_unmet"
    assert {u["code"] for u in body["unmet"]} == {"docs_missing", "no_target", "no_run"}
    assert all(u["message"] for u in body["unmet"])


def test_transition_403_for_a_role_that_may_not(api, owner, integration):
    url = f"{LIST}{integration.pk}/transition/"
    response = api.as_user(owner).post(url, {"to": "enable"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


def test_transition_400_for_an_unknown_stage(api, reviewer, integration):
    url = f"{LIST}{integration.pk}/transition/"
    response = api.as_user(reviewer).post(url, {"to": "shipped"}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()["errors"]


def test_transition_409_for_a_move_that_does_not_exist(api, reviewer, integration):
    url = f"{LIST}{integration.pk}/transition/"
    response = api.as_user(reviewer).post(url, {"to": "support"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_partner_submits_for_review_through_the_api(api, member, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    VerificationRunFactory(target__integration=integration)
    url = f"{LIST}{integration.pk}/transition/"
    response = api.as_user(member).post(url, {"to": "review"}, format="json")
    assert (response.status_code, response.json()["stage"]) == (200, "review")


def test_the_list_query_count_does_not_grow(api, reviewer, partner, django_assert_num_queries):
    IntegrationFactory(partner=partner, assignee=reviewer)
    api.as_user(reviewer)
    api.get(LIST)  # warm the session

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert api.get(LIST).status_code == 200
        return len(queries)

    few = count()
    for _ in range(15):
        IntegrationFactory(partner=partner, assignee=reviewer)
    assert count() == few
