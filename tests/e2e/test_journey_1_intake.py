"""Journey 1: a new partner signs up, fills in the intake webform, is told about a similar
existing integration, and lands on the dashboard with the checklist."""

import pytest
from playwright.sync_api import expect

from integrations.models import Integration
from tests.e2e import steps
from tests.factories import IntegrationFactory, PartnerFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_new_partner_signs_up_and_submits_the_intake(page, shoot, reviewer):
    IntegrationFactory(
        partner=PartnerFactory(name="Globex Cloud", slug="globex-cloud"),
        name="Secrets Sync Initech",
        description="Reads KV v2 secrets with AppRole and writes them to a cloud secret store.",
        stage="support",
    )
    page.goto("/")
    shoot(page, "home")

    steps.sign_up(page, "founder@initech.example", "a long and unusual passphrase")
    expect(page.get_by_text("You have no integrations yet.")).to_be_visible()
    shoot(page, "empty-dashboard")

    page.get_by_role("link", name="intake webform").click()
    expect(page.get_by_role("heading", name="Tell us about your integration")).to_be_visible()
    expect(page.get_by_label("Partner organisation")).to_have_value("__new__")
    steps.field(page, "Organisation name").fill("Initech")
    steps.field(page, "Website").fill("https://initech.example")
    steps.field(page, "Support time zone").fill("Europe/Berlin")
    steps.field(page, "Name").fill("Initech Secrets Sync")
    steps.field(page, "Category").select_option(label="Runtime integration")
    steps.field(page, "Summary").fill("Syncs secrets into Initech Cloud.")
    steps.field(page, "Description").fill(
        "Reads KV v2 secrets with AppRole and writes them to Initech Cloud."
    )
    page.get_by_label("Vault Enterprise", exact=True).check()
    page.get_by_label("HCP Vault", exact=True).check()
    page.get_by_label("AppRole").check()
    page.get_by_label("JWT", exact=True).check()
    page.get_by_label("It supports Vault namespaces").check()
    steps.field(page, "Repository URL").fill("https://github.com/initech/sync")
    steps.field(page, "Documentation URL").fill("https://initech.example/docs")
    shoot(page, "intake-webform")
    page.get_by_role("button", name="Submit the intake").click()

    integration = Integration.objects.get(name="Initech Secrets Sync")
    expect(page).to_have_url(f"/integrations/{integration.pk}/")
    steps.expect_message(page, "“Initech Secrets Sync” is recorded.")
    steps.expect_message(page, "Similar work already exists")
    overlaps = steps.section(page, "Possible overlaps")
    expect(overlaps.get_by_role("row", name="Secrets Sync Initech")).to_be_visible()
    expect(overlaps).to_contain_text("The program team will look at these with you.")
    shoot(page, "overlap-warning")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    card = page.get_by_role("article").filter(has_text="Initech Secrets Sync")
    checklist = card.get_by_role("listitem")
    expect(checklist.filter(has_text="Intake webform filled in")).to_contain_text("Done:")
    expect(checklist.filter(has_text="Integration demonstrated")).to_contain_text("Not yet:")
    # The program team's step: said, not shown as a button the partner cannot press.
    expect(card.get_by_role("button", name="Accept the intake")).to_have_count(0)
    expect(card).to_contain_text("Accept the intake → Enable: waiting for the program team.")
    shoot(page, "dashboard-checklist")
    assert integration.partner.memberships.get().user.email == "founder@initech.example"
