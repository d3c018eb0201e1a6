"""/api/v1/integrations/<id>/reviews/, /api/v1/reviews/<id>/…, /api/v1/feedback/<id>/…: who gets
what status, the bodies, the error shape, and a whole review from opening to approval."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations.models import Stage
from reviews.models import FeedbackItem, ReviewRound
from tests.factories import (
    FeedbackItemFactory,
    FeedbackReplyFactory,
    IntegrationFactory,
    ReviewRoundFactory,
    VerificationRunFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "member", "outsider", "reviewer", "admin"]

# (method, path, body) → status per role, in ROLES order. The integration belongs to the
# owner's and member's partner and is in `review`; {round} is open and {item} is a
# non-blocking open feedback item in it (the first endpoint runs without them).
ENDPOINTS = [
    (
        "post",
        "/api/v1/integrations/{id}/reviews/",
        {"summary": "S"},
        [401, 403, 403, 404, 201, 201],
    ),
    ("get", "/api/v1/integrations/{id}/reviews/", None, [401, 200, 200, 404, 200, 200]),
    (
        "post",
        "/api/v1/reviews/{round}/feedback/",
        {"body": "Add docs.", "blocking": True},
        [401, 403, 403, 404, 201, 201],
    ),
    (
        "post",
        "/api/v1/reviews/{round}/decide/",
        {"decision": "approved"},
        [401, 403, 403, 404, 200, 200],
    ),
    ("post", "/api/v1/feedback/{item}/resolve/", None, [401, 403, 403, 404, 200, 200]),
    (
        "post",
        "/api/v1/feedback/{item}/replies/",
        {"body": "Done."},
        [401, 201, 201, 404, 201, 201],
    ),
]
CASES = [
    pytest.param(method, path, body, role, expected, id=f"{method} {path} {role}")
    for method, path, body, statuses in ENDPOINTS
    for role, expected in zip(ROLES, statuses, strict=True)
]


@pytest.fixture
def in_review(partner, owner):
    return IntegrationFactory(partner=partner, stage=Stage.REVIEW)


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), CASES)
def test_status_by_role(api, people, in_review, method, path, body, role, expected):
    ids = {"id": in_review.pk}
    if "{round}" in path or "{item}" in path:
        item = FeedbackItemFactory(round__integration=in_review, blocking=False)
        ids.update(round=item.round_id, item=item.pk)
    response = getattr(api.as_user(people[role]), method)(path.format(**ids), body, format="json")
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert set(response.json()) >= {"message", "code"}


def test_opening_answers_201_with_the_round(api, reviewer, in_review):
    response = api.as_user(reviewer).post(
        f"/api/v1/integrations/{in_review.pk}/reviews/", {"summary": "Docs first."}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "open" and data["summary"] == "Docs first."
    assert data["integration"] == in_review.pk and data["opened_by"] == reviewer.email
    assert data["feedback"] == [] and data["runs"] == []
    assert ReviewRound.objects.get().pk == data["id"]


def test_a_second_open_round_is_a_conflict(api, reviewer, in_review):
    ReviewRoundFactory(integration=in_review)
    response = api.as_user(reviewer).post(
        f"/api/v1/integrations/{in_review.pk}/reviews/", {}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "round_open"


def test_opening_outside_review_is_a_conflict_with_unmet(api, reviewer, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    response = api.as_user(reviewer).post(
        f"/api/v1/integrations/{integration.pk}/reviews/", {}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["unmet"] == [
        {
            "code": "not_in_review",
            "message": "Review rounds are opened while the integration is in Review.",
        }
    ]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/reviews/{round}/feedback/", {"blocking": True}, "body"),
        ("/api/v1/reviews/{round}/feedback/", {"body": ""}, "body"),
        ("/api/v1/reviews/{round}/feedback/", {"body": "x", "blocking": "maybe"}, "blocking"),
        ("/api/v1/reviews/{round}/feedback/", {"body": "x" * 10_001}, "body"),
        ("/api/v1/reviews/{round}/decide/", {"decision": "open"}, "decision"),
        ("/api/v1/reviews/{round}/decide/", {}, "decision"),
        ("/api/v1/feedback/{item}/replies/", {"body": "   "}, "body"),
    ],
)
def test_invalid_bodies_are_400_with_field_errors(api, reviewer, in_review, path, body, field):
    item = FeedbackItemFactory(round__integration=in_review)
    url = path.format(round=item.round_id, item=item.pk)
    response = api.as_user(reviewer).post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]


def test_feedback_answers_201_unresolved(api, reviewer, in_review):
    review_round = ReviewRoundFactory(integration=in_review)
    response = api.as_user(reviewer).post(
        f"/api/v1/reviews/{review_round.pk}/feedback/",
        {"body": "Pin the plugin's sha256."},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["resolved"] is False and data["blocking"] is False
    assert (data["round"], data["author"], data["replies"]) == (
        review_round.pk,
        reviewer.email,
        [],
    )


def test_feedback_on_a_decided_round_is_a_conflict(api, reviewer, in_review):
    review_round = ReviewRoundFactory(integration=in_review, status="approved")
    response = api.as_user(reviewer).post(
        f"/api/v1/reviews/{review_round.pk}/feedback/", {"body": "Late."}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "round_closed")


def test_approval_with_open_blocking_feedback_is_409_with_unmet(api, reviewer, in_review):
    item = FeedbackItemFactory(round__integration=in_review, blocking=True)
    response = api.as_user(reviewer).post(
        f"/api/v1/reviews/{item.round_id}/decide/", {"decision": "approved"}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "blocking_feedback"
    assert [u["code"] for u in body["unmet"]] == ["blocking_feedback"]


def test_changes_requested_moves_the_integration_back_to_develop(api, reviewer, in_review):
    review_round = ReviewRoundFactory(integration=in_review)
    response = api.as_user(reviewer).post(
        f"/api/v1/reviews/{review_round.pk}/decide/",
        {"decision": "changes_requested", "summary": "Drop the root token."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "changes_requested"
    assert response.json()["decision_summary"] == "Drop the root token."
    detail = api.get(f"/api/v1/integrations/{in_review.pk}/").json()
    assert detail["stage"] == "develop"
    history = api.get(f"/api/v1/integrations/{in_review.pk}/history/").json()["results"]
    assert history[-1] | {"at": None} == {
        "field": "stage",
        "from": "review",
        "to": "develop",
        "actor": reviewer.email,
        "at": None,
        "note": "Drop the root token.",
    }


def test_a_resolved_item_takes_no_more_replies_or_resolutions(api, reviewer, owner, in_review):
    item = FeedbackItemFactory(round__integration=in_review)
    assert api.as_user(reviewer).post(f"/api/v1/feedback/{item.pk}/resolve/").status_code == 200
    again = api.post(f"/api/v1/feedback/{item.pk}/resolve/")
    assert (again.status_code, again.json()["code"]) == (409, "feedback_resolved")
    reply = api.as_user(owner).post(
        f"/api/v1/feedback/{item.pk}/replies/", {"body": "Hm."}, format="json"
    )
    assert (reply.status_code, reply.json()["code"]) == (409, "feedback_resolved")


def test_the_list_is_paginated_with_feedback_replies_and_runs(api, owner, in_review, reviewer):
    run = VerificationRunFactory(target__integration=in_review)
    older = ReviewRoundFactory(integration=in_review, status="changes_requested")
    newer = ReviewRoundFactory(integration=in_review, opened_by=reviewer)
    newer.runs.add(run)
    item = FeedbackItemFactory(round=newer, author=reviewer, body="Explain the TTL.")
    FeedbackReplyFactory(item=item, author=owner, body="24 hours at most.")

    data = api.as_user(owner).get(f"/api/v1/integrations/{in_review.pk}/reviews/").json()

    assert data["count"] == 2 and {"next", "previous"} <= set(data)
    first, second = data["results"]
    assert (first["id"], second["id"]) == (newer.pk, older.pk)  # newest first
    assert first["runs"] == [run.pk]
    (feedback,) = first["feedback"]
    assert (feedback["body"], feedback["author"], feedback["resolved"]) == (
        "Explain the TTL.",
        reviewer.email,
        False,
    )
    assert [(r["body"], r["author"]) for r in feedback["replies"]] == [
        ("24 hours at most.", owner.email)
    ]


def test_the_list_makes_a_constant_number_of_queries(api, owner, in_review):
    def fill(count: int) -> None:
        for _ in range(count):
            review_round = ReviewRoundFactory(integration=in_review, status="approved")
            review_round.runs.add(VerificationRunFactory(target__integration=in_review))
            for item in FeedbackItemFactory.create_batch(2, round=review_round):
                FeedbackReplyFactory.create_batch(2, item=item, author=owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(f"/api/v1/integrations/{in_review.pk}/reviews/")
        assert response.status_code == 200
        return len(captured)

    api.as_user(owner)
    fill(1)
    small = queries()
    fill(5)
    assert queries() == small


def test_a_whole_review_from_opening_to_approval(
    api, reviewer, owner, member, in_review, django_capture_on_commit_callbacks
):
    """Open → blocking feedback → partner reply → approval refused → resolve → approve."""
    run = VerificationRunFactory(target__integration=in_review)
    with django_capture_on_commit_callbacks(execute=True):
        opened = api.as_user(reviewer).post(
            f"/api/v1/integrations/{in_review.pk}/reviews/", {"summary": "v1.0"}, format="json"
        )
        assert opened.status_code == 201 and opened.json()["runs"] == [run.pk]
        round_id = opened.json()["id"]

        feedback = api.post(
            f"/api/v1/reviews/{round_id}/feedback/",
            {"body": "Renew tokens before they expire.", "blocking": True},
            format="json",
        )
        assert feedback.status_code == 201 and feedback.json()["resolved"] is False
        item_id = feedback.json()["id"]

        reply = api.as_user(owner).post(
            f"/api/v1/feedback/{item_id}/replies/", {"body": "Renewal added."}, format="json"
        )
        assert reply.status_code == 201
        assert (reply.json()["item"], reply.json()["author"]) == (item_id, owner.email)

        refused = api.as_user(reviewer).post(
            f"/api/v1/reviews/{round_id}/decide/", {"decision": "approved"}, format="json"
        )
        assert refused.status_code == 409

        resolved = api.post(f"/api/v1/feedback/{item_id}/resolve/")
        assert resolved.status_code == 200 and resolved.json()["resolved"] is True
        assert resolved.json()["resolved_by"] == reviewer.email

        approved = api.post(
            f"/api/v1/reviews/{round_id}/decide/",
            {"decision": "approved", "summary": "Ready for release."},
            format="json",
        )
    assert approved.status_code == 200
    body = approved.json()
    assert (body["status"], body["decided_by"]) == ("approved", reviewer.email)
    assert body["feedback"][0]["replies"][0]["body"] == "Renewal added."

    sent = sorted((m.to, m.subject.removeprefix("[VIP Tracker] ")) for m in mail.outbox)
    assert sent == sorted(  # one e-mail per recipient
        [
            ([owner.email], f"Blocking review feedback on {in_review.name}"),
            ([member.email], f"Blocking review feedback on {in_review.name}"),
            ([reviewer.email], f"Acme Security replied to review feedback on {in_review.name}"),
            ([owner.email], f"{in_review.name}: review approved"),
            ([member.email], f"{in_review.name}: review approved"),
        ]
    )
    checklist = api.as_user(owner).get(f"/api/v1/integrations/{in_review.pk}/").json()
    assert {i["key"]: i["done"] for i in checklist["checklist"]}["feedback_addressed"] is True
    assert FeedbackItem.objects.get().replies.count() == 1


def test_the_schema_documents_the_review_endpoints(api, reviewer):
    schema = api.as_user(reviewer).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/integrations/{integration_pk}/reviews/"]
    assert "get" in paths["/api/v1/integrations/{integration_pk}/reviews/"]
    for path in (
        "/api/v1/reviews/{id}/decide/",
        "/api/v1/reviews/{id}/feedback/",
        "/api/v1/feedback/{id}/resolve/",
        "/api/v1/feedback/{id}/replies/",
    ):
        assert "requestBody" in paths[path]["post"] or path.endswith("resolve/")
