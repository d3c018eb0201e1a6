"""The strict Content Security Policy in a real browser: the pages with the most script (charts,
the board, htmx swaps, Bootstrap menus, the API docs) work and cause no violation. The `browse`
fixture fails the test on any violation Chromium reports."""

import pytest
from playwright.sync_api import expect

from tests.e2e import steps

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_staff_pages_run_their_scripts_under_the_policy(browse, released, reviewer, admin):
    staff = browse(reviewer)
    staff.goto("/program/")
    charts = staff.locator("canvas[data-chart]")
    expect(charts.first).to_be_visible()
    assert charts.first.evaluate("canvas => canvas.width > 0 && !!Chart.getChart(canvas)")

    staff.goto("/review/board/")
    expect(staff.get_by_role("heading", level=1)).to_be_visible()
    steps.account_menu(staff, reviewer.email).click()  # Bootstrap's dropdown (Popper styles)
    expect(staff.get_by_role("link", name="Your account")).to_be_visible()

    steps.open_integration(staff, released)  # htmx-boosted navigation and swaps
    expect(staff.get_by_role("heading", level=1)).to_contain_text(released.name)

    docs = browse(admin)
    docs.goto("/api/docs/")
    expect(docs.locator(".swagger-ui .info .title")).to_contain_text("VIP Tracker API")
    docs.goto("/admin/")
    expect(docs.get_by_role("heading", level=1)).to_be_visible()


def test_public_pages_run_their_scripts_under_the_policy(page, released):
    page.goto("/")
    page.get_by_role("link", name="Browse verified integrations").click()
    expect(page.get_by_role("article").filter(has_text=released.name)).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    expect(page.get_by_label("Email")).to_be_visible()
