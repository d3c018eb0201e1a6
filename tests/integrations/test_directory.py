"""/directory/ and /directory/<slug>/: the public list of released and supported work."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from integrations.models import Stage
from support_sla import services as support_services
from support_sla import sweep
from support_sla.tasks import standings_refresh
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(partner, other_partner):
    return {
        "released": IntegrationFactory(
            partner=partner, name="Acme KMS", stage=Stage.RELEASE, category="hsm"
        ),
        "supported": IntegrationFactory(
            partner=other_partner, name="Globex Sync", stage=Stage.SUPPORT
        ),
        "in_review": IntegrationFactory(
            partner=partner, name="Acme Secret Draft", stage=Stage.REVIEW
        ),
        "delisted": IntegrationFactory(partner=partner, name="Acme Old", stage=Stage.DELISTED),
    }


def names(response) -> list[str]:
    return [integration.name for integration in response.context["page"]]


def test_only_released_and_supported_integrations_are_listed(client, catalogue):
    assert names(client.get("/directory/")) == ["Acme KMS", "Globex Sync"]


def test_search_by_name_and_filter_by_category(client, catalogue):
    assert names(client.get("/directory/?q=sync")) == ["Globex Sync"]
    assert names(client.get("/directory/?q=globex")) == ["Globex Sync"]
    assert names(client.get("/directory/?category=hsm")) == ["Acme KMS"]
    assert names(client.get("/directory/?category=bogus")) == ["Acme KMS", "Globex Sync"]
    empty = client.get("/directory/?q=nothing-like-this")
    assert "Nothing matches that search." in empty.content.decode()


def test_partner_page_lists_only_its_listed_work(client, partner, catalogue):
    response = client.get(f"/directory/{partner.slug}/")
    html = response.content.decode()
    assert "Acme KMS" in html
    assert "Acme Secret Draft" not in html and "Acme Old" not in html


def test_the_directory_is_paginated(client, partner):
    for n in range(30):
        IntegrationFactory(partner=partner, name=f"Listed {n:02}", stage=Stage.SUPPORT)
    first = client.get("/directory/")
    assert len(names(first)) == 24
    assert "page=2" in first.content.decode()
    assert len(names(client.get("/directory/?page=2"))) == 6
    assert len(names(client.get("/directory/?page=999"))) == 6  # the last page


def test_the_directory_query_count_does_not_grow(client, partner, django_assert_num_queries):
    IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    with django_assert_num_queries(3):  # count, page, active badges
        client.get("/directory/")
    for n in range(20):
        IntegrationFactory(partner=partner, name=f"More {n}", stage=Stage.SUPPORT)
    with django_assert_num_queries(3):
        client.get("/directory/")


def test_a_failing_integration_leaves_the_directory_until_it_recovers(
    client, client_as, owner, partner, catalogue, django_capture_on_commit_callbacks
):
    """Three breached critical issues make support standing failing: the integration is out
    of the public directory (still released: delisting is staff's decision) and its partner's
    dashboard says so and why; when the breaches leave the 90 days, it is back."""
    released = catalogue["released"]
    opened = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(opened, tick=False):
        issues = [
            support_services.issue_open(
                integration=released,
                actor=owner,
                data={"title": f"Outage {n}", "description": "Down.", "severity": "critical"},
            )
            for n in range(3)
        ]
    with (
        time_machine.travel(opened + timedelta(hours=49), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sweep.sla_sweep()
        for issue in issues:
            support_services.issue_update(issue=issue, actor=owner, data={"status": "resolved"})
        assert names(client.get("/directory/")) == ["Globex Sync"]
        assert client.get(f"/directory/{partner.slug}/").status_code == 404
        dashboard = client_as(owner).get("/dashboard/").content.decode()
        assert "Support standing failing: 3 SLA breaches in the last 90 days." in dashboard
        assert "It is hidden from the public directory until its support standing" in dashboard
    released.refresh_from_db()
    assert released.stage == Stage.RELEASE
    with time_machine.travel(opened + timedelta(days=93), tick=False):
        standings_refresh()
        assert names(client.get("/directory/")) == ["Acme KMS", "Globex Sync"]
        assert client.get(f"/directory/{partner.slug}/").status_code == 200
        dashboard = client_as(owner).get("/dashboard/").content.decode()
        assert "hidden from the public directory" not in dashboard
