"""Normal SLA due times that fall at the end of a business day read as that day's end
("Friday 11 December 2026, end of business day (24:00 EST)"), not as "Saturday 00:00", in the
partner's zone; the exact instant stays in the page's `datetime` attribute and in the API."""

from datetime import UTC, datetime

import pytest
import time_machine

from accounts.models import Notification
from integrations.models import Stage
from support_sla import services, sweep
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

SATURDAY = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)  # Saturday 5 December, 10:00 in New York
DUE = datetime(2026, 12, 12, 5, 0, tzinfo=UTC)  # Saturday 12 December, 00:00 in New York


@pytest.fixture
def weekend_issue(partner, owner):
    partner.support_timezone = "America/New_York"
    partner.save()
    supported = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    with time_machine.travel(SATURDAY, tick=False):
        issue = services.issue_open(
            integration=supported,
            actor=owner,
            data={"title": "Slow logins", "description": "Since 2.7.", "severity": "normal"},
        )
    assert issue.due_at == DUE  # the clock ran from Monday 00:00 to the end of Friday
    return issue


def test_the_issue_page_shows_the_end_of_the_last_business_day(client_as, owner, weekend_issue):
    with time_machine.travel(datetime(2026, 12, 7, 15, 0, tzinfo=UTC), tick=False):
        html = client_as(owner).get(f"/support/issues/{weekend_issue.pk}/").content.decode()
    assert (
        '<time datetime="2026-12-12T05:00:00Z">Friday 11 December 2026, end of business day '
        "(24:00 EST)</time>"
    ) in html
    assert "Saturday 12 December 2026, 00:00" not in html


def test_the_queue_shows_it_too(client_as, owner, weekend_issue):
    with time_machine.travel(datetime(2026, 12, 7, 15, 0, tzinfo=UTC), tick=False):
        html = client_as(owner).get("/support/").content.decode()
    assert "Fri 11 Dec, end of business day (24:00 EST)</time>" in html
    assert "Sat 12 Dec, 00:00" not in html


def test_in_another_zone_the_same_instant_is_an_ordinary_time(client, owner, weekend_issue):
    client.force_login(owner)
    client.cookies["vip_tz"] = "Europe/Berlin"
    with time_machine.travel(datetime(2026, 12, 7, 15, 0, tzinfo=UTC), tick=False):
        html = client.get(f"/support/issues/{weekend_issue.pk}/").content.decode()
    assert "Saturday 12 December 2026, 06:00 CET" in html  # the viewer's own line
    assert "Friday 11 December 2026, end of business day (24:00 EST)" in html  # the partner's


def test_an_ordinary_due_time_reads_as_before(client_as, owner, partner):
    partner.support_timezone = "America/New_York"
    partner.save()
    supported = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    monday = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
    with time_machine.travel(monday, tick=False):
        issue = services.issue_open(
            integration=supported,
            actor=owner,
            data={"title": "Slow", "description": "Slow.", "severity": "normal"},
        )
        html = client_as(owner).get(f"/support/issues/{issue.pk}/").content.decode()
    assert "Monday 14 December 2026, 10:00 EST" in html
    assert "end of business day" not in html


def test_a_critical_issue_due_at_midnight_is_not_a_business_day(client_as, owner, partner):
    partner.support_timezone = "America/New_York"
    partner.save()
    supported = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    with time_machine.travel(datetime(2026, 12, 3, 5, 0, tzinfo=UTC), tick=False):  # 00:00 EST
        issue = services.issue_open(
            integration=supported,
            actor=owner,
            data={"title": "Down", "description": "Down.", "severity": "critical"},
        )
        html = client_as(owner).get(f"/support/issues/{issue.pk}/").content.decode()
    assert "Saturday 5 December 2026, 00:00 EST" in html
    assert "end of business day" not in html


def test_the_api_keeps_the_exact_instant(api, owner, weekend_issue):
    api.as_user(owner)
    body = api.get(f"/api/v1/support-issues/{weekend_issue.pk}/").json()
    assert body["due_at"] == "2026-12-12T05:00:00Z"


def test_the_sla_emails_word_the_due_time_as_the_pages_do(member, admin, weekend_issue):
    """In the partner's zone, named, and as the end of a business day where it is one; never
    a bare UTC time the reader must convert."""
    sweep.sla_sweep(now=datetime(2026, 12, 31, tzinfo=UTC))  # warned, breached, escalated
    mails = {row.event: row for row in Notification.objects.filter(event__startswith="sla_")}
    end_of_day = "Friday 11 December 2026, end of business day (24:00 EST)"
    warning = mails["sla_warning"]
    assert warning.subject.endswith("is due Fri 11 Dec, end of business day (24:00 EST)")
    assert f"It is due {end_of_day}." in warning.text
    assert f'<time datetime="2026-12-12T05:00:00Z">{end_of_day}</time>' in warning.html
    assert f"it was due {end_of_day}." in mails["sla_breach"].text
    # Twice the budget: ten business days from Monday 00:00, the end of Friday 18 December.
    assert "twice its SLA budget (Saturday 19 December 2026, 00:00 EST)" in (
        mails["sla_escalation"].text
    )
    for row in mails.values():
        assert "UTC" not in row.subject + row.text + row.html


def test_the_new_issue_email_says_when_it_is_due_in_the_partners_zone(member, weekend_issue):
    opened = Notification.objects.get(event="support_issue_opened", email=member.email)
    assert "This one is due Friday 11 December 2026, end of business day (24:00 EST)." in (
        opened.text
    )
    assert "UTC" not in opened.text
