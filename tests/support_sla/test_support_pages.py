"""/support/, an issue's page, opening issues, the calendar: every role."""

import pytest

from support_sla import services
from support_sla.models import BusinessCalendar, StandingRecord, SupportIssue
from tests.support_sla.conftest import issue_data

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "owner", "member", "outsider", "reviewer", "admin"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/support/", [302, 200, 200, 200, 200, 200]),
        ("/support/issues/{s}/", [302, 200, 200, 404, 200, 200]),
        ("/integrations/{i}/support/new/", [302, 200, 200, 404, 200, 200]),
        ("/integrations/{i}/", [302, 200, 200, 404, 200, 200]),
    ],
)
def test_pages_by_role(client_as, people, supported, owner, path, expected):
    issue = services.issue_open(integration=supported, actor=owner, data=issue_data())
    for role, status in zip(ROLES, expected, strict=True):
        response = client_as(people[role]).get(path.format(s=issue.pk, i=supported.pk))
        assert response.status_code == status, role


def test_the_queue_shows_clocks_in_both_zones(client_as, owner, supported, admin):
    admin.time_zone = "America/New_York"
    admin.save()
    services.issue_open(integration=supported, actor=owner, data=issue_data("critical"))
    html = client_as(admin).get("/support/").content.decode()
    assert "Login fails" in html and "on time" in html
    assert "Europe/Berlin" in html and "America/New_York" in html


def test_a_partner_opens_an_issue_from_the_integration_page(client_as, owner, supported):
    client = client_as(owner)
    assert "Open an issue" in client.get(f"/integrations/{supported.pk}/").content.decode()
    response = client.post(f"/integrations/{supported.pk}/support/new/", issue_data())
    issue = SupportIssue.objects.get()
    assert response["Location"] == f"/support/issues/{issue.pk}/"
    page = client.get(f"/support/issues/{issue.pk}/").content.decode()
    assert "SLA clock" in page and "Wait on reporter" in page


def test_status_severity_and_comments_from_the_page(client_as, owner, member, supported):
    issue = services.issue_open(integration=supported, actor=owner, data=issue_data())
    client = client_as(member)
    client.post(
        f"/support/issues/{issue.pk}/status/",
        {"status": "waiting_on_reporter", "comment": "Which version?"},
    )
    client.post(f"/support/issues/{issue.pk}/severity/", {"severity": "critical"})
    client.post(f"/support/issues/{issue.pk}/comments/", {"body": "Any news?"})
    issue.refresh_from_db()
    assert (issue.status, issue.severity) == ("waiting_on_reporter", "critical")
    assert list(issue.comments.values_list("body", "clock")) == [
        ("Which version?", "paused"),
        ("Any news?", ""),  # not the reporter: the clock stays paused
    ]
    page = client.get(f"/support/issues/{issue.pk}/").content.decode()
    assert "paused" in page and "asked the reporter; paused the clock" in page


def test_an_outsider_cannot_post(client_as, owner, outsider, supported):
    issue = services.issue_open(integration=supported, actor=owner, data=issue_data())
    client = client_as(outsider)
    assert (
        client.post(f"/support/issues/{issue.pk}/status/", {"status": "resolved"}).status_code
        == 404
    )
    assert (
        client.post(f"/integrations/{supported.pk}/support/new/", issue_data()).status_code == 404
    )


def test_the_owner_edits_the_calendar(client_as, owner, member, partner):
    client = client_as(owner)
    assert "Support calendar" in client.get(f"/partners/{partner.slug}/").content.decode()
    client.post(
        f"/partners/{partner.slug}/calendar/",
        {"working_days": ["6", "0", "1", "2", "3"], "closures": "2026-12-24\n2026-12-31"},
    )
    calendar = BusinessCalendar.objects.get(partner=partner)
    assert calendar.working_days == [0, 1, 2, 3, 6]
    assert calendar.closures == ["2026-12-24", "2026-12-31"]
    bad = client.post(
        f"/partners/{partner.slug}/calendar/",
        {"working_days": ["1"], "closures": "soon"},
        follow=True,
    )
    assert "is not a date" in bad.content.decode()
    client_as(member).post(f"/partners/{partner.slug}/calendar/", {"working_days": ["5"]})
    assert BusinessCalendar.objects.get(partner=partner).working_days == [0, 1, 2, 3, 6]


