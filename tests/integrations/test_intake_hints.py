"""The intake while it is typed: the live hint of similar work (/engage/similar/), the refusal
of a name the partner already uses, and the character counters."""

import re

import pytest
from django.test import override_settings

from integrations import services
from integrations.models import Integration
from integrations.overlap import find_overlaps
from tests.concurrency import at_once
from tests.factories import IntegrationFactory, PartnerFactory
from tests.integrations.test_api_integrations import intake
from tests.integrations.test_intake_page import form_data

pytestmark = pytest.mark.django_db

HINT = "/engage/similar/"
DESCRIPTION = "Reads KV v2 secrets with AppRole and writes them to Initech Cloud."


def typed(partner_slug="__new__", **overrides) -> dict:
    """What the intake form holds while someone types (htmx posts the whole form)."""
    return form_data(partner=partner_slug, **overrides)


@pytest.fixture
def existing(partner, other_partner):
    """Work like "Initech Secrets Sync": one of the partner's own (unreleased), one of another
    partner released (public), and one of another partner not released (private)."""
    return {
        "own": IntegrationFactory(
            partner=partner, name="Secrets Sync Acme", description=DESCRIPTION
        ),
        "public": IntegrationFactory(
            partner=other_partner,
            name="Secrets Sync Initech",
            description=DESCRIPTION,
            stage="support",
        ),
        "private": IntegrationFactory(
            partner=PartnerFactory(name="Umbrella Corp"),
            name="Umbrella Secrets Syncer",
            description=DESCRIPTION,
            stage="develop",
        ),
    }


def test_the_hint_shows_public_and_own_work_by_name_and_others_unreleased_work_as_a_count(
    client_as, owner, partner, existing
):
    html = client_as(owner).post(HINT, typed(partner.slug)).content.decode()
    assert "Secrets Sync Initech" in html and "Globex Cloud" in html  # released: public
    assert "Secrets Sync Acme" in html  # the partner's own
    assert "1 unreleased integration by other partners looks similar" in html
    assert "Umbrella" not in html  # no name, no partner, no score of private work
    assert html.count("% similar") == 2


def test_the_hint_finds_what_the_saved_intake_finds(client_as, owner, partner, existing):
    """The same find_overlaps: what the hint shows while typing is what submitting records."""
    client = client_as(owner)
    hinted = client.post(HINT, typed(partner.slug)).content.decode()
    client.post("/engage/", typed(partner.slug))
    saved = Integration.objects.get(name="Initech Secrets Sync")
    recorded = {o.similar.name: round(o.score * 100) for o in saved.overlaps.all()}
    shown = dict(re.findall(r"<strong>(.+?)</strong> by .+?\((\d+)% similar\)", hinted))
    assert {name: int(score) for name, score in shown.items()} == {
        name: score for name, score in recorded.items() if "Umbrella" not in name
    }
    assert set(recorded) == {"Secrets Sync Acme", "Secrets Sync Initech", "Umbrella Secrets Syncer"}
    assert find_overlaps(saved)  # scored by the one function


def test_program_staff_see_every_similar_integration_by_name(client_as, reviewer, existing):
    html = client_as(reviewer).post(HINT, typed()).content.decode()
    assert "Umbrella Secrets Syncer" in html
    assert "unreleased integration" not in html


def test_the_hint_waits_for_a_name_and_a_category(client_as, owner, existing):
    client = client_as(owner)
    assert "as you type the name" in client.post(HINT, typed(name="In")).content.decode()
    html = client.post(HINT, typed(category="")).content.decode()
    assert "Choose a category" in html and "Secrets Sync" not in html


def test_the_hint_is_for_signed_in_people_and_only_answers_posts(client, owner):
    assert client.post(HINT, typed())["Location"].startswith("/accounts/login/")
    client.force_login(owner)
    assert client.get(HINT).status_code == 405


@override_settings(ACCOUNT_RATE_LIMITS={"intake_hint": "3/h/user"})
def test_the_hint_is_rate_limited_per_person(client_as, owner, outsider, existing):
    """Each answer tells a little about others' unreleased work: a person cannot ask for it
    again and again (typing stays possible; the hint pauses)."""
    client = client_as(owner)
    for _ in range(3):
        assert client.post(HINT, typed()).status_code == 200
    paused = client.post(HINT, typed())
    assert paused.status_code == 429
    assert "Hints paused" in paused.content.decode()
    assert "Secrets Sync" not in paused.content.decode()
    assert client_as(outsider).post(HINT, typed()).status_code == 200  # per person
    # Typing without a name or category yet costs nothing.
    assert client_as(owner).post(HINT, typed(name="")).status_code == 200


def test_the_hint_warns_of_a_name_the_partner_already_uses(client_as, owner, partner, outsider):
    mine = IntegrationFactory(partner=partner, name="Initech Secrets Sync")
    html = client_as(owner).post(HINT, typed(partner.slug)).content.decode()
    assert "Acme Security already has an integration named “Initech Secrets Sync”" in html
    assert f'href="/integrations/{mine.pk}/"' in html
    assert "% similar" not in html  # the same name is refused, not listed as similar work
    # Another partner typing the same name learns nothing about it.
    other = client_as(outsider).post(HINT, typed("globex-cloud")).content.decode()
    assert "already has" not in other
    assert f"/integrations/{mine.pk}/" not in other


