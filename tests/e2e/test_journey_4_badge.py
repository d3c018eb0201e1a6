"""Journey 4: an admin sees badge eligibility and issues a Vault Enterprise Verified badge (the
evidence target's run detected Vault Enterprise and exercised a namespace); the public
directory shows it; the badge SVG and verify page load without login."""

import re

import pytest
from playwright.sync_api import expect

from badges.models import Badge
from tests.e2e import steps

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_admin_issues_a_badge_that_the_public_can_verify(browse, shoot, released, admin):
    staff = browse(admin)
    steps.open_integration(staff, released)
    badges = steps.section(staff, "Badges")
    expect(badges).to_contain_text("No badge yet.")
    issue = badges.get_by_role("button", name="Issue Vault Enterprise Verified")
    expect(issue).to_be_enabled()
    run = released.runs.get()
    expect(badges).to_contain_text(f"Evidence: run {run.pk}, passed")
    shoot(staff, "badge-eligibility")
    issue.click()
    steps.expect_message(staff, "Vault Enterprise Verified badge issued.")
    badge = Badge.objects.get(integration=released, kind="vault_enterprise_verified")
    expect(
        badges.get_by_role("img", name="HashiCorp Vault: Vault Enterprise Verified (active)")
    ).to_be_visible()
    badges.get_by_text("Embed this badge").click()
    expect(badges.get_by_label("Markdown")).to_have_value(
        re.compile(rf"/badges/{badge.public_id}\.svg")
    )
    shoot(staff, "badge-issued")

    public = browse()
    public.goto("/")
    public.get_by_role("link", name="Browse verified integrations").click()
    listing = public.get_by_role("article").filter(has_text="Acme Secrets Sync")
    image = listing.get_by_role("img", name="HashiCorp Vault: Vault Enterprise Verified")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")  # the SVG loaded
    shoot(public, "directory")

    listing.get_by_role("link", name="Acme Security").click()
    expect(public.get_by_role("heading", level=1)).to_contain_text("Acme Security")
    shoot(public, "partner-directory-page")

    public.get_by_role("link", name="HashiCorp Vault: Vault Enterprise Verified").first.click()
    expect(public).to_have_url(f"/badges/{badge.public_id}/")
    expect(public.get_by_text("This badge is active")).to_be_visible()
    expect(public.get_by_role("main")).to_contain_text("Vault Enterprise 1.19.2+ent")
    expect(public.get_by_role("link", name="Sign in")).to_be_visible()  # nobody is signed in
    shoot(public, "badge-verify-page")

    response = public.goto(f"/badges/{badge.public_id}.svg")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "Vault Enterprise Verified" in response.text()
