"""Times in the viewer's zone: static/js/timezone.js stores the browser's zone in the `vip_tz`
cookie, config.middleware.ViewerTimeZoneMiddleware activates it, the `timestamp` tag shows it."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from config.middleware import ViewerTimeZoneMiddleware
from integrations.models import StageTransition

pytestmark = pytest.mark.django_db

WINTER_NOON = datetime(2026, 1, 15, 12, 5, tzinfo=UTC)


def zone_seen(cookie: str | None, user=None) -> str:
    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES["vip_tz"] = cookie
    if user is not None:
        request.user = user
        request.COOKIES["sessionid"] = "present"
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse()

    ViewerTimeZoneMiddleware(view)(request)
    return seen["zone"]


@pytest.mark.parametrize(
    ("cookie", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("America%2FNew_York", "America/New_York"),  # as the script stores it
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("Mars/Olympus_Mons", "UTC"),
        ("../../etc/passwd", "UTC"),
        ("", "UTC"),
        ("x" * 5000, "UTC"),
        ("%FF%FE", "UTC"),
        (None, "UTC"),
    ],
)
def test_the_middleware_activates_a_valid_zone_and_ignores_garbage(cookie, zone):
    assert zone_seen(cookie) == zone


def test_without_the_cookie_a_saved_zone_is_used(owner):
    owner.time_zone = "Asia/Tokyo"
    assert zone_seen(None, owner) == "Asia/Tokyo"
    assert zone_seen("garbage", owner) == "Asia/Tokyo"
    assert zone_seen("Europe/Berlin", owner) == "Europe/Berlin"  # the browser's zone wins


def test_the_zone_does_not_leak_into_the_next_request():
    zone_seen("Europe/Berlin")
    assert timezone.get_current_timezone_name() == "UTC"


def history_page(client, integration):
    StageTransition.objects.create(
        integration=integration, from_stage="", to_stage="engage", at=WINTER_NOON
    )
    return client.get(f"/integrations/{integration.pk}/").content.decode()


def test_a_page_shows_times_in_the_cookies_zone(client_as, owner, integration):
    client = client_as(owner)
    client.cookies["vip_tz"] = "Europe/Berlin"
    html = history_page(client, integration)
    assert '<time datetime="2026-01-15T12:05:00Z">15 Jan 2026, 13:05 CET</time>' in html
    assert "times shown in Europe/Berlin" in html


def test_a_page_without_the_cookie_shows_utc(client_as, owner, integration):
    html = history_page(client_as(owner), integration)
    assert '<time datetime="2026-01-15T12:05:00Z">15 Jan 2026, 12:05 UTC</time>' in html


def test_a_garbage_cookie_shows_utc(client_as, owner, integration):
    client = client_as(owner)
    client.cookies["vip_tz"] = "<script>alert(1)</script>"
    html = history_page(client, integration)
    assert "12:05 UTC" in html and "<script>alert(1)</script>" not in html


@time_machine.travel(WINTER_NOON, tick=False)
def test_sla_due_times_show_the_partners_zone_and_the_viewers(client_as, owner, partner):
    """DESIGN.md §7: due times in the partner's support zone stay so; the viewer's is added."""
    from support_sla import services
    from tests.factories import IntegrationFactory

    partner.support_timezone = "Asia/Tokyo"
    partner.save()
    supported = IntegrationFactory(partner=partner, stage="support")
    issue = services.issue_open(
        integration=supported,
        actor=owner,
        data={"title": "Down", "description": "It is down.", "severity": "critical"},
    )
    client = client_as(owner)
    client.cookies["vip_tz"] = "America/New_York"
    due = '<time datetime="2026-01-17T12:05:00Z">'
    page = client.get(f"/support/issues/{issue.pk}/").content.decode()
    assert f"{due}Saturday 17 January 2026, 21:05 JST</time>" in page
    assert f"{due}Saturday 17 January 2026, 07:05 EST</time>" in page
    assert "Due, your time (America/New_York)" in page
    queue = client.get("/support/").content.decode()
    assert f"{due}Sat 17 Jan, 21:05 JST</time>" in queue
    assert f"{due}Sat 17 Jan, 07:05 EST</time>" in queue


def test_the_script_that_sets_the_cookie_is_on_every_page(client):
    html = client.get("/directory/").content.decode()
    assert '<script src="/static/js/timezone.js"></script>' in html
