"""The review rounds on the integration page (templates/reviews/_rounds.html, served alone at
/integrations/<id>/reviews/) and its actions: open, feedback, reply, resolve, decide."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import Integration, Stage
from reviews.models import FeedbackItem, FeedbackReply, ReviewRound
from tests.factories import (
    FeedbackItemFactory,
    FeedbackReplyFactory,
    IntegrationFactory,
    ReviewRoundFactory,
    VerificationRunFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "member", "outsider", "reviewer", "admin"]


@pytest.fixture
def in_review(partner, owner):
    return IntegrationFactory(partner=partner, stage=Stage.REVIEW, name="Acme Secrets Sync")


@pytest.fixture
def item(in_review, reviewer):
    review_round = ReviewRoundFactory(integration=in_review, opened_by=reviewer)
    return FeedbackItemFactory(round=review_round, author=reviewer, blocking=False)


def page_of(integration) -> str:
    return f"/integrations/{integration.pk}/#review-rounds"


# --- What each role sees -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"), list(zip(ROLES, [302, 200, 200, 404, 200, 200], strict=True))
)
def test_who_sees_the_rounds(client_as, people, in_review, role, expected):
    assert client_as(people[role]).get(
        f"/integrations/{in_review.pk}/reviews/", HTTP_HX_REQUEST="true"
    ).status_code == (expected)


@pytest.mark.parametrize("role", ["owner", "member"])
def test_the_partner_sees_every_round_item_and_reply_and_can_reply(
    client_as, people, in_review, reviewer, owner, role
):
    run = VerificationRunFactory(target__integration=in_review, status="failed")
    earlier = ReviewRoundFactory(
        integration=in_review,
        status="changes_requested",
        decision_summary="Tokens must expire.",
        summary="First pass.",
    )
    earlier.runs.add(run)
    answered = FeedbackItemFactory(round=earlier, body="Root token in the README.")
    FeedbackReplyFactory(item=answered, author=owner, body="Replaced by AppRole.")
    current = ReviewRoundFactory(integration=in_review, summary="Second pass.")
    resolved = FeedbackItemFactory(
        round=current, body="Namespace docs.", resolved_at=current.opened_at, resolved_by=reviewer
    )

    html = (
        client_as(people[role])
        .get(f"/integrations/{in_review.pk}/reviews/", HTTP_HX_REQUEST="true")
        .content.decode()
    )

    for text in (
        "First pass.",
        "Second pass.",
        "Tokens must expire.",
        "Changes requested",
        "Root token in the README.",
        "Replaced by AppRole.",
        "Namespace docs.",
        f'href="/verifications/{run.pk}/"',
        "Round 2",
        "Round 1",
    ):
        assert text in html
    assert f'action="/review/feedback/{answered.pk}/reply/"' in html
    assert f'action="/review/feedback/{resolved.pk}/reply/"' not in html  # resolved
    for staff_only in ("/resolve/", "/decide/", '/feedback/"', "/reviews/open/"):
        assert staff_only not in html


def test_staff_get_the_forms_for_an_open_round(client_as, reviewer, item):
    html = client_as(reviewer).get(
        f"/integrations/{item.round.integration_id}/reviews/", HTTP_HX_REQUEST="true"
    )
    html = html.content.decode()
    round_pk = item.round_id
    assert f'action="/review/rounds/{round_pk}/feedback/"' in html
    assert 'name="blocking"' in html
    assert f'action="/review/rounds/{round_pk}/decide/"' in html
    assert 'value="approved"' in html and 'value="changes_requested"' in html
    assert f'action="/review/feedback/{item.pk}/resolve/"' in html
    assert "/reviews/open/" not in html  # a round is open already
    assert "already has an open review round" in html


def test_staff_can_open_a_round_only_in_review(client_as, reviewer, in_review, partner):
    html = (
        client_as(reviewer)
        .get(f"/integrations/{in_review.pk}/reviews/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert f'action="/integrations/{in_review.pk}/reviews/open/"' in html
    developing = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    html = (
        client_as(reviewer)
        .get(f"/integrations/{developing.pk}/reviews/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "/reviews/open/" not in html
    assert "opened while the integration is in Review" in html


def test_the_rounds_render_in_a_constant_number_of_queries(client_as, owner, in_review):
    def fill(count: int) -> None:
        for _ in range(count):
            review_round = ReviewRoundFactory(integration=in_review, status="approved")
            review_round.runs.add(VerificationRunFactory(target__integration=in_review))
            for feedback in FeedbackItemFactory.create_batch(2, round=review_round):
                FeedbackReplyFactory.create_batch(2, item=feedback, author=owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert (
                client.get(
                    f"/integrations/{in_review.pk}/reviews/", HTTP_HX_REQUEST="true"
                ).status_code
                == 200
            )
        return len(captured)

    client = client_as(owner)
    fill(1)
    small = queries()
    fill(6)
    assert queries() == small


# --- Actions: who may -------------------------------------------------------------------------

# (path, data) → status per role, in ROLES order; 302 back to the page means it was done.
ACTIONS = [
    ("/integrations/{id}/reviews/open/", {"summary": "S"}, [302, 403, 403, 404, 302, 302]),
    ("/review/rounds/{round}/feedback/", {"body": "More."}, [302, 403, 403, 404, 302, 302]),
    (
        "/review/rounds/{round}/decide/",
        {"decision": "approved"},
        [302, 403, 403, 404, 302, 302],
    ),
    ("/review/feedback/{item}/resolve/", {}, [302, 403, 403, 404, 302, 302]),
    ("/review/feedback/{item}/reply/", {"body": "Done."}, [302, 302, 302, 404, 302, 302]),
]
CASES = [
    pytest.param(path, data, role, expected, id=f"{path} {role}")
    for path, data, statuses in ACTIONS
    for role, expected in zip(ROLES, statuses, strict=True)
]


@pytest.mark.parametrize(("path", "data", "role", "expected"), CASES)
def test_actions_by_role(client_as, people, in_review, path, data, role, expected):
    ids = {"id": in_review.pk}
    if "{id}" not in path:
        feedback = FeedbackItemFactory(round__integration=in_review, blocking=False)
        ids.update(round=feedback.round_id, item=feedback.pk)
    response = client_as(people[role]).post(path.format(**ids), data)
    assert response.status_code == expected
    if expected == 302 and role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    elif expected == 302:
        assert response["Location"] == page_of(in_review)


@pytest.mark.parametrize(
    "path",
    [
        "/integrations/{id}/reviews/open/",
        "/review/rounds/{round}/feedback/",
        "/review/feedback/{item}/resolve/",
        "/review/feedback/{item}/reply/",
    ],
)
def test_actions_are_post_only(client_as, reviewer, item, path):
    url = path.format(id=item.round.integration_id, round=item.round_id, item=item.pk)
    assert client_as(reviewer).get(url).status_code == 405


# --- Actions: what they do ----------------------------------------------------------------------


def test_opening_a_round_from_the_page(client_as, reviewer, in_review):
    response = client_as(reviewer).post(
        f"/integrations/{in_review.pk}/reviews/open/", {"summary": "Docs and tokens."}, follow=True
    )
    assert "Review round opened." in response.content.decode()
    review_round = in_review.review_rounds.get()
    assert (review_round.status, review_round.summary) == ("open", "Docs and tokens.")


def test_a_second_round_shows_why_not(client_as, reviewer, item):
    integration = item.round.integration
    response = client_as(reviewer).post(
        f"/integrations/{integration.pk}/reviews/open/", follow=True
    )
    assert response.redirect_chain[-1][0] == page_of(integration)
    assert "already has an open review round" in response.content.decode()
    assert integration.review_rounds.count() == 1


def test_blocking_feedback_from_the_page_tells_the_partner(
    client_as, reviewer, owner, member, item, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_as(reviewer).post(
            f"/review/rounds/{item.round_id}/feedback/",
            {"body": "Add a renewal loop.", "blocking": "on"},
        )
    added = FeedbackItem.objects.get(body="Add a renewal loop.")
    assert (added.blocking, added.author) == (True, reviewer)
    assert sorted(m.to for m in mail.outbox) == [[member.email], [owner.email]]


def test_feedback_is_not_blocking_unless_ticked(client_as, reviewer, item):
    client_as(reviewer).post(f"/review/rounds/{item.round_id}/feedback/", {"body": "Nit."})
    assert FeedbackItem.objects.get(body="Nit.").blocking is False


def test_empty_feedback_is_refused_with_a_message(client_as, reviewer, item):
    response = client_as(reviewer).post(
        f"/review/rounds/{item.round_id}/feedback/", {"body": ""}, follow=True
    )
    assert "Feedback: This field is required." in response.content.decode()
    assert FeedbackItem.objects.count() == 1


def test_a_partner_reply_from_the_page_tells_the_reviewer(
    client_as, member, reviewer, item, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(member).post(
            f"/review/feedback/{item.pk}/reply/", {"body": "Fixed in 1.3."}, follow=True
        )
    assert "Reply sent." in response.content.decode()
    assert (FeedbackReply.objects.get().author, FeedbackReply.objects.get().body) == (
        member,
        "Fixed in 1.3.",
    )
    assert [m.to for m in mail.outbox] == [[reviewer.email]]


def test_resolving_from_the_page(client_as, admin, item):
    client_as(admin).post(f"/review/feedback/{item.pk}/resolve/")
    item.refresh_from_db()
    assert item.resolved_by == admin and item.resolved_at is not None


def test_deciding_asks_first_with_the_summary_in_the_dialog(client_as, reviewer, item):
    """The round's Approve… and Request changes… buttons open a confirmation (a GET of the
    decide URL) that says what will happen and holds the summary; nothing is decided yet."""
    integration = item.round.integration
    url = f"/review/rounds/{item.round_id}/decide/"
    html = (
        client_as(reviewer)
        .get(f"/integrations/{integration.pk}/reviews/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert f'<form method="get" action="{url}"' in html
    approve = client_as(reviewer).get(url, {"decision": "approved"}, HTTP_HX_REQUEST="true")
    html = approve.content.decode()
    assert approve.status_code == 200 and 'role="dialog"' in html
    assert f"Approve “{integration.name}”?" in html
    assert "It stays in Review until the program team moves it to Release." in html
    assert f'<form method="post" action="{url}"' in html
    assert '<input type="hidden" name="decision" value="approved">' in html
    assert 'name="summary"' in html and "Decision summary (the partner will read it)" in html
    changes = client_as(reviewer).get(url, {"decision": "changes_requested"}).content.decode()
    assert f"Request changes to “{integration.name}”?" in changes
    assert "moves back to Develop" in changes
    assert "The partner&#x27;s people are told by e-mail." in changes
    assert ReviewRound.objects.get().status == "open"
    integration.refresh_from_db()
    assert integration.stage == Stage.REVIEW


def test_the_approval_dialog_says_what_blocks_it_and_offers_no_button(client_as, reviewer, item):
    FeedbackItemFactory(round=item.round, blocking=True)
    url = f"/review/rounds/{item.round_id}/decide/"
    html = client_as(reviewer).get(url, {"decision": "approved"}).content.decode()
    assert "1 blocking review feedback item(s) still open." in html
    assert f'<form method="post" action="{url}"' not in html


def test_a_decided_round_or_an_unknown_decision_has_nothing_to_confirm(client_as, reviewer, item):
    url = f"/review/rounds/{item.round_id}/decide/"
    html = client_as(reviewer).get(url, {"decision": "maybe"}).content.decode()
    assert "Choose Approve or Request changes." in html
    assert f'<form method="post" action="{url}"' not in html
    ReviewRound.objects.update(status=ReviewRound.Status.APPROVED)
    html = client_as(reviewer).get(url, {"decision": "approved"}).content.decode()
    assert "is already decided." in html and "nothing left to decide" in html
    assert f'<form method="post" action="{url}"' not in html


def test_requesting_changes_outside_review_says_why_not(client_as, reviewer, item):
    Integration.objects.filter(pk=item.round.integration_id).update(stage=Stage.RELEASE)
    url = f"/review/rounds/{item.round_id}/decide/"
    html = client_as(reviewer).get(url, {"decision": "changes_requested"}).content.decode()
    assert "only an integration in Review goes back to Develop" in html
    assert f'<form method="post" action="{url}"' not in html


def test_the_partner_cannot_open_the_decision(client_as, owner, item):
    url = f"/review/rounds/{item.round_id}/decide/"
    assert client_as(owner).get(url, {"decision": "approved"}).status_code == 403


def test_requesting_changes_from_the_page_moves_the_integration_to_develop(
    client_as, reviewer, item
):
    integration = item.round.integration
    response = client_as(reviewer).post(
        f"/review/rounds/{item.round_id}/decide/",
        {"decision": "changes_requested", "summary": "See feedback."},
        follow=True,
    )
    assert "Review round decided: Changes requested." in response.content.decode()
    integration.refresh_from_db()
    assert integration.stage == Stage.DEVELOP
    assert integration.history.get().note == "See feedback."


def test_approval_with_blocking_feedback_shows_what_blocks_it(client_as, reviewer, item):
    FeedbackItemFactory(round=item.round, blocking=True)
    response = client_as(reviewer).post(
        f"/review/rounds/{item.round_id}/decide/", {"decision": "approved"}, follow=True
    )
    html = response.content.decode()
    assert "Resolve the blocking feedback before approving." in html
    assert "1 blocking review feedback item(s) still open." in html
    assert ReviewRound.objects.get().status == "open"


def test_an_unknown_decision_is_refused_with_a_message(client_as, reviewer, item):
    response = client_as(reviewer).post(
        f"/review/rounds/{item.round_id}/decide/", {"decision": "maybe"}, follow=True
    )
    assert "Decision: Select a valid choice." in response.content.decode()
    assert ReviewRound.objects.get().status == "open"
