"""/engage/: the intake webform as a partner uses it."""

import pytest
from django.core import mail

from accounts.models import Membership
from integrations.models import Integration, Partner
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "partner": "__new__",
        "partner-name": "Initech",
        "partner-website": "https://initech.example",
        "partner-support_timezone": "Europe/Berlin",
        "name": "Initech Secrets Sync",
        "category": "runtime",
        "summary": "Syncs secrets into Initech Cloud.",
        "description": "Reads KV v2 secrets with AppRole and writes them to Initech Cloud.",
        "vault_editions": ["vault_enterprise", "hcp_vault"],
        "auth_methods": ["approle", "jwt"],
        "namespace_support": "on",
        "repository_url": "https://github.com/initech/sync",
        "docs_url": "https://initech.example/docs",
        "contact_email": "dev@initech.example",
    }
    data.update(overrides)
    return data


def test_a_new_user_creates_their_organisation_and_integration(
    client, django_capture_on_commit_callbacks, reviewer
):
    user = UserFactory(email="founder@initech.example")
    client.force_login(user)
    page = client.get("/engage/")
    assert page.status_code == 200
    assert "A new organisation" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/engage/", form_data())
    integration = Integration.objects.get(name="Initech Secrets Sync")
    assert response["Location"] == f"/integrations/{integration.pk}/"
    assert integration.partner.name == "Initech"
    assert integration.partner.support_timezone == "Europe/Berlin"
    assert Membership.objects.get(user=user, partner=integration.partner).role == "owner"
    assert integration.vault_editions == ["vault_enterprise", "hcp_vault"]
    assert integration.namespace_support is True
    assert integration.stage == "engage"
    # Program staff hear about every new intake.
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
    assert "New intake: Initech Secrets Sync" in mail.outbox[0].subject


def test_a_member_picks_their_existing_partner(client, member, partner):
    client.force_login(member)
    response = client.post("/engage/", form_data(partner=partner.slug, **{"partner-name": ""}))
    assert response.status_code == 302
    assert Integration.objects.get().partner == partner
    assert Partner.objects.count() == 1


def test_errors_are_shown_inline_and_nothing_is_saved(client, owner):
    client.force_login(owner)
    response = client.post(
        "/engage/",
        form_data(
            name="",
            docs_url="not a url",
            vault_editions=[],
            description="x" * 10_001,
            **{"partner-support_timezone": "Mars/Olympus"},
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "docs_url", "vault_editions", "description"}
    assert "support_timezone" in response.context["partner_form"].errors
    html = response.content.decode()
    assert "Choose at least one Vault edition." in html
    assert 'aria-invalid="true"' in html
    assert Integration.objects.count() == 0
    assert Partner.objects.filter(name="Initech").count() == 0


def test_someone_elses_partner_cannot_be_chosen(client, owner, other_partner):
    client.force_login(owner)
    response = client.post("/engage/", form_data(partner=other_partner.slug))
    assert response.status_code == 200
    assert "Choose one of your organisations" in response.content.decode()
    assert Integration.objects.count() == 0


def test_an_existing_partner_name_is_a_field_error(client, owner, other_partner):
    client.force_login(owner)
    response = client.post("/engage/", form_data(**{"partner-name": "globex cloud"}))
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Integration.objects.count() == 0


def test_similar_existing_work_is_shown_after_submitting(client, owner, partner, other_partner):
    IntegrationFactory(partner=other_partner, name="Secrets Sync Initech", stage="support")
    client.force_login(owner)
    response = client.post("/engage/", form_data(partner=partner.slug), follow=True)
    html = response.content.decode()
    assert "Similar work already exists" in html
    assert "Possible overlaps" in html
    assert "Secrets Sync Initech" in html


def test_storage_or_unseal_is_flagged_to_the_partner(client, owner, partner):
    client.force_login(owner)
    response = client.post(
        "/engage/", form_data(partner=partner.slug, category="storage_or_unseal"), follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "not encouraged by the program" in html
