"""Loading states: the forms that start work submit through htmx with a spinner
(`hx-indicator`), "Loading…" for screen readers, and their buttons disabled while it runs
(`hx-disabled-elt`). Without JavaScript they are plain forms that still work."""

import re

import pytest

from integrations.models import Stage
from reviews.models import ReviewRound
from support_sla import services as support_services
from tests.factories import IntegrationFactory, ReviewRoundFactory, VerificationTargetFactory

pytestmark = pytest.mark.django_db


def form_for(html: str, action: str) -> str:
    """The whole <form> whose action ends with `action` (the first one)."""
    match = re.search(
        r'<form method="post" action="[^"]*' + re.escape(action) + r'"[^>]*>.*?</form>', html, re.S
    )
    assert match, f"no form posting to …{action}"
    return match.group(0)


def assert_loading_state(form: str) -> None:
    opening = form[: form.index(">") + 1]
    assert 'hx-boost="true"' in opening
    assert 'hx-indicator="find .htmx-indicator"' in opening
    assert re.search(r'hx-disabled-elt="find button[^"]*"', opening)
    assert '<span class="htmx-indicator ms-1" role="status">' in form
    assert '<span class="visually-hidden">Loading…</span>' in form
    assert "onclick" not in form and "hx-on" not in form


def test_starting_a_verification_shows_a_loading_state(client_as, owner, integration):
    target = VerificationTargetFactory(integration=integration)
    html = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert_loading_state(form_for(html, f"/targets/{target.pk}/verify/"))


def test_stage_moves_show_a_loading_state(client_as, owner, reviewer, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENABLE)
    page = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert_loading_state(form_for(page, f"/integrations/{integration.pk}/transition/"))
    dashboard = client_as(owner).get("/dashboard/").content.decode()
    assert_loading_state(form_for(dashboard, f"/integrations/{integration.pk}/transition/"))
    # The board asks first: its move opens a dialog whose form moves, with a loading state.
    dialog = client_as(reviewer).get(
        f"/integrations/{integration.pk}/transition/",
        {"to": "develop", "undo": "1", "next": "/review/board/"},
        HTTP_HX_REQUEST="true",
    )
    assert_loading_state(
        form_for(dialog.content.decode(), f"/integrations/{integration.pk}/transition/")
    )


def test_the_board_moves_a_card_without_drag_and_drop(client_as, reviewer, partner):
    """A keyboard user picks the stage in a labelled menu and presses Move, then confirms."""
    integration = IntegrationFactory(partner=partner, stage=Stage.ENABLE, name="Acme Sync")
    client = client_as(reviewer)
    board = client.get("/review/board/").content.decode()
    menu = re.search(
        r'<form method="get" action="/integrations/'
        + str(integration.pk)
        + r'/transition/"[^>]*>.*?</form>',
        board,
        re.S,
    ).group(0)
    assert 'hx-target="#confirm-dialog"' in menu
    assert (
        f'<label class="visually-hidden" for="move-{integration.pk}">Move Acme Sync to</label>'
        in menu
    )
    assert re.search(
        rf'<select class="form-select form-select-sm" id="move-{integration.pk}"', menu
    )
    assert '<option value="develop">Develop &amp; test</option>' in menu
    assert '<button class="btn btn-sm btn-outline-primary mt-1 w-100" type="submit"' in menu
    response = client.post(
        f"/integrations/{integration.pk}/transition/",
        {"to": "develop", "next": "/review/board/"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_BOOSTED="true",
        follow=True,
    )
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP
    assert "moved to Develop" in response.content.decode()


def test_review_actions_show_a_loading_state(client_as, reviewer, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    review_round = ReviewRoundFactory(integration=integration, status=ReviewRound.Status.OPEN)
    html = client_as(reviewer).get(f"/integrations/{integration.pk}/").content.decode()
    assert_loading_state(form_for(html, f"/review/rounds/{review_round.pk}/feedback/"))
    # The decision is sent from its confirmation dialog, whose button is disabled meanwhile.
    dialog = client_as(reviewer).get(
        f"/review/rounds/{review_round.pk}/decide/",
        {"decision": "approved"},
        HTTP_HX_REQUEST="true",
    )
    decide = form_for(dialog.content.decode(), f"/review/rounds/{review_round.pk}/decide/")
    assert_loading_state(decide)
    assert 'hx-disabled-elt="find button"' in decide


def test_support_status_changes_show_a_loading_state(client_as, owner, partner):
    supported = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    issue = support_services.issue_open(
        integration=supported,
        actor=owner,
        data={"title": "Down", "description": "It is down.", "severity": "normal"},
    )
    client = client_as(owner)
    html = client.get(f"/support/issues/{issue.pk}/").content.decode()
    assert_loading_state(form_for(html, f"/support/issues/{issue.pk}/severity/"))
    # A status change asks first; the dialog's form changes it, with a loading state.
    dialog = client.get(
        f"/support/issues/{issue.pk}/status/", {"status": "resolved"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert_loading_state(form_for(dialog, f"/support/issues/{issue.pk}/status/"))


def test_htmx_loads_once_from_the_head_and_its_indicator_styles_need_no_inline_style(client):
    html = client.get("/directory/").content.decode()
    head, body = html.split("</head>", 1)
    assert "htmx-2.min.js" in head and "htmx-2.min.js" not in body
    assert '"includeIndicatorStyles": false' in head
    assert "<script>" not in html  # no inline script anywhere
