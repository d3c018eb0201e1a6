"""Irreversible actions ask first (config/confirm.py). The button is a GET form to the action's
URL: without JavaScript it opens a confirmation page, whose form POSTs; htmx gets the same
confirmation as a dialog. Opening a confirmation changes nothing; a role that may not act is
refused there as it is on POST."""

import re

import pytest

from accounts.models import ApiToken
from accounts.services import api_token_create
from badges.models import Badge
from integrations.models import Stage
from support_sla import services as support_services
from tests.factories import (
    IntegrationFactory,
    VerificationRunFactory,
    VerificationTargetFactory,
)

pytestmark = pytest.mark.django_db


def confirm_button(html: str, action: str) -> str:
    """The GET forms of the buttons that ask first before `action`
    (config.templatetags.vip.confirm_button), as one text."""
    forms = re.findall(
        r'<form method="get" action="' + re.escape(action) + r'"[^>]*>.*?</form>', html, re.S
    )
    assert forms, f"no confirmation button for {action}"
    for form in forms:
        assert f'hx-get="{action}"' in form and 'hx-target="#confirm-dialog"' in form
    return "".join(forms)


def posting_forms(html: str, action: str) -> list[str]:
    return re.findall(
        r'<form method="post" action="' + re.escape(action) + r'".*?</form>', html, re.S
    )


def posting_form(html: str, action: str) -> str | None:
    match = re.search(r'<form method="post" action="' + re.escape(action) + r'"', html)
    return match.group(0) if match else None


# --- Withdraw, reject, delist ----------------------------------------------------------------


