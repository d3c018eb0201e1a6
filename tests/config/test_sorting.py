"""Sortable columns (config/sorting.py) on the integrations list, the review queue and the
support queue: sorted by the database, whitelisted keys (anything else is the default), the
primary key as the tiebreak, the sort kept in the URL with the filters (headers, filter form,
pagination, CSV export), and the same number of queries whatever the sort."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import Integration, Stage
from reviews.models import ReviewRound
from support_sla import services as support_services
from support_sla.models import StandingRecord
from tests.factories import (
    FeedbackItemFactory,
    IntegrationFactory,
    PartnerFactory,
    ReviewRoundFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def names_in(html: str, names) -> list[str]:
    """`names` in the order the page shows them."""
    return sorted((n for n in names if n in html), key=html.index)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


# --- The integrations list -----------------------------------------------------------------


@pytest.fixture
def listed(partner, owner):
    now = timezone.now()
    zulu = PartnerFactory(name="Zulu Labs")
    rows = [
        IntegrationFactory(partner=partner, name="Bravo", stage=Stage.SUPPORT,
                           stage_changed_at=now - timedelta(days=30)),
        IntegrationFactory(partner=partner, name="Alpha", stage=Stage.DEVELOP,
                           stage_changed_at=now - timedelta(days=2)),
        IntegrationFactory(partner=zulu, name="Charlie", stage=Stage.ENGAGE,
                           stage_changed_at=now - timedelta(days=9)),
    ]  # fmt: skip
    StandingRecord.objects.create(integration=rows[0], standing="failing", reason="Breaches.")
    return rows


def test_the_list_sorts_by_a_column_both_ways(client_as, reviewer, listed):
    client = client_as(reviewer)
    names = ["Alpha", "Bravo", "Charlie"]
    expected = {
        "": ["Alpha", "Bravo", "Charlie"],  # by name, the default
        "partner": ["Alpha", "Bravo", "Charlie"],  # Acme Security, then Zulu Labs
        "-partner": ["Charlie", "Alpha", "Bravo"],
        "stage": ["Charlie", "Alpha", "Bravo"],  # along the pipeline, not alphabetically
        "-stage": ["Bravo", "Alpha", "Charlie"],
        "days": ["Alpha", "Charlie", "Bravo"],
        "-days": ["Bravo", "Charlie", "Alpha"],
        "-standing": ["Bravo", "Alpha", "Charlie"],  # failing first
        "nonsense": ["Alpha", "Bravo", "Charlie"],  # not a column: the default
        "-partner__owner__password": ["Alpha", "Bravo", "Charlie"],  # never a lookup
    }
    for sort, order in expected.items():
        html = client.get("/integrations/", {"sort": sort}).content.decode()
        table = html[html.index("<tbody>") :]
        assert names_in(table, names) == order, sort


def test_headers_toggle_and_keep_the_filters(client_as, reviewer, listed):
    html = client_as(reviewer).get("/integrations/", {"stage": "develop", "sort": "partner"})
    html = html.content.decode()
    assert 'aria-sort="ascending"><a class="sort-link" href="?stage=develop&amp;sort=-partner"' in (
        html
    )
    assert 'aria-sort="none"><a class="sort-link" href="?stage=develop&amp;sort=days"' in html
    assert '<input type="hidden" name="sort" value="partner">' in html  # the filter form
    assert "/integrations/export.csv?stage=develop&amp;sort=partner" in html


def test_the_export_follows_the_sort(client_as, reviewer, listed):
    response = client_as(reviewer).get("/integrations/export.csv", {"sort": "-days"})
    body = b"".join(response).decode()
    assert names_in(body, ["Alpha", "Bravo", "Charlie"]) == ["Bravo", "Charlie", "Alpha"]


def test_ties_are_broken_by_the_primary_key_across_pages(client_as, reviewer, partner):
    same = timezone.now()
    made = [
        IntegrationFactory(partner=partner, stage=Stage.REVIEW, stage_changed_at=same)
        for _ in range(55)
    ]
    # Rewritten rows move on disk: without a tiebreak the database returns equal rows in
    # whatever order it finds them.
    Integration.objects.filter(pk__in=[i.pk for i in made[::2]]).update(summary="Edited.")
    client = client_as(reviewer)
    for sort in ("days", "-days"):
        first = client.get("/review/queue/", {"sort": sort, "page": 1}).content.decode()
        second = client.get("/review/queue/", {"sort": sort, "page": 2}).content.decode()
        shown = re.findall(r'<tr data-integration="(\d+)">', first + second)
        assert [int(pk) for pk in shown] == [i.pk for i in made], sort
        assert f"sort={sort}&amp;page=2" in first


@pytest.mark.parametrize(
    ("url", "table"),
    [
        ("/integrations/?sort=-days", "integrations_integration"),
        ("/review/queue/?sort=run", "integrations_integration"),
        ("/support/?sort=severity", "support_sla_supportissue"),
    ],
)
def test_every_sort_ends_with_the_primary_key(client_as, reviewer, owner, partner, url, table):
    """Equal values (the same day, status or severity) come back in a fixed order, so no row
    moves between pages (the database returns ties in whatever order it finds them)."""
    IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    support_services.issue_open(
        integration=IntegrationFactory(partner=partner, stage=Stage.SUPPORT),
        actor=owner,
        data={"title": "Down", "description": "Down.", "severity": "normal"},
    )
    with CaptureQueriesContext(connection) as captured:
        assert client_as(reviewer).get(url).status_code == 200
    listing = [q["sql"] for q in captured if "ORDER BY" in q["sql"] and "LIMIT" in q["sql"]]
    assert listing, url
    assert (
        listing[-1].split("ORDER BY")[-1].split("LIMIT")[0].strip().endswith(f'"{table}"."id" ASC')
    )


def test_sorting_costs_no_query(client_as, reviewer, listed):
    client = client_as(reviewer)
    base = queries(client, "/integrations/")
    for sort in ("partner", "-stage", "days", "standing"):
        assert queries(client, f"/integrations/?sort={sort}") == base


# --- The review queue ----------------------------------------------------------------------


def test_the_review_queue_sorts_by_its_columns(client_as, reviewer, partner):
    now = timezone.now()
    old = IntegrationFactory(
        partner=partner, name="Old", stage=Stage.REVIEW, stage_changed_at=now - timedelta(days=20)
    )
    new = IntegrationFactory(
        partner=partner,
        name="New",
        stage=Stage.REVIEW,
        stage_changed_at=now - timedelta(days=1),
        assignee=UserFactory(email="aaa@vip.example"),
    )
    review_round = ReviewRoundFactory(integration=new, status=ReviewRound.Status.OPEN)
    FeedbackItemFactory(round=review_round, blocking=True)
    client = client_as(reviewer)
    names = ["Old", "New"]

    def order(sort):
        html = client.get("/review/queue/", {"sort": sort}).content.decode()
        return names_in(html[html.index("<tbody>") :], names)

    assert order("") == ["Old", "New"]  # longest waiting first
    assert order("days") == ["New", "Old"]
    assert order("-feedback") == ["New", "Old"]
    assert order("assignee") == ["New", "Old"]  # unassigned last
    assert order("name") == ["New", "Old"]
    assert order("-name") == ["Old", "New"]
    assert order("drop table") == ["Old", "New"]
    assert queries(client, "/review/queue/?sort=-feedback") == queries(client, "/review/queue/")
    assert old.pk and new.pk


# --- The support queue ---------------------------------------------------------------------


def test_the_support_queue_sorts_by_its_columns(client_as, owner, partner):
    supported = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)

    def issue(title, severity):
        return support_services.issue_open(
            integration=supported,
            actor=owner,
            data={"title": title, "description": "Broken.", "severity": severity},
        )

    issue("Zeta slow", "normal")
    acked = issue("Alpha down", "critical")
    support_services.issue_update(issue=acked, actor=owner, data={"status": "acknowledged"})
    client = client_as(owner)
    names = ["Zeta slow", "Alpha down"]

    def order(sort):
        html = client.get("/support/", {"sort": sort}).content.decode()
        return names_in(html[html.index("<tbody>") :], names)

    assert order("") == ["Alpha down", "Zeta slow"]  # least time left first
    assert order("issue") == ["Alpha down", "Zeta slow"]
    assert order("-issue") == ["Zeta slow", "Alpha down"]
    assert order("severity") == ["Alpha down", "Zeta slow"]  # critical first
    assert order("status") == ["Zeta slow", "Alpha down"]  # open, then acknowledged
    assert order("-due") == ["Zeta slow", "Alpha down"]
    html = client.get("/support/", {"severity": "normal", "sort": "-issue"}).content.decode()
    assert 'href="?severity=normal&amp;sort=issue"' in html
    assert queries(client, "/support/?sort=-issue") == queries(client, "/support/")
