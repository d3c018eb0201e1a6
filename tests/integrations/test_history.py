"""The integration's history (DESIGN.md §4.2): stage changes and changes of the fields the
review verified, in one timeline and in `GET …/history/`; those fields are locked for partners
from review on (403 in the API, a form error on the page), and staff changes are recorded."""

import pytest

from config.errors import DomainError
from integrations.models import Stage, StageTransition
from integrations.services import history_record, integration_update
from pipeline.services import integration_transition
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/integrations/"


def history(api, integration) -> list[dict]:
    return api.get(f"{LIST}{integration.pk}/history/").json()["results"]


def form(integration, **changes) -> dict:
    """The edit page's form as the browser posts it: every answer, some changed."""
    fields = {
        "name": integration.name,
        "category": integration.category,
        "summary": integration.summary,
        "description": integration.description,
        "vault_editions": integration.vault_editions,
        "auth_methods": integration.auth_methods,
        "repository_url": integration.repository_url,
        "docs_url": integration.docs_url,
        "contact_email": integration.contact_email,
    }
    if integration.namespace_support:
        fields["namespace_support"] = "on"
    fields.update(changes)
    return {key: value for key, value in fields.items() if value is not None}


REVIEWED_CHANGES = [
    ("category", "audit"),  # switches the plugin, HSM and audit checks
    ("vault_editions", ["vault_community"]),
    ("auth_methods", ["token"]),
    ("namespace_support", False),
]


@pytest.mark.parametrize("stage", ["review", "release", "support", "delisted"])
@pytest.mark.parametrize(("field", "value"), REVIEWED_CHANGES)
@pytest.mark.parametrize("role", ["owner", "member"])
def test_a_partner_cannot_change_what_the_review_verified_from_review_on(
    api, people, partner, stage, field, value, role
):
    integration = IntegrationFactory(partner=partner, stage=stage, category="secrets_engine")
    before = getattr(integration, field)
    response = api.as_user(people[role]).patch(
        f"{LIST}{integration.pk}/", {field: value}, format="json"
    )
    assert response.status_code == 403, response.json()
    body = response.json()
    assert body["code"] == "reviewed_fields_locked"
    assert list(body["errors"]) == [field]
    integration.refresh_from_db()
    assert getattr(integration, field) == before
    assert not integration.history.exclude(field="stage").exists()


def test_back_in_develop_after_review_the_fields_stay_locked(api, owner, partner):
    """Changes requested sent it back to develop: it has been reviewed all the same."""
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    StageTransition.objects.create(integration=integration, from_stage="develop", to_stage="review")
    StageTransition.objects.create(integration=integration, from_stage="review", to_stage="develop")
    response = api.as_user(owner).patch(
        f"{LIST}{integration.pk}/", {"category": "audit"}, format="json"
    )
    assert response.status_code == 403


def test_the_same_value_is_no_change(api, owner, partner):
    """A client that sends the whole object back, unchanged fields included, is not refused
    (the multiple choices are sets: another order is the same answer)."""
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    response = api.as_user(owner).patch(
        f"{LIST}{integration.pk}/",
        {
            "category": integration.category,
            "vault_editions": list(reversed(integration.vault_editions)),
            "namespace_support": integration.namespace_support,
            "summary": "A better summary.",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert not integration.history.exists()


@pytest.mark.parametrize("stage", ["engage", "enable", "develop"])
def test_before_review_partners_change_them_and_each_change_is_recorded(
    api, member, partner, stage
):
    integration = IntegrationFactory(partner=partner, stage=stage)
    response = api.as_user(member).patch(
        f"{LIST}{integration.pk}/",
        {"category": "audit", "auth_methods": ["approle"], "summary": "Not recorded."},
        format="json",
    )
    assert response.status_code == 200, response.json()
    rows = {row["field"]: row for row in history(api, integration)}
    assert set(rows) == {"category", "auth_methods"}
    assert (rows["category"]["from"], rows["category"]["to"]) == ("runtime", "audit")
    assert (rows["auth_methods"]["from"], rows["auth_methods"]["to"]) == (
        ["approle", "token"],
        ["approle"],
    )
    assert rows["category"]["actor"] == member.email


def test_staff_change_them_after_review_and_the_change_is_recorded(api, reviewer, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.RELEASE)
    response = api.as_user(reviewer).patch(
        f"{LIST}{integration.pk}/",
        {"vault_editions": ["hcp_vault"], "namespace_support": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    rows = history(api, integration)
    assert [(r["field"], r["from"], r["to"], r["actor"]) for r in rows] == [
        ("vault_editions", ["vault_enterprise", "hcp_vault"], ["hcp_vault"], reviewer.email),
        ("namespace_support", True, False, reviewer.email),
    ]
    assert set(rows[0]) == {"field", "from", "to", "actor", "at", "note"}


def test_the_edit_page_shows_a_form_error_to_a_partner_after_review(client_as, owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    client = client_as(owner)
    page = client.get(f"/integrations/{integration.pk}/edit/").content.decode()
    assert "change only by program staff" in page
    response = client.post(
        f"/integrations/{integration.pk}/edit/", form(integration, category="audit")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "category": ["From review on, only program staff change what the review verified."]
    }
    integration.refresh_from_db()
    assert integration.category == "runtime"


def test_staff_change_them_on_the_page_and_the_timeline_shows_it(client_as, reviewer, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    client = client_as(reviewer)
    response = client.post(
        f"/integrations/{integration.pk}/edit/",
        form(integration, category="audit", auth_methods=["approle", "jwt"]),
    )
    assert response.status_code == 302
    integration.refresh_from_db()
    assert integration.category == "audit"
    html = client.get(f"/integrations/{integration.pk}/").content.decode()
    assert "Category changed" in html and "Runtime integration" in html
    assert "Audit, monitoring, compliance" in html
    assert "Auth methods changed" in html and "AppRole, Token" in html and "AppRole, JWT" in html


def test_stage_changes_are_history_rows_with_field_stage(api, reviewer, integration):
    integration_transition(integration=integration, to=Stage.ENABLE, actor=reviewer, note="Go")
    (row,) = history(api.as_user(reviewer), integration)
    assert row | {"at": None} == {
        "field": "stage",
        "from": "engage",
        "to": "enable",
        "actor": reviewer.email,
        "at": None,
        "note": "Go",
    }


def test_history_record_writes_a_row_for_any_field(api, admin, integration):
    """The one way to write history for any field, e.g. a verification waiver."""
    history_record(
        integration=integration,
        field="waiver",
        old=None,
        new={"check": "audit.device", "target": 7},
        actor=admin,
        note="HCP cannot list audit devices in admin.",
    )
    history_record(integration=integration, field="stage", old="", new="engage", actor=None)
    rows = history(api.as_user(admin), integration)
    assert [(r["field"], r["from"], r["to"], r["actor"], r["note"]) for r in rows] == [
        (
            "waiver",
            None,
            {"check": "audit.device", "target": 7},
            admin.email,
            "HCP cannot list audit devices in admin.",
        ),
        ("stage", "", "engage", None, ""),
    ]


def test_a_service_caller_gets_the_domain_error(partner, owner):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    with pytest.raises(DomainError) as refused:
        integration_update(integration=integration, actor=owner, data={"category": "hsm"})
    assert (refused.value.status, refused.value.errors) == (
        403,
        {"category": ["From review on, only program staff change what the review verified."]},
    )
