"""The intake while it is typed: similar existing work shows up as the partner types (before
anything is saved), a name the partner already uses is refused with a link to that
integration, and free-text fields count their characters."""

import re

import pytest
from playwright.sync_api import expect

from integrations.models import Integration
from tests.e2e import steps
from tests.factories import IntegrationFactory, PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESCRIPTION = "Reads KV v2 secrets with AppRole and writes them to a cloud secret store."


def hint(page):
    return page.get_by_role("region", name="Similar existing work")


def test_similar_work_shows_while_the_partner_types(browse, shoot, owner, partner, other_partner):
    IntegrationFactory(
        partner=other_partner, name="Secrets Sync Initech", description=DESCRIPTION, stage="support"
    )
    IntegrationFactory(
        partner=PartnerFactory(name="Umbrella Corp"),
        name="Umbrella Secrets Syncer",
        description=DESCRIPTION,
        stage="develop",
    )
    page = browse(owner)
    page.goto("/engage/")
    expect(hint(page)).to_contain_text("as you type the name and description")
    steps.field(page, "Name").press_sequentially("Acme Secrets Sync", delay=20)
    expect(hint(page)).to_contain_text("Choose a category")
    expect(page.get_by_text("17 of 120 characters")).to_be_visible()  # the name's counter
    steps.field(page, "Category").select_option(label="Runtime integration")
    steps.field(page, "Description").fill(DESCRIPTION)
    found = hint(page).get_by_role("list", name="Similar existing work")
    expect(found.get_by_role("listitem").filter(has_text="Secrets Sync Initech")).to_contain_text(
        "by Globex Cloud"
    )
    expect(hint(page)).to_contain_text("1 unreleased integration by other partners looks similar")
    expect(hint(page)).not_to_contain_text("Umbrella")  # others' unreleased work: a count only
    shoot(page, "similar-work-while-typing")
    assert not Integration.objects.filter(partner=partner).exists()  # nothing saved yet


def test_a_name_the_partner_already_uses_is_refused_with_a_link(browse, shoot, owner, partner):
    existing = IntegrationFactory(partner=partner, name="Acme KMS Connector")
    page = browse(owner)
    page.goto("/engage/")
    steps.field(page, "Name").fill("acme kms connector")
    steps.field(page, "Category").select_option(label="Runtime integration")
    # Said while typing…
    expect(hint(page).get_by_role("alert")).to_contain_text(
        "Acme Security already has an integration named “Acme KMS Connector”"
    )
    steps.field(page, "Summary").fill("Uses Vault Transit as the key manager.")
    steps.field(page, "Description").fill("Envelope encryption through Vault's Transit engine.")
    page.get_by_label("HCP Vault", exact=True).check()
    page.get_by_label("AppRole").check()
    steps.field(page, "Technical contact e-mail").fill("dev@acme.example")
    page.get_by_role("button", name="Submit the intake").click()
    # …and refused on submitting, under the name, with the way to the existing integration.
    name = steps.field(page, "Name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".invalid-feedback").first).to_contain_text(
        "Acme Security already has an integration named “Acme KMS Connector”"
    )
    shoot(page, "duplicate-name-refused")
    page.get_by_role("link", name="Open “Acme KMS Connector”").click()
    expect(page).to_have_url(re.compile(rf"/integrations/{existing.pk}/$"))
    assert Integration.objects.filter(partner=partner).count() == 1