def test_the_intake_page_asks_for_the_hint_as_the_partner_types(client_as, owner):
    html = client_as(owner).get("/engage/").content.decode()
    region = re.search(r'<div id="similar-work"[^>]*>', html).group(0)
    assert 'hx-post="/engage/similar/"' in region
    assert "input changed delay:600ms from:#id_name" in region
    assert "input changed delay:600ms from:#id_description" in region
    assert "change from:#id_category" in region
    assert 'aria-live="polite"' in region


# --- An exact duplicate name within one partner ----------------------------------------------


def test_the_form_refuses_a_name_the_partner_already_uses_and_links_to_it(
    client_as, owner, partner
):
    mine = IntegrationFactory(partner=partner, name="Initech Secrets Sync")
    response = client_as(owner).post(
        "/engage/", typed(partner.slug, name="  initech secrets SYNC ")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Acme Security already has an integration named “Initech Secrets Sync”" in html
    assert 'id="id_name" aria-invalid="true"' in html or 'aria-invalid="true"' in html
    assert f'<a href="/integrations/{mine.pk}/">Open “Initech Secrets Sync”</a>' in html
    assert Integration.objects.filter(partner=partner).count() == 1


def test_the_api_refuses_a_duplicate_name_with_a_field_error(api, owner, partner):
    mine = IntegrationFactory(partner=partner, name="Acme Secrets Sync for Kubernetes")
    response = api.as_user(owner).post("/api/v1/integrations/", intake(partner.slug), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "duplicate_name"
    assert "already has an integration named" in body["errors"]["name"][0]
    assert f"/api/v1/integrations/{mine.pk}/" in body["message"]
    assert Integration.objects.filter(partner=partner).count() == 1


def test_other_partners_and_finished_work_do_not_hold_a_name(api, owner, partner, other_partner):
    IntegrationFactory(partner=other_partner, name="Acme Secrets Sync for Kubernetes")
    IntegrationFactory(partner=partner, name="Acme Secrets Sync for Kubernetes", stage="withdrawn")
    response = api.as_user(owner).post("/api/v1/integrations/", intake(partner.slug), format="json")
    assert response.status_code == 201, response.json()


def test_a_rename_to_a_name_in_use_is_refused(client_as, owner, partner):
    IntegrationFactory(partner=partner, name="Acme Audit Stream")
    mine = IntegrationFactory(partner=partner, name="Acme Audit Streamer")
    data = {
        "name": "ACME audit stream",
        "category": mine.category,
        "summary": mine.summary,
        "description": mine.description,
        "vault_editions": mine.vault_editions,
        "auth_methods": mine.auth_methods,
        "namespace_support": "on",
        "repository_url": mine.repository_url,
        "docs_url": mine.docs_url,
        "contact_email": mine.contact_email,
    }
    response = client_as(owner).post(f"/integrations/{mine.pk}/edit/", data)
    assert response.status_code == 200
    assert "already has an integration named “Acme Audit Stream”" in response.content.decode()
    mine.refresh_from_db()
    assert mine.name == "Acme Audit Streamer"
    data["summary"] = "A new summary, same name."  # editing other fields stays possible
    data["name"] = mine.name
    assert client_as(owner).post(f"/integrations/{mine.pk}/edit/", data).status_code == 302


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_intakes_racing_with_one_name_record_one(owner, partner):
    body = intake(partner.slug)
    body.pop("partner")

    def submit():
        return services.integration_intake(partner=partner, actor=owner, data=dict(body))

    outcomes = at_once(submit, submit)
    assert sum(isinstance(outcome, Integration) for outcome in outcomes) == 1, outcomes
    refused = next(outcome for outcome in outcomes if not isinstance(outcome, Integration))
    assert refused.code == "duplicate_name"
    assert Integration.objects.filter(partner=partner).count() == 1


# --- Character counters -----------------------------------------------------------------------


def counters(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-counter-for="([^"]+)" data-limit="(\d+)"', html))


def test_free_text_fields_that_maxlength_would_cut_have_a_counter(client_as, owner):
    html = client_as(owner).get("/engage/").content.decode()
    assert counters(html) == {
        "id_partner-name": "120",
        "id_name": "120",
        "id_summary": "300",
        "id_description": "10000",
    }  # not e-mail, URL or short fields (country code, time zone)
    assert 'id="id_description_counter"' in html and "Up to 10000 characters." in html
    assert "js/char_counter.js" in html


def test_the_edit_page_has_the_same_counters(client_as, owner, integration):
    html = client_as(owner).get(f"/integrations/{integration.pk}/edit/").content.decode()
    assert counters(html) == {"id_name": "120", "id_summary": "300", "id_description": "10000"}
