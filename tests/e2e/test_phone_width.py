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
