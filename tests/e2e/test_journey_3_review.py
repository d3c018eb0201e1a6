"""Journey 3: a reviewer drags the integration on the board into Review, opens a review round
with blocking feedback; the partner replies; the reviewer resolves it and approves; the
integration reaches Release (dragged again)."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from integrations.models import Stage
from tests.e2e import steps
from tests.factories import IntegrationFactory, VerificationRunFactory, VerificationTargetFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FEEDBACK = "Document how to set the namespace for HCP Vault."
REPLY = "Done: the README has a section on namespaces now."
OTHERS = [  # the rest of the pipeline, so the board looks like a program's
    ("Globex Audit Stream", "Globex Cloud", Stage.REVIEW, "audit"),
    ("Initech PKI Issuer", "Initech", Stage.ENGAGE, "runtime"),
    ("Umbrella HSM Bridge", "Umbrella Systems", Stage.ENABLE, "hsm"),
    ("Hooli Kubernetes Auth", "Hooli", Stage.DEVELOP, "auth_method"),
    ("Stark Database Secrets", "Stark Industries", Stage.RELEASE, "secrets_engine"),
    ("Wayne CI Secrets", "Wayne Enterprises", Stage.SUPPORT, "runtime"),
    ("Soylent Secrets Agent", "Soylent Corp", Stage.SUPPORT, "runtime"),
]


@pytest.fixture
def developed(partner, owner):
    """An integration in Develop & test with a passed run, its demo given and the partner's
    agreement executed: everything Release needs except the review."""
    partner.agreement_executed_at = timezone.localdate()
    partner.save()
    integration = IntegrationFactory(
        partner=partner,
        name="Acme Secrets Sync",
        stage=Stage.DEVELOP,
        demo_done_at=timezone.localdate(),
        contact_email=owner.email,
    )
    VerificationRunFactory(target=VerificationTargetFactory(integration=integration))
    for name, partner_name, stage, category in OTHERS:
        IntegrationFactory(name=name, partner__name=partner_name, stage=stage, category=category)
    return integration


def test_a_review_round_takes_an_integration_from_develop_to_release(
    browse, shoot, developed, owner, reviewer
):
    staff = browse(reviewer)
    steps.drag_on_board(staff, developed, "Review")
    steps.expect_message(staff, "“Acme Secrets Sync” moved to Review.")
    shoot(staff, "board-after-drag")

    steps.board_card(staff, developed).get_by_role("link", name="Acme Secrets Sync").click()
    rounds = steps.section(staff, "Review")
    rounds.get_by_label("What this round looks at").fill("Docs and the HCP Vault run.")
    rounds.get_by_role("button", name="Open a review round").click()
    steps.expect_message(staff, "Review round opened.")
    rounds.get_by_label("New feedback").fill(FEEDBACK)
    rounds.get_by_label("Blocking").check()
    rounds.get_by_role("button", name="Add feedback").click()
    steps.expect_message(staff, "Feedback added; the partner has been told.")
    expect(steps.feedback_item(staff, FEEDBACK)).to_contain_text("Blocking")
    shoot(staff, "round-with-blocking-feedback")

    partner = browse(owner)
    steps.open_integration(partner, developed)
    item = steps.feedback_item(partner, FEEDBACK)
    expect(item).to_contain_text("Open")
    expect(item.get_by_role("button", name="Resolve this feedback")).to_have_count(0)
    item.get_by_label("Reply to this feedback").fill(REPLY)
    item.get_by_role("button", name="Reply").click()
    steps.expect_message(partner, "Reply sent.")
    expect(steps.feedback_item(partner, FEEDBACK)).to_contain_text(REPLY)
    shoot(partner, "partner-replied")

    staff.reload()
    item = steps.feedback_item(staff, FEEDBACK)
    expect(item).to_contain_text(REPLY)
    rounds.get_by_role("button", name="Approve…").click()  # not yet: the item is open
    dialog = staff.get_by_role("dialog")
    expect(dialog).to_contain_text("1 blocking review feedback item(s) still open.")
    expect(dialog.get_by_role("button", name="Approve")).to_have_count(0)
    dialog.get_by_role("button", name="Close").last.click()
    expect(dialog).to_have_count(0)
    steps.feedback_item(staff, FEEDBACK).get_by_role("button", name="Resolve this feedback").click()
    steps.expect_message(staff, "Feedback resolved.")
    expect(steps.feedback_item(staff, FEEDBACK)).to_contain_text("Resolved")
    rounds.get_by_role("button", name="Approve…").click()
    dialog = staff.get_by_role("dialog")
    expect(dialog).to_contain_text("It stays in Review until the program team moves it")
    dialog.get_by_label("Decision summary").fill("Verified on HCP Vault; docs are complete.")
    steps.confirm(staff)
    steps.expect_message(staff, "Review round decided: Approved.")
    shoot(staff, "round-approved")

    steps.drag_on_board(staff, developed, "Release")
    steps.expect_message(staff, "“Acme Secrets Sync” moved to Release.")
    shoot(staff, "board-released")

    partner.goto("/dashboard/")
    card = partner.get_by_role("article").filter(has_text="Acme Secrets Sync")
    expect(card.get_by_role("listitem").filter(has_text="(current)")).to_contain_text("Release")
    expect(
        card.get_by_role("listitem").filter(has_text="Review feedback addressed")
    ).to_contain_text("Done:")
    shoot(partner, "partner-dashboard-released")
    developed.refresh_from_db()
    assert developed.stage == Stage.RELEASE
