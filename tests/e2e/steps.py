"""The steps the journeys repeat, in one place: when a page changes, adapt it here.

Locators go by role, label and visible text, as a person finds things on the page.
"""

import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD


def field(page_or_section, label: str):
    """A form field by its whole label (required fields' labels end with an asterisk)."""
    return page_or_section.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def account_menu(page: Page, email: str):
    """The navbar's account menu (its toggle shows who is signed in)."""
    return page.get_by_role("button", name=email)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login form (from the navbar's "Sign in")."""
    page.goto("/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("sign in", re.IGNORECASE)).click()
    expect(account_menu(page, email)).to_be_visible()


def sign_up(page: Page, email: str, password: str) -> None:
    page.goto("/")
    page.get_by_role("link", name="Start as a partner").click()
    page.get_by_label("Email").fill(email)
    field(page, "Password").fill(password)
    field(page, "Password (again)").fill(password)
    page.get_by_role("button", name=re.compile("sign up", re.IGNORECASE)).click()
    expect(account_menu(page, email)).to_be_visible()


def expect_message(page: Page, text: str) -> None:
    """A flash message after a form was sent."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def open_integration(page: Page, integration) -> None:
    page.goto(f"/integrations/{integration.pk}/")
    expect(page.get_by_role("heading", level=1, name=integration.name)).to_be_visible()


def section(page: Page, heading: str):
    """A card of the integration page by its heading ("Verification", "Review", "Badges"…)."""
    return page.locator("section").filter(
        has=page.get_by_role("heading", level=2, name=heading, exact=True)
    )


def move(page: Page, label: str) -> None:
    """Press a stage move's button ("Submit for review", "Release"…) on the integration page."""
    section(page, "What can happen next").get_by_role("button", name=label).click()


def board_card(page: Page, integration):
    return page.get_by_role("article", name=integration.name)


def board_column(page: Page, stage_label: str):
    return page.get_by_role("region", name=re.compile(rf"^\d+ {re.escape(stage_label)} "))


def confirm(page: Page) -> None:
    """Press the action's button in the open confirmation dialog (the one that is not Cancel)."""
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.locator("button[type=submit]").click()
    expect(dialog).to_have_count(0)


def drag_on_board(page: Page, integration, stage_label: str) -> None:
    """Drag an integration's card to a stage's column on the board: the drop asks for
    confirmation in a dialog, and confirming moves it (the page shows the outcome)."""
    page.goto("/review/board/")
    # Grabbed by its top edge, as a person grabs a card (form fields do not start a drag).
    board_card(page, integration).drag_to(
        board_column(page, stage_label), source_position={"x": 8, "y": 8}
    )
    confirm(page)
    column = board_column(page, stage_label)
    expect(column.get_by_role("article", name=integration.name)).to_be_visible()


def feedback_item(page: Page, body: str):
    return section(page, "Review").get_by_role("listitem").filter(has_text=body)


AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def accessibility_violations(page: Page) -> list[str]:
    """Run axe-core (from the npm registry: `make assets` installs it) on the page as it is
    now; one line per violation: rule, impact, help and the offending elements."""
    assert AXE.exists(), f"{AXE} is missing: run `make assets` (npm ci)"
    page.add_script_tag(path=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["html"][:160] for node in violation["nodes"][:5])
        for violation in result["violations"]
    ]
