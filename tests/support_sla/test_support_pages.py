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


def test_status_severity_and_comments_from_the_page(client_as, owner, supported):
    issue = services.issue_open(integration=supported, actor=owner, data=issue_data())
    client = client_as(owner)
    client.post(f"/support/issues/{issue.pk}/status/", {"status": "waiting_on_reporter"})
    client.post(f"/support/issues/{issue.pk}/severity/", {"severity": "critical"})
    client.post(f"/support/issues/{issue.pk}/comments/", {"body": "Any news?"})
    issue.refresh_from_db()
    assert (issue.status, issue.severity) == ("waiting_on_reporter", "critical")
    assert issue.comments.get().body == "Any news?"
    assert "paused" in client.get(f"/support/issues/{issue.pk}/").content.decode()


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
    services.issue_update(issue=issue, actor=owner, data={"status": "waiting_on_reporter"})
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
