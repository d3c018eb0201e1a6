"""/integrations/<id>/runs/: every verification run of an integration, paginated and filtered."""

import pytest

from reviews.views import RUNS_PAGE_SIZE
from tests.factories import IntegrationFactory, VerificationRunFactory, VerificationTargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def target(integration):
    return VerificationTargetFactory(integration=integration, name="lab cluster")


def runs_url(integration) -> str:
    return f"/integrations/{integration.pk}/runs/"


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("owner", 200),
        ("member", 200),
        ("outsider", 404),
        ("reviewer", 200),
        ("admin", 200),
    ],
)
def test_run_history_by_role(client_as, people, integration, target, role, expected):
    VerificationRunFactory(target=target)
    response = client_as(people[role]).get(runs_url(integration))
    assert response.status_code == expected


def test_runs_newest_first_in_pages_keeping_the_filter(client_as, owner, integration, target):
    runs = [VerificationRunFactory(target=target, status="failed") for _ in range(RUNS_PAGE_SIZE)]
    VerificationRunFactory(target=target, status="failed")
    passed = VerificationRunFactory(target=target, status="passed")
    client = client_as(owner)
    first = client.get(runs_url(integration))
    shown = list(first.context["page"])
    assert shown[0] == passed and len(shown) == RUNS_PAGE_SIZE
    assert first.context["page"].paginator.count == RUNS_PAGE_SIZE + 2
    failed = client.get(runs_url(integration), {"status": "failed"})
    assert failed.context["page"].paginator.count == RUNS_PAGE_SIZE + 1
    html = failed.content.decode()
    assert 'href="?status=failed&amp;page=2"' in html
    assert '<option value="failed" selected>' in html
    assert list(
        client.get(runs_url(integration), {"status": "failed", "page": 2}).context["page"]
    ) == [runs[0]]


def test_an_unknown_status_filter_shows_every_run(client_as, owner, integration, target):
    VerificationRunFactory(target=target)
    response = client_as(owner).get(runs_url(integration), {"status": "nonsense"})
    assert response.context["status"] == "" and response.context["page"].paginator.count == 1


def test_no_runs_says_how_to_start_one(client_as, owner, integration):
    html = client_as(owner).get(runs_url(integration)).content.decode()
    assert "No verification has run yet." in html and "Run verification" in html


def test_the_history_makes_a_constant_number_of_queries(
    client_as, owner, integration, target, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(owner)
    VerificationRunFactory(target=target)
    client.get(runs_url(integration))
    with CaptureQueriesContext(connection) as few:
        client.get(runs_url(integration))
    other_target = VerificationTargetFactory(integration=integration, name="second")
    VerificationRunFactory.create_batch(10, target=other_target)
    with django_assert_num_queries(len(few)):
        client.get(runs_url(integration))


def test_the_integration_page_links_to_the_run_history(client_as, owner, integration, target):
    VerificationRunFactory.create_batch(11, target=target)
    html = client_as(owner).get(f"/integrations/{integration.pk}/").content.decode()
    assert f'href="{runs_url(integration)}">All 11 runs</a>' in html


def test_another_partners_runs_are_not_listed(client_as, owner, integration, other_partner):
    foreign = IntegrationFactory(partner=other_partner)
    VerificationRunFactory(target=VerificationTargetFactory(integration=foreign))
    assert client_as(owner).get(runs_url(foreign)).status_code == 404
