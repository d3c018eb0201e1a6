"""/dashboard/: a partner's integrations (staff: those assigned to them) with checklist and next
step; paginated, searchable, and a fixed number of queries whatever the page's length."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integrations import selectors
from integrations.models import IntegrationOverlap, Stage, StageTransition
from pipeline import selectors as pipeline_selectors
from pipeline.facts import facts_of
from pipeline.views import DASHBOARD_PAGE_SIZE
from tests.factories import (
    FeedbackItemFactory,
    IntegrationFactory,
    ReviewRoundFactory,
    VerificationRunFactory,
    VerificationTargetFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"
STAGES = [Stage.ENGAGE, Stage.DEVELOP, Stage.REVIEW, Stage.RELEASE, Stage.SUPPORT]


def names(response) -> list[str]:
    return [row["integration"].name for row in response.context["rows"]]


def busy_integrations(partner, count: int, **extra) -> list:
    """Integrations across the stages, each with what its checklist and next step read:
    overlaps, targets, runs, review rounds with feedback, history."""
    made = []
    for n in range(count):
        stage = STAGES[n % len(STAGES)]
        integration = IntegrationFactory(partner=partner, stage=stage, **extra)
        IntegrationOverlap.objects.create(
            integration=integration, similar=IntegrationFactory(partner=partner), score=0.8
        )
        run = VerificationRunFactory(target=VerificationTargetFactory(integration=integration))
        FeedbackItemFactory(round=ReviewRoundFactory(integration=integration, status="approved"))
        StageTransition.objects.create(integration=integration, from_stage="", to_stage=stage)
        made.append((integration, run))
    return made


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("owner", 200),
        ("member", 200),
        ("outsider", 200),
        ("reviewer", 200),
        ("admin", 200),
    ],
)
def test_the_dashboard_by_role(client_as, people, integration, role, expected):
    response = client_as(people[role]).get(DASHBOARD)
    assert response.status_code == expected
    if expected == 200:
        shown = names(response)
        assert (integration.name in shown) == (role in ("owner", "member"))


def test_a_partner_sees_only_its_own_integrations(client_as, owner, outsider, other_partner):
    IntegrationFactory(partner=other_partner, name="Globex Secret Thing")
    html = client_as(owner).get(DASHBOARD).content.decode()
    assert "Globex Secret Thing" not in html
    assert "Globex Secret Thing" in client_as(outsider).get(DASHBOARD).content.decode()


def test_staff_see_the_integrations_assigned_to_them(client_as, reviewer, partner):
    IntegrationFactory(partner=partner, name="Mine", assignee=reviewer)
    IntegrationFactory(partner=partner, name="Not mine")
    response = client_as(reviewer).get(DASHBOARD)
    assert names(response) == ["Mine"]
    assert "Assigned to you" in response.content.decode()


def test_the_dashboard_is_paginated_and_keeps_the_search(client_as, owner, partner):
    for n in range(DASHBOARD_PAGE_SIZE + 3):
        IntegrationFactory(partner=partner, name=f"Vault Sync {n:02d}")
    IntegrationFactory(partner=partner, name="Something else")
    client = client_as(owner)
    first = client.get(DASHBOARD, {"q": "sync"})
    assert len(names(first)) == DASHBOARD_PAGE_SIZE
    assert first.context["page"].paginator.count == DASHBOARD_PAGE_SIZE + 3
    html = first.content.decode()
    assert 'href="?q=sync&amp;page=2"' in html  # the next page keeps the search
    assert 'value="sync"' in html  # the search box keeps its value
    second = client.get(DASHBOARD, {"q": "sync", "page": 2})
    assert len(names(second)) == 3
    assert "Something else" not in names(first) + names(second)


def test_the_search_box_has_a_label(client_as, owner, integration):
    html = client_as(owner).get(DASHBOARD).content.decode()
    assert re.search(r'<label[^>]+for="dashboard-q"', html)
    assert 'id="dashboard-q"' in html


def test_an_empty_dashboard_says_what_to_do_next(client_as, owner):
    html = client_as(owner).get(DASHBOARD).content.decode()
    assert "You have no integrations yet." in html
    assert 'href="/engage/"' in html


def test_a_search_without_results_offers_to_show_all(client_as, owner, integration):
    html = client_as(owner).get(DASHBOARD, {"q": "no such thing"}).content.decode()
    assert "No integration matches “no such thing”." in html
    assert 'href="/dashboard/">show all your integrations' in html


def test_an_empty_staff_dashboard_points_to_the_queue(client_as, reviewer):
    html = client_as(reviewer).get(DASHBOARD).content.decode()
    assert "No integration is assigned to you." in html
    assert 'href="/review/queue/"' in html


def test_queries_do_not_grow_with_the_number_of_integrations(
    client_as, owner, partner, django_assert_num_queries
):
    client = client_as(owner)
    busy_integrations(partner, 3)
    client.get(DASHBOARD)  # the session, once
    with CaptureQueriesContext(connection) as few:
        assert len(names(client.get(DASHBOARD))) == 6  # three, and their overlapping three
    busy_integrations(partner, 7)
    with django_assert_num_queries(len(few)):
        assert len(names(client.get(DASHBOARD))) == DASHBOARD_PAGE_SIZE
    assert len(few) <= 10


def test_staff_dashboard_queries_do_not_grow_either(
    client_as, reviewer, partner, django_assert_num_queries
):
    client = client_as(reviewer)
    busy_integrations(partner, 2, assignee=reviewer)
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as few:
        client.get(DASHBOARD)
    busy_integrations(partner, 10, assignee=reviewer)
    with django_assert_num_queries(len(few)):
        assert len(names(client.get(DASHBOARD))) == 12


def test_the_list_shows_the_same_checklist_and_next_step_as_the_integration_page(
    client_as, owner, partner
):
    """The facts the dashboard reads for its whole page in one query give the answers the
    integration page reads for one (pipeline.facts: facts_for and facts_of)."""
    client = client_as(owner)
    busy_integrations(partner, 5)
    rows = client.get(DASHBOARD).context["rows"]
    for row in rows:
        fresh, _ = selectors.integration_for(user=owner, pk=row["integration"].pk)
        facts = facts_of(fresh)
        assert row["checklist"] == pipeline_selectors.integration_checklist(
            integration=fresh, facts=facts
        )
        assert row["next_step"] == pipeline_selectors.integration_next_step(
            integration=fresh, user=owner, facts=facts
        )