def test_withdraw_is_a_button_to_a_confirmation_page_that_asks_for_a_reason(
    client_as, owner, partner
):
    integration = IntegrationFactory(partner=partner, name="Acme Sync", stage=Stage.DEVELOP)
    action = f"/integrations/{integration.pk}/transition/"
    client = client_as(owner)
    page = client.get(f"/integrations/{integration.pk}/").content.decode()
    button = confirm_button(page, action)
    assert 'name="to" value="withdrawn"' in button
    assert not any('value="withdrawn"' in form for form in posting_forms(page, action))

    response = client.get(action, {"to": "withdrawn", "next": f"/integrations/{integration.pk}/"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<!DOCTYPE html>" in html  # a page: what the button opens without JavaScript
    assert "“Acme Sync” will be withdrawn from the program. This is final" in html
    assert posting_form(html, action)
    assert 'name="to" value="withdrawn"' in html
    assert re.search(r'<textarea name="note"[^>]*required', html)
    assert f'href="/integrations/{integration.pk}/">Cancel</a>' in html
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP  # asking changed nothing


def test_htmx_gets_the_same_confirmation_as_a_dialog(client_as, owner, partner):
    integration = IntegrationFactory(partner=partner, name="Acme Sync", stage=Stage.DEVELOP)
    response = client_as(owner).get(
        f"/integrations/{integration.pk}/transition/", {"to": "withdrawn"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "<!DOCTYPE html>" not in html
    assert 'class="modal fade"' in html and 'aria-labelledby="confirm-title"' in html
    assert 'aria-describedby="confirm-sentence"' in html
    assert 'data-bs-dismiss="modal">Cancel</button>' in html
    assert "HX-Request" in response["Vary"]
    assert "<script" not in html and "style=" not in html and " on" + "click" not in html


def test_withdrawing_needs_the_reason_and_keeps_it(client_as, owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    client = client_as(owner)
    action = f"/integrations/{integration.pk}/transition/"
    response = client.post(action, {"to": "withdrawn", "note": "  "}, follow=True)
    assert "Say why the integration is withdrawn: nothing was changed." in (
        response.content.decode()
    )
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP
    client.post(action, {"to": "withdrawn", "note": "We stop this product."})
    integration.refresh_from_db()
    assert integration.stage == Stage.WITHDRAWN
    assert integration.history.get(to_stage=Stage.WITHDRAWN).note == "We stop this product."


@pytest.mark.parametrize(
    ("stage", "to", "words"),
    [
        (Stage.REVIEW, "rejected", "will be rejected. This is final"),
        (Stage.SUPPORT, "delisted", "will be delisted: it leaves the public directory"),
    ],
)
def test_reject_and_delist_ask_first_with_a_reason(client_as, reviewer, partner, stage, to, words):
    integration = IntegrationFactory(partner=partner, stage=stage)
    client = client_as(reviewer)
    action = f"/integrations/{integration.pk}/transition/"
    page = client.get(f"/integrations/{integration.pk}/").content.decode()
    assert f'name="to" value="{to}"' in confirm_button(page, action)
    html = client.get(action, {"to": to}).content.decode()
    assert words in html
    assert re.search(r'<textarea name="note"[^>]*required', html)
    integration.refresh_from_db()
    assert integration.stage == stage


def test_a_submission_whose_evidence_did_not_pass_asks_first(client_as, owner, partner):
    failing = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    VerificationRunFactory(target=VerificationTargetFactory(integration=failing), status="failed")
    passing = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    VerificationRunFactory(target=VerificationTargetFactory(integration=passing))
    client = client_as(owner)

    page = client.get(f"/integrations/{failing.pk}/").content.decode()
    assert 'value="review"' in confirm_button(page, f"/integrations/{failing.pk}/transition/")
    html = client.get(f"/integrations/{failing.pk}/transition/", {"to": "review"})
    assert "latest verification run did not pass (failed)" in html.content.decode()

    page = client.get(f"/integrations/{passing.pk}/").content.decode()
    assert posting_form(page, f"/integrations/{passing.pk}/transition/")  # one click, as before
    assert 'value="review"' not in "".join(re.findall(r'<form method="get".*?</form>', page, re.S))


def test_a_move_that_cannot_happen_yet_shows_why_and_offers_nothing_to_confirm(
    client_as, reviewer, partner
):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    action = f"/integrations/{integration.pk}/transition/"
    html = client_as(reviewer).get(action, {"to": "release"}).content.decode()
    assert "It cannot happen yet" in html
    assert "review round" in html.lower()
    assert not posting_form(html, action)


def test_a_stage_the_machine_does_not_offer_is_not_confirmed(client_as, reviewer, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENGAGE)
    action = f"/integrations/{integration.pk}/transition/"
    for to in ("support", "nonsense", ""):
        html = client_as(reviewer).get(action, {"to": to}).content.decode()
        assert "cannot move to" in html
        assert not posting_form(html, action)


def test_a_role_that_may_not_move_is_refused_at_the_confirmation_too(
    client_as, owner, member, partner, outsider
):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENGAGE)
    action = f"/integrations/{integration.pk}/transition/"
    assert client_as(owner).get(action, {"to": "enable"}).status_code == 403  # staff's move
    assert client_as(owner).get(action, {"to": "rejected"}).status_code == 403
    assert client_as(member).get(action, {"to": "withdrawn"}).status_code == 403  # owners'
    assert client_as(outsider).get(action, {"to": "withdrawn"}).status_code == 404
    client_as(member).post(action, {"to": "withdrawn", "note": "x"})  # refused: a message
    integration.refresh_from_db()
    assert integration.stage == Stage.ENGAGE


# --- Targets, badges, tokens, support statuses -------------------------------------------------


def test_deleting_a_target_asks_first(client_as, owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    target = VerificationTargetFactory(integration=integration, name="lab")
    VerificationRunFactory(target=target)
    client = client_as(owner)
    action = f"/targets/{target.pk}/delete/"
    page = client.get(f"/integrations/{integration.pk}/").content.decode()
    confirm_button(page, action)
    assert not posting_form(page, action)
    html = client.get(action).content.decode()
    assert "“lab” will be deleted" in html and "Its 1 verification run stay" in html
    assert "It is the evidence target" in html
    target.refresh_from_db()
    assert target.archived_at is None
    client.post(action)
    target.refresh_from_db()
    assert target.archived_at is not None


def test_a_target_with_a_run_in_progress_cannot_be_confirmed(client_as, owner, partner):
    target = VerificationTargetFactory(integration__partner=partner)
    VerificationRunFactory(target=target, status="running", finished_at=None)
    html = client_as(owner).get(f"/targets/{target.pk}/delete/").content.decode()
    assert "Cancel the queued or running verification first." in html
    assert not posting_form(html, f"/targets/{target.pk}/delete/")


def test_revoking_a_badge_asks_an_admin_for_the_reason(client_as, admin, reviewer, owner, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    run = VerificationRunFactory(target=VerificationTargetFactory(integration=integration))
    badge = Badge.objects.create(
        integration=integration, kind="hcp_vault_verified", run=run, verified_at=run.finished_at
    )
    action = f"/badges/{badge.pk}/revoke/"
    page = client_as(admin).get(f"/integrations/{integration.pk}/").content.decode()
    confirm_button(page, action)
    assert not posting_form(page, action)
    html = client_as(admin).get(action).content.decode()
    assert "A revocation is final" in html
    assert re.search(r'<textarea name="reason"[^>]*required', html)
    assert client_as(reviewer).get(action).status_code == 403
    assert client_as(owner).get(action).status_code == 403
    assert (
        action not in client_as(reviewer).get(f"/integrations/{integration.pk}/").content.decode()
    )
    badge.refresh_from_db()
    assert badge.status == "active"
    client_as(admin).post(action, {"reason": "Forged evidence."})
    badge.refresh_from_db()
    assert badge.status == "revoked"


def test_revoking_an_api_token_asks_first(client_as, owner, member):
    token, _ = api_token_create(user=owner, name="laptop")
    action = f"/accounts/tokens/{token.pk}/revoke/"
    confirm_button(client_as(owner).get("/accounts/profile/").content.decode(), action)
    html = client_as(owner).get(action).content.decode()
    assert "stops working at once" in html
    assert client_as(member).get(action).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    client_as(owner).post(action)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


@pytest.fixture
def issue(partner, owner):
    supported = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    return support_services.issue_open(
        integration=supported,
        actor=owner,
        data={"title": "Login fails", "description": "Since 2.7.", "severity": "normal"},
    )


def test_a_support_status_change_asks_first(client_as, owner, issue):
    client = client_as(owner)
    action = f"/support/issues/{issue.pk}/status/"
    page = client.get(f"/support/issues/{issue.pk}/").content.decode()
    assert 'value="resolved"' in confirm_button(page, action)
    assert not posting_form(page, action)
    html = client.get(action, {"status": "resolved"}).content.decode()
    assert "“Login fails” will be resolved: its SLA clock stops." in html
    assert 'name="status" value="resolved"' in html
    issue.refresh_from_db()
    assert issue.status == "open"
    client.post(action, {"status": "resolved"})
    issue.refresh_from_db()
    assert issue.status == "resolved"
    html = client.get(action, {"status": "open"}).content.decode()
    assert "will be reopened: its SLA clock continues where it stopped" in html


def test_waiting_on_the_reporter_asks_the_question_in_the_confirmation(client_as, owner, issue):
    html = (
        client_as(owner)
        .get(f"/support/issues/{issue.pk}/status/", {"status": "waiting_on_reporter"})
        .content.decode()
    )
    assert "pauses while the reporter answers" in html
    assert re.search(r'<textarea name="comment"[^>]*required', html)
    assert "What do you need from the reporter?" in html


def test_a_partner_cannot_open_the_pause_of_an_issue_staff_opened(
    client_as, owner, reviewer, partner
):
    supported = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    issue = support_services.issue_open(
        integration=supported,
        actor=reviewer,
        data={"title": "Found by staff", "description": "Broken.", "severity": "normal"},
    )
    page = client_as(owner).get(f"/support/issues/{issue.pk}/").content.decode()
    assert "waiting_on_reporter" not in page
    response = client_as(owner).get(
        f"/support/issues/{issue.pk}/status/", {"status": "waiting_on_reporter"}
    )
    assert response.status_code == 403


def test_an_impossible_status_is_not_confirmed(client_as, owner, issue):
    html = (
        client_as(owner)
        .get(f"/support/issues/{issue.pk}/status/", {"status": "closed"})
        .content.decode()
    )
    assert "cannot become closed" in html
    assert not posting_form(html, f"/support/issues/{issue.pk}/status/")
