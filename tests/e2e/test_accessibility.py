"""axe-core on the main pages, each seen by the person who uses it: no violations (any
impact, axe's default rules: WCAG 2.x A/AA and best practices)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from badges import services as badge_services
from integrations.models import Stage
from reviews import rounds
from support_sla import services as support_services
from tests.e2e import steps
from tests.factories import IntegrationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def site(released, partner, owner, reviewer, admin):
    """Something on every page: a badge, a critical issue, a round with blocking feedback,
    cards in several columns. Returns the URLs each role visits."""
    badge = badge_services.badge_issue(
        integration=released, kind="vault_enterprise_verified", actor=admin
    )
    issue = support_services.issue_open(
        integration=released,
        actor=owner,
        data={"title": "Login fails", "description": "Since 2.7.", "severity": "critical"},
    )
    in_review = IntegrationFactory(
        partner=partner, name="Acme Audit Stream", category="audit", stage=Stage.REVIEW
    )
    review_round = rounds.round_open(integration=in_review, actor=reviewer, summary="Docs.")
    rounds.feedback_add(review_round=review_round, actor=reviewer, body="Add docs.", blocking=True)
    for stage in (Stage.ENGAGE, Stage.ENABLE, Stage.DEVELOP):
        IntegrationFactory(stage=stage, stage_changed_at=timezone.now())
    return {
        "anonymous": (
            None,
            [
                "/",
                "/accounts/login/",
                "/accounts/signup/",
                "/directory/",
                f"/directory/{partner.slug}/",
                f"/badges/{badge.public_id}/",
            ],
        ),
        "partner": (
            owner,
            [
                "/engage/",
                "/dashboard/",
                f"/integrations/{released.pk}/",
                f"/integrations/{in_review.pk}/",
                f"/integrations/{released.pk}/targets/new/",
                f"/verifications/{released.runs.get().pk}/",
                f"/support/issues/{issue.pk}/",
                "/accounts/profile/",
                # A confirmation as a page (what a button opens without JavaScript).
                f"/integrations/{in_review.pk}/transition/?to=withdrawn",
                f"/support/issues/{issue.pk}/status/?status=resolved",
            ],
        ),
        "staff": (
            reviewer,
            ["/review/board/", "/review/queue/", "/support/", f"/integrations/{in_review.pk}/"],
        ),
        "admin": (admin, [f"/integrations/{released.pk}/", f"/badges/{badge.pk}/revoke/"]),
        "badge": badge,
        "issue": issue,
    }


@pytest.mark.parametrize("role", ["anonymous", "partner", "staff", "admin"])
def test_the_main_pages_have_no_accessibility_violations(browse, site, role):
    person, urls = site[role]
    page = browse(person, bypass_csp=True)  # axe is injected as a script tag
    found = {}
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        violations = steps.accessibility_violations(page)
        if violations:
            found[url] = violations
    assert not found, "\n".join(
        f"{url}:\n  " + "\n  ".join(problems) for url, problems in found.items()
    )


def dialogs(site, released):
    """(person, page, button) that opens each kind of confirmation dialog."""
    return [
        ("partner", f"/integrations/{released.pk}/", "Withdraw"),
        ("partner", f"/integrations/{released.pk}/", "Delete"),
        ("partner", f"/support/issues/{site['issue'].pk}/", "Resolve"),
        ("partner", f"/support/issues/{site['issue'].pk}/", "Wait on reporter"),
        ("admin", f"/integrations/{released.pk}/", "Revoke"),
        ("staff", "/review/board/", "Move"),
    ]


def test_the_confirmation_dialogs_have_no_accessibility_violations(browse, site, released):
    found = {}
    pages = {}
    for role, url, button in dialogs(site, released):
        person = site[role][0]
        if role not in pages:
            pages[role] = browse(person, bypass_csp=True)
        page = pages[role]
        page.goto(url)
        if button == "Move":
            card = page.locator(".board-card").first
            card.locator("select").select_option(index=1)
        page.get_by_role("button", name=button).first.click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_visible()
        expect(dialog.locator(":focus")).to_have_count(1)  # the focus is in the dialog
        violations = steps.accessibility_violations(page)
        if violations:
            found[f"{url} {button}"] = violations
    assert not found, "\n".join(
        f"{url}:\n  " + "\n  ".join(problems) for url, problems in found.items()
    )