def test_search_the_support_queue(client_as, owner, supported, partner):
    from tests.factories import IntegrationFactory

    other = IntegrationFactory(partner=partner, stage="support", name="Acme Audit")
    services.issue_open(integration=supported, actor=owner, data=issue_data())
    services.issue_open(integration=other, actor=owner, data=issue_data(title="Audit log gaps"))
    client = client_as(owner)

    def titles(**params):
        return [issue.title for issue in client.get("/support/", params).context["issues"]]

    assert sorted(titles()) == ["Audit log gaps", "Login fails"]
    assert titles(q="gaps") == ["Audit log gaps"]
    assert titles(q="acme sync") == ["Login fails"]  # the integration's name
    assert sorted(titles(q="acme security")) == ["Audit log gaps", "Login fails"]  # the partner's
    assert titles(integration=str(other.pk)) == ["Audit log gaps"]
    assert sorted(titles(integration="not-a-number")) == ["Audit log gaps", "Login fails"]
    html = client.get("/support/", {"q": "gaps", "severity": "normal"}).content.decode()
    assert 'value="gaps"' in html and '<option value="normal" selected>' in html


def test_the_support_queue_is_paginated_keeping_the_filters(client_as, owner, supported):
    from support_sla.views import QUEUE_PAGE

    for n in range(QUEUE_PAGE + 2):
        services.issue_open(integration=supported, actor=owner, data=issue_data(title=f"Bug {n}"))
    client = client_as(owner)
    first = client.get("/support/", {"q": "bug", "severity": "normal"})
    assert len(first.context["issues"]) == QUEUE_PAGE
    assert 'href="?q=bug&amp;severity=normal&amp;page=2"' in first.content.decode()
    second = client.get("/support/", {"q": "bug", "severity": "normal", "page": 2})
    assert len(second.context["issues"]) == 2


def test_the_support_queue_makes_a_constant_number_of_queries(
    client_as, owner, supported, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(owner)
    services.issue_open(integration=supported, actor=owner, data=issue_data())
    client.get("/support/")
    with CaptureQueriesContext(connection) as few:
        client.get("/support/")
    for n in range(8):
        services.issue_open(integration=supported, actor=owner, data=issue_data(title=f"B{n}"))
    with django_assert_num_queries(len(few)):
        client.get("/support/")


def test_empty_support_queues_say_what_to_do(client_as, owner, supported):
    client = client_as(owner)
    html = client.get("/support/").content.decode()
    assert "No open support issue." in html and "Open an issue" in html
    filtered = client.get("/support/", {"q": "nothing"}).content.decode()
    assert "No support issue matches these filters." in filtered
    assert 'href="/support/">Clear the filters' in filtered


def test_the_integration_page_links_to_all_its_issues(client_as, owner, supported):
    from pipeline.views import RECENT_ISSUES

    for n in range(RECENT_ISSUES + 1):
        services.issue_open(integration=supported, actor=owner, data=issue_data(title=f"B{n}"))
    html = client_as(owner).get(f"/integrations/{supported.pk}/").content.decode()
    assert (
        f'href="/support/?integration={supported.pk}&amp;status=all">All {RECENT_ISSUES + 1} issues'
        in html
    )


def test_running_clocks_carry_their_remaining_seconds_for_the_countdown(
    client_as, owner, supported
):
    issue = services.issue_open(integration=supported, actor=owner, data=issue_data("critical"))
    html = client_as(owner).get(f"/support/issues/{issue.pk}/").content.decode()
    remaining = int(html.split('data-sla-remaining="', 1)[1].split('"', 1)[0])
    assert 47 * 3600 < remaining <= 48 * 3600
    assert 'src="/static/js/sla_clock.js"' in html


def test_a_paused_clock_does_not_count_down(client_as, owner, supported):
    issue = services.issue_open(integration=supported, actor=owner, data=issue_data("critical"))
    services.issue_update(
        issue=issue, actor=owner, data={"status": "waiting_on_reporter", "comment": "Logs?"}
    )
    html = client_as(owner).get(f"/support/issues/{issue.pk}/").content.decode()
    assert "paused" in html
    assert "data-sla-remaining" not in html


@pytest.mark.parametrize(
    ("standing", "reason", "shown"),
    [
        ("at_risk", "1 SLA breach in the last 90 days.", "Support standing at risk"),
        ("failing", "3 SLA breaches in the last 90 days.", "Support standing failing"),
    ],
)
def test_the_dashboard_says_why_support_standing_is_not_good(
    client_as, owner, outsider, supported, standing, reason, shown
):
    StandingRecord.objects.create(integration=supported, standing=standing, reason=reason)
    html = client_as(owner).get("/dashboard/").content.decode()
    assert f"{shown}: {reason}" in html
    assert "?partner=acme-security&amp;status=all" in html
    assert reason not in client_as(outsider).get("/dashboard/").content.decode()


def test_the_dashboard_is_quiet_while_support_standing_is_good(client_as, owner, supported):
    StandingRecord.objects.create(integration=supported, standing="good")
    assert "Support standing" not in client_as(owner).get("/dashboard/").content.decode()
