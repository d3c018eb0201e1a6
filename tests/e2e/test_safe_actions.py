"""Irreversible actions ask first, in a dialog (htmx + Bootstrap modal, no inline script):
Cancel leaves everything as it was, the dialog's button acts. Without JavaScript the same
button opens the confirmation as a page. A move on the board can be undone for a few seconds
when the way back is open to the person who made it, and says so when it is not."""

import re

import pytest
from playwright.sync_api import expect

from badges import services as badge_services
from integrations.models import Stage
from reviews.models import ReviewRound
from support_sla import services as support_services
from tests.e2e import steps
from tests.factories import (
    IntegrationFactory,
    ReviewRoundFactory,
    VerificationRunFactory,
    VerificationTargetFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def dialog(page):
    return page.get_by_role("dialog")


def test_withdraw_asks_for_a_reason_in_a_dialog(browse, shoot, partner, owner):
    integration = IntegrationFactory(partner=partner, name="Acme Sync", stage=Stage.DEVELOP)
    page = browse(owner)
    steps.open_integration(page, integration)
    moves = steps.section(page, "What can happen next")

    moves.get_by_role("button", name="Withdraw").click()
    expect(dialog(page)).to_be_visible()
    expect(dialog(page)).to_contain_text("“Acme Sync” will be withdrawn from the program")
    expect(dialog(page)).to_contain_text("This is final")
    reason = dialog(page).get_by_label("Reason (the partner will read it)")
    expect(reason).to_be_focused()
    shoot(page, "withdraw-dialog")
    dialog(page).get_by_role("button", name="Cancel").click()
    expect(dialog(page)).to_have_count(0)
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP
    expect(moves.get_by_role("button", name="Withdraw")).to_be_focused()  # back where it was

    moves.get_by_role("button", name="Withdraw").click()
    dialog(page).get_by_role("button", name="Withdraw").click()  # no reason: the field says so
    expect(dialog(page)).to_be_visible()
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP
    dialog(page).get_by_label("Reason (the partner will read it)").fill("We stop this product.")
    dialog(page).get_by_role("button", name="Withdraw").click()
    steps.expect_message(page, "“Acme Sync” moved to Withdrawn.")
    expect(dialog(page)).to_have_count(0)
    integration.refresh_from_db()
    assert integration.stage == Stage.WITHDRAWN
    assert integration.history.get(to_stage=Stage.WITHDRAWN).note == "We stop this product."
    assert page.evaluate("document.body.classList.contains('modal-open')") is False


def test_deleting_a_target_and_revoking_a_badge_ask_first(browse, released, admin, owner):
    target = released.targets.get()
    badge = badge_services.badge_issue(
        integration=released, kind="vault_enterprise_verified", actor=admin
    )
    staff = browse(admin)
    steps.open_integration(staff, released)
    badges = steps.section(staff, "Badges")
    badges.get_by_role("button", name="Revoke").click()
    expect(dialog(staff)).to_contain_text("will be revoked")
    dialog(staff).get_by_role("button", name="Cancel").click()
    expect(dialog(staff)).to_have_count(0)
    badge.refresh_from_db()
    assert badge.status == "active"
    badges.get_by_role("button", name="Revoke").click()
    dialog(staff).get_by_label("Reason (the partner will read it)").fill("Evidence was forged.")
    dialog(staff).get_by_role("button", name="Revoke the badge").click()
    steps.expect_message(staff, "badge revoked")
    badge.refresh_from_db()
    assert (badge.status, badge.revocation_reason) == ("revoked", "Evidence was forged.")

    page = browse(owner)
    steps.open_integration(page, released)
    verification = steps.section(page, "Verification")
    verification.get_by_role("button", name=re.compile(f"^Delete.*{target.name}")).click()
    expect(dialog(page)).to_contain_text(f"“{target.name}” will be deleted")
    expect(dialog(page)).to_contain_text("It is the evidence target")
    # Nothing to type: the focus is on Cancel, and Escape closes the dialog too.
    expect(dialog(page).get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    target.refresh_from_db()
    assert target.archived_at is None
    verification.get_by_role("button", name=re.compile(f"^Delete.*{target.name}")).click()
    dialog(page).get_by_role("button", name="Delete the target").click()
    steps.expect_message(page, f"Target “{target.name}” deleted")
    target.refresh_from_db()
    assert target.archived_at is not None


def test_changing_a_support_status_asks_first(browse, partner, owner):
    supported = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    issue = support_services.issue_open(
        integration=supported,
        actor=owner,
        data={"title": "Login fails", "description": "Since 2.7.", "severity": "normal"},
    )
    page = browse(owner)
    page.goto(f"/support/issues/{issue.pk}/")
    page.get_by_role("button", name="Resolve").click()
    expect(dialog(page)).to_contain_text("“Login fails” will be resolved: its SLA clock stops.")
    dialog(page).get_by_role("button", name="Cancel").click()
    issue.refresh_from_db()
    assert issue.status == "open"
    page.get_by_role("button", name="Wait on reporter").click()
    question = dialog(page).get_by_label("What do you need from the reporter?")
    expect(question).to_be_visible()
    question.fill("Which version do you run?")
    dialog(page).get_by_role("button", name="Wait on the reporter").click()
    steps.expect_message(page, "Status changed.")
    issue.refresh_from_db()
    assert issue.status == "waiting_on_reporter"
    assert issue.comments.get().body == "Which version do you run?"


def test_a_board_move_asks_first_and_can_be_undone(browse, shoot, settings, partner, reviewer):
    settings.VIP_UNDO_SECONDS = 60  # a busy test machine is slower than a person
    listed = IntegrationFactory(partner=partner, name="Acme Listed", stage=Stage.SUPPORT)
    page = browse(reviewer)
    page.goto("/review/board/")
    card = steps.board_card(page, listed)
    card.get_by_label("Move Acme Listed to").select_option(label="Delisted")
    card.get_by_label("Note or reason for moving Acme Listed").fill("Support stopped.")
    card.get_by_role("button", name="Move").click()
    expect(dialog(page)).to_contain_text("“Acme Listed” will be delisted")
    expect(dialog(page)).to_contain_text("You can undo it for a few seconds afterwards.")
    expect(dialog(page).get_by_label("Reason (the partner will read it)")).to_have_value(
        "Support stopped."
    )
    dialog(page).get_by_role("button", name="Cancel").click()
    listed.refresh_from_db()
    assert listed.stage == Stage.SUPPORT

    card.get_by_role("button", name="Move").click()
    dialog(page).get_by_role("button", name="Delist").click()
    steps.expect_message(page, "“Acme Listed” moved to Delisted.")
    listed.refresh_from_db()
    assert listed.stage == Stage.DELISTED
    undo = page.get_by_role("button", name=re.compile("^Undo"))
    expect(undo).to_be_visible()
    shoot(page, "board-undo")
    undo.click()
    steps.expect_message(page, "Undone: “Acme Listed” is back in Support.")
    listed.refresh_from_db()
    assert listed.stage == Stage.SUPPORT
    assert listed.history.order_by("-at", "-pk").first().note == "Undoes the move to Delisted."
    expect(
        steps.board_column(page, "Support").get_by_role("article", name="Acme Listed")
    ).to_be_visible()


def test_a_board_move_without_a_way_back_says_so(browse, settings, partner, reviewer):
    settings.VIP_UNDO_SECONDS = 2
    released = IntegrationFactory(partner=partner, name="Acme Released", stage=Stage.RELEASE)
    in_review = IntegrationFactory(partner=partner, name="Acme Reviewed", stage=Stage.REVIEW)
    ReviewRoundFactory(integration=in_review, status=ReviewRound.Status.CHANGES_REQUESTED)
    VerificationRunFactory(target=VerificationTargetFactory(integration=in_review))
    page = browse(reviewer)
    page.goto("/review/board/")
    steps.board_card(page, released).get_by_label("Move Acme Released to").select_option(
        label="Support"
    )
    steps.board_card(page, released).get_by_role("button", name="Move").click()
    expect(dialog(page)).to_contain_text("It cannot be undone")
    dialog(page).get_by_role("button", name="Move to support").click()
    steps.expect_message(page, "moved to Support")
    expect(page.get_by_role("status")).to_contain_text(
        "This move cannot be undone: there is no move back from Support to Release."
    )
    expect(page.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)

    # The undo offer goes when its time is up.
    steps.board_card(page, in_review).get_by_label("Move Acme Reviewed to").select_option(
        label="Develop & test"
    )
    steps.board_card(page, in_review).get_by_role("button", name="Move").click()
    dialog(page).get_by_role("button", name="Back to development").click()
    steps.expect_message(page, "moved to Develop")
    # Gone when its time is up (taken away by the page, or, on a slow machine, already gone
    # when the page was made).
    expect(
        page.get_by_text(
            re.compile(
                "The time to undo has passed.|The few seconds to undo this move have passed."
            )
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Undo"))).to_have_count(0)


def test_without_javascript_the_button_opens_a_confirmation_page(browse, partner, owner):
    integration = IntegrationFactory(partner=partner, name="Acme Sync", stage=Stage.DEVELOP)
    page = browse(owner, java_script_enabled=False)
    steps.open_integration(page, integration)
    steps.section(page, "What can happen next").get_by_role("button", name="Withdraw").click()
    expect(page).to_have_url(re.compile(rf"/integrations/{integration.pk}/transition/\?"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Withdraw")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(rf"/integrations/{integration.pk}/$"))
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP

    steps.section(page, "What can happen next").get_by_role("button", name="Withdraw").click()
    page.get_by_label("Reason (the partner will read it)").fill("Stopped.")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_role("status")).to_contain_text("moved to Withdrawn")
    integration.refresh_from_db()
    assert integration.stage == Stage.WITHDRAWN


def test_a_dialog_that_cannot_be_shown_opens_its_answer_as_a_page(browse, partner, owner):
    """Signed out meanwhile: the button leads to the sign-in page, not to a broken dialog."""
    integration = IntegrationFactory(partner=partner, name="Acme Sync", stage=Stage.DEVELOP)
    page = browse(owner)
    steps.open_integration(page, integration)
    page.context.clear_cookies()
    steps.section(page, "What can happen next").get_by_role("button", name="Withdraw").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP
