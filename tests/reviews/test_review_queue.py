"""/review/queue/: integrations in review, longest waiting first, with their latest run and open
feedback; filters, pagination, constant queries, and "Assign me"."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import Stage
from tests.factories import (
    FeedbackItemFactory,
    IntegrationFactory,
    PartnerFactory,
    ReviewRoundFactory,
    VerificationRunFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = "/review/queue/"


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def rows(response) -> list[str]:
    return [integration.name for integration in response.context["page"]]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("owner", 403),
        ("member", 403),
        ("outsider", 403),
        ("reviewer", 200),
        ("admin", 200),
    ],
)
def test_the_queue_is_for_program_staff(client_as, people, role, expected):
    response = client_as(people[role]).get(QUEUE)
    assert response.status_code == expected
    if role == "anonymous":
        assert response["Location"].startswith("/accounts/login/")


def test_integrations_in_review_longest_waiting_first(client_as, reviewer):
    IntegrationFactory(name="Recent", stage=Stage.REVIEW, stage_changed_at=days_ago(1))
    IntegrationFactory(name="Oldest", stage=Stage.REVIEW, stage_changed_at=days_ago(9))
    IntegrationFactory(name="Middle", stage=Stage.REVIEW, stage_changed_at=days_ago(4))
    IntegrationFactory(name="Developing", stage=Stage.DEVELOP, stage_changed_at=days_ago(30))
    response = client_as(reviewer).get(QUEUE)
    assert rows(response) == ["Oldest", "Middle", "Recent"]
    assert "9 days" in response.content.decode()


def test_each_row_has_the_latest_run_open_feedback_and_assignee(client_as, reviewer, admin):
    integration = IntegrationFactory(name="Acme KMS", stage=Stage.REVIEW, assignee=admin)
    VerificationRunFactory(target__integration=integration, status="passed")
    latest = VerificationRunFactory(target__integration=integration, status="failed")
    VerificationRunFactory(target__integration=integration, status="cancelled")  # ignored
    earlier = ReviewRoundFactory(
        integration=integration, status="changes_requested", opened_at=days_ago(5)
    )
    FeedbackItemFactory(round=earlier, blocking=True)
    FeedbackItemFactory(round=earlier, blocking=True, resolved_at=timezone.now())
    current = ReviewRoundFactory(integration=integration)
    FeedbackItemFactory.create_batch(2, round=current, blocking=False)
    bare = IntegrationFactory(name="Bare", stage=Stage.REVIEW)

    response = client_as(reviewer).get(QUEUE)

    by_name = {row.name: row for row in response.context["page"]}
    row = by_name["Acme KMS"]
    assert (row.latest_run_id, row.latest_run_status) == (latest.pk, "failed")
    assert (row.open_feedback, row.open_blocking, row.assignee) == (3, 1, admin)
    assert (by_name["Bare"].latest_run_status, by_name["Bare"].open_feedback) == (None, 0)
    html = response.content.decode()
    assert f'href="/verifications/{latest.pk}/"' in html and "1 blocking" in html
    assert admin.email in html
    assert f'data-integration="{bare.pk}"' in html and "no run" in html


def test_filter_by_category(client_as, reviewer):
    IntegrationFactory(name="Audit One", category="audit", stage=Stage.REVIEW)
    IntegrationFactory(name="Runtime One", category="runtime", stage=Stage.REVIEW)
    response = client_as(reviewer).get(QUEUE, {"category": "audit"})
    assert rows(response) == ["Audit One"]


def test_filter_by_assignee(client_as, reviewer, admin):
    IntegrationFactory(name="Mine", stage=Stage.REVIEW, assignee=reviewer)
    IntegrationFactory(name="Theirs", stage=Stage.REVIEW, assignee=admin)
    IntegrationFactory(name="Nobody's", stage=Stage.REVIEW)
    client = client_as(reviewer)
    assert rows(client.get(QUEUE, {"assignee": "me"})) == ["Mine"]
    assert rows(client.get(QUEUE, {"assignee": "unassigned"})) == ["Nobody's"]
    assert rows(client.get(QUEUE, {"assignee": str(admin.pk)})) == ["Theirs"]
    assert len(rows(client.get(QUEUE, {"assignee": "someone"}))) == 3  # unknown: no filter
    assert len(rows(client.get(QUEUE, {"assignee": "²"}))) == 3
    assert rows(client.get(QUEUE, {"assignee": "9" * 30})) == []
    response = client.get(QUEUE, {"assignee": str(admin.pk)})
    assert f'<option value="{admin.pk}" selected>{admin.email}</option>' in (
        response.content.decode()
    )


def test_pages_of_fifty(client_as, reviewer):
    partner = PartnerFactory()
    for days in range(51):
        IntegrationFactory(partner=partner, stage=Stage.REVIEW, stage_changed_at=days_ago(days))
    client = client_as(reviewer)
    first = client.get(QUEUE)
    assert len(rows(first)) == 50 and first.context["page"].paginator.count == 51
    assert len(rows(client.get(QUEUE, {"page": 2}))) == 1


def test_search_by_integration_or_partner_name(client_as, reviewer):
    IntegrationFactory(name="Vault Sync", stage=Stage.REVIEW, partner__name="Initech")
    IntegrationFactory(name="Audit Stream", stage=Stage.REVIEW, partner__name="Globex")
    client = client_as(reviewer)
    assert rows(client.get(QUEUE, {"q": "sync"})) == ["Vault Sync"]
    assert rows(client.get(QUEUE, {"q": "GLOBEX"})) == ["Audit Stream"]
    html = client.get(QUEUE, {"q": "nothing like it"}).content.decode()
    assert "Nothing in review matches these filters." in html
    assert 'href="/review/queue/">Clear the filters' in html
    assert (
        'value="nothing like it"' in html
        and '<label class="form-label small mb-0" for="queue-q">' in html
    )


def test_the_next_page_keeps_search_and_filters(client_as, reviewer):
    partner = PartnerFactory(name="Initech")
    for days in range(51):
        IntegrationFactory(partner=partner, stage=Stage.REVIEW, stage_changed_at=days_ago(days))
    html = client_as(reviewer).get(QUEUE, {"q": "initech", "category": "runtime"}).content.decode()
    assert 'href="?q=initech&amp;category=runtime&amp;page=2"' in html
    assert '<option value="runtime" selected>' in html


def test_an_empty_queue_says_where_integrations_come_from(client_as, reviewer):
    html = client_as(reviewer).get(QUEUE).content.decode()
    assert "Nothing is waiting for review." in html and 'href="/review/board/"' in html


def fill(count: int, assignee) -> None:
    for _ in range(count):
        integration = IntegrationFactory(
            partner=PartnerFactory(), stage=Stage.REVIEW, assignee=assignee
        )
        VerificationRunFactory(target__integration=integration)
        FeedbackItemFactory.create_batch(2, round=ReviewRoundFactory(integration=integration))


def queue_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(QUEUE, params).status_code == 200
    return len(queries)


def test_the_queue_makes_a_constant_number_of_queries(client_as, reviewer, admin):
    client = client_as(reviewer)
    fill(1, reviewer)
    fill(1, admin)
    small = queue_queries(client)
    small_filtered = queue_queries(client, assignee="me", category="runtime")
    fill(20, reviewer)
    fill(5, admin)
    assert queue_queries(client) == small
    assert queue_queries(client, assignee="me", category="runtime") == small_filtered


def test_the_queue_makes_a_handful_of_queries(client_as, reviewer, django_assert_num_queries):
    fill(3, reviewer)
    client = client_as(reviewer)
    client.get(QUEUE)  # warm the session
    # session, user, groups, count, page, staff users for the assignee filter, unread (navbar)
    with django_assert_num_queries(7):
        client.get(QUEUE)


# --- Assign me ---------------------------------------------------------------------------------


@pytest.fixture
def waiting(partner):
    return IntegrationFactory(partner=partner, stage=Stage.REVIEW)


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_staff_assign_themselves(client_as, people, waiting, role):
    response = client_as(people[role]).post(
        f"/review/queue/{waiting.pk}/assign/", {"next": "/review/queue/?assignee=me"}
    )
    assert (response.status_code, response["Location"]) == (302, "/review/queue/?assignee=me")
    waiting.refresh_from_db()
    assert waiting.assignee == people[role]


def test_the_queue_offers_assign_me_except_on_ones_own(client_as, reviewer, waiting):
    mine = IntegrationFactory(stage=Stage.REVIEW, assignee=reviewer)
    html = client_as(reviewer).get(QUEUE).content.decode()
    assert f'action="/review/queue/{waiting.pk}/assign/"' in html
    assert f'action="/review/queue/{mine.pk}/assign/"' not in html


def test_assign_me_goes_back_to_the_queue_and_ignores_foreign_next(client_as, reviewer, waiting):
    response = client_as(reviewer).post(
        f"/review/queue/{waiting.pk}/assign/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/review/queue/"


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", 302), ("owner", 403), ("member", 403), ("outsider", 404)]
)
def test_partners_cannot_assign(client_as, people, waiting, role, expected):
    response = client_as(people[role]).post(f"/review/queue/{waiting.pk}/assign/")
    assert response.status_code == expected
    waiting.refresh_from_db()
    assert waiting.assignee is None


def test_assign_is_post_only(client_as, reviewer, waiting):
    assert client_as(reviewer).get(f"/review/queue/{waiting.pk}/assign/").status_code == 405
