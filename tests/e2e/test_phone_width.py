"""The main pages at phone width (375 px): nothing wider than the screen (wide tables and the
board scroll inside their own boxes), and the navigation folds into a menu that opens."""

import pytest
from playwright.sync_api import expect

from integrations.models import Stage
from tests.factories import IntegrationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 740}
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


def assert_fits(page, urls) -> None:
    wider = {}
    for url in urls:
        response = page.goto(url)
        assert response.status == 200, url
        if (extra := page.evaluate(OVERFLOW)) > 0:
            wider[url] = f"{extra} px wider than the screen"
    assert not wider, wider


def test_partner_pages_fit_a_phone(browse, released, owner):
    page = browse(owner, viewport=PHONE)
    assert_fits(
        page,
        [
            "/dashboard/",
            "/engage/",
            "/integrations/",
            f"/integrations/{released.pk}/",
            f"/integrations/{released.pk}/targets/new/",
            "/support/",
            "/directory/",
            "/notifications/",
            "/accounts/profile/",
        ],
    )
    page.goto("/dashboard/")
    menu_link = page.get_by_role("link", name="Integrations", exact=True)
    expect(menu_link).to_be_hidden()
    page.get_by_role("button", name="Toggle navigation").click()
    expect(menu_link).to_be_visible()


def test_staff_pages_fit_a_phone(browse, released, reviewer, partner, shoot):
    for stage in (Stage.ENGAGE, Stage.ENABLE, Stage.DEVELOP, Stage.REVIEW):
        IntegrationFactory(partner=partner, stage=stage)
    page = browse(reviewer, viewport=PHONE)
    assert_fits(
        page,
        ["/review/board/", "/review/queue/", "/program/", "/integrations/", "/support/"],
    )
    page.goto("/review/board/")
    shoot(page, "board")


INSIDE = """(element) => {
  const box = element.getBoundingClientRect();
  return box.width > 0 && box.left >= 0 && box.right <= window.innerWidth;
}"""
LABEL = "(element) => getComputedStyle(element, '::before').content"


def assert_shown(locator) -> None:
    """Each element is visible and wholly on the screen: nothing to scroll sideways to."""
    assert locator.count() > 0
    for index in range(locator.count()):
        element = locator.nth(index)
        expect(element).to_be_visible()
        assert element.evaluate(INSIDE), f"{element} is not wholly on the screen"


def assert_stacked(page, table) -> None:
    """A table shown as cards: one per row, each cell labelled with its column's name."""
    cells = table.locator("tbody td[data-label]")
    assert cells.count() > 0
    for index in range(cells.count()):
        cell = cells.nth(index)
        label = cell.get_attribute("data-label")
        if cell.inner_text().strip():
            assert cell.evaluate(LABEL) == f'"{label}"', label
            assert cell.evaluate(INSIDE), f"the {label} cell is not wholly on the screen"


def test_tables_become_cards_with_their_actions_and_messages(browse, released, owner, shoot):
    run = released.runs.get()
    # Shown as a real cluster's address is: long (the page only shows it).
    released.targets.update(
        url="https://vault-cluster-public-vault-8a7c6e2b.2f4c1b0e.z1.hashicorp.cloud:8200"
    )
    page = browse(owner, viewport=PHONE)
    page.goto(f"/integrations/{released.pk}/")
    verification = page.locator("section").filter(
        has=page.get_by_role("heading", level=2, name="Verification", exact=True)
    )
    for name in ("Run verification", "Edit", "Delete"):
        assert_shown(
            verification.get_by_role("button", name=name).or_(
                verification.get_by_role("link", name=name)
            )
        )
    assert_stacked(page, verification.locator("table"))
    shoot(page, "targets-as-cards")

    page.goto(f"/verifications/{run.pk}/")
    checks = page.locator("#run-progress table")
    messages = checks.locator("td.check-message")
    assert messages.count() == run.results.count()
    assert_shown(messages)
    assert_stacked(page, checks)
    expect(messages.filter(has_text="Vault Enterprise")).not_to_have_count(0)
    shoot(page, "checks-as-cards")

    page.goto("/integrations/")
    assert_stacked(page, page.locator("main table"))
    assert_shown(page.get_by_role("link", name=released.name))
    assert page.evaluate(OVERFLOW) <= 0


def test_staff_tables_become_cards(browse, released, reviewer, partner, shoot):
    IntegrationFactory(partner=partner, stage=Stage.REVIEW, name="Acme Reviewed")
    page = browse(reviewer, viewport=PHONE)
    page.goto("/program/")
    tables = page.locator("main table")
    for index in range(tables.count()):
        table = tables.nth(index)
        if table.is_visible():
            assert_stacked(page, table)
    page.goto("/review/queue/")
    assert_stacked(page, page.locator("main table"))
    assert_shown(page.get_by_role("button", name="Assign me"))
    shoot(page, "review-queue-as-cards")
