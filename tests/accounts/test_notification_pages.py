"""The in-app notification list, the navbar bell and the settings page, through HTTP."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification, NotificationSettings
from integrations.models import Stage
from pipeline.services import integration_transition

pytestmark = pytest.mark.django_db
LIST = "/notifications/"
SETTINGS = "/accounts/notifications/"


def add(user, n: int = 1, *, read: bool = False, link: str = "/dashboard/") -> list[Notification]:
    now = timezone.now()
    return [
        Notification.objects.create(
            user=user,
            email=user.email,
            event="stage_changed",
            key=f"test:{user.pk}:{now.timestamp()}:{i}",
            subject=f"[VIP Tracker] Item {i}",
            text="t",
            html="h",
            link=link,
            created_at=now - timedelta(minutes=n - i),  # the last one is the newest
            read_at=now if read else None,
            email_state="sent",
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("path", [LIST, SETTINGS])
def test_anonymous_people_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_change_shows_up_in_the_list_with_a_link_and_new_badge(
    client_as, integration, owner, reviewer
):
    integration_transition(integration=integration, to=Stage.ENABLE, actor=reviewer)
    row = Notification.objects.get(user=owner)
    page = client_as(owner).get(LIST).content.decode()
    assert f"{integration.name} moved to Enable" in page
    assert 'class="badge text-bg-primary me-1">New</span>' in page
    assert f'href="/notifications/{row.pk}/"' in page
    assert "1 unread notification<" in page  # the bell's label


def test_newest_first_paginated_with_the_pages_query_count(
    client_as, owner, django_assert_num_queries
):
    add(owner, 25)
    client = client_as(owner)
    client.get(LIST)  # warm the session
    # session, user, groups (navbar roles), the integration filter's choices, count, page,
    # unread (bell and "mark all read"); these items are about no integration, so in no group:
    # no query for repeats (test_notification_grouping counts the one there is)
    with django_assert_num_queries(7):
        first = client.get(LIST).content.decode()
    assert first.index("Item 24<") < first.index("Item 23<")
    assert "Item 4<" not in first and "Page 1 of 2" in first
    add(owner, 10)  # more data, same queries
    with django_assert_num_queries(7):
        second = client.get(LIST + "?page=2").content.decode()
    assert "Page 2 of 2" in second


def test_read_items_have_no_new_badge_and_the_bell_counts_only_unread(client_as, owner):
    add(owner, 2, read=True)
    add(owner, 3)
    page = client_as(owner).get(LIST).content.decode()
    assert page.count(">New</span>") == 3
    assert "3 unread notifications<" in page


def test_the_empty_list_says_what_will_appear(client_as, member):
    page = client_as(member).get(LIST).content.decode()
    assert "No notifications yet" in page
    assert "Mark all read" not in page
    assert "0 unread notifications<" in page


def test_people_only_see_their_own(client_as, owner, outsider):
    add(owner, 1)
    page = client_as(outsider).get(LIST).content.decode()
    assert "Item 0" not in page


def test_opening_an_item_marks_it_read_and_goes_to_its_object(client_as, owner):
    (item,) = add(owner, link="/integrations/7/")
    response = client_as(owner).get(f"/notifications/{item.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/integrations/7/")
    item.refresh_from_db()
    assert item.read_at is not None


def test_mark_read_without_javascript_returns_to_the_list(client_as, owner):
    first, second = add(owner, 2)
    response = client_as(owner).post(f"/notifications/{first.pk}/read/", {"next": f"{LIST}?page=1"})
    assert (response.status_code, response["Location"]) == (302, f"{LIST}?page=1")
    assert Notification.objects.filter(read_at__isnull=True).get() == second


def test_mark_read_with_htmx_swaps_the_item_and_the_bell(client_as, owner):
    first, _ = add(owner, 2)
    response = client_as(owner).post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="notification-{first.pk}"' in body and ">New</span>" not in body
    assert 'id="notification-bell" href="/notifications/" hx-swap-oob="true"' in body
    assert "1 unread notification<" in body


def test_mark_read_needs_a_post(client_as, owner):
    (item,) = add(owner)
    assert client_as(owner).get(f"/notifications/{item.pk}/read/").status_code == 405


def test_mark_all_read(client_as, owner, outsider):
    add(owner, 3)
    (others,) = add(outsider)
    client = client_as(owner)
    response = client.post("/notifications/read/", follow=True)
    assert "3 notifications marked read." in response.content.decode()
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    others.refresh_from_db()
    assert others.read_at is None  # someone else's stay unread
    htmx = client.post("/notifications/read/", {"page": "1"}, HTTP_HX_REQUEST="true")
    assert 'id="notification-region"' in htmx.content.decode()
    assert "0 unread notifications<" in htmx.content.decode()


@pytest.mark.parametrize("action", ["open", "read"])
def test_another_users_notification_is_a_404(client_as, owner, outsider, action):
    (item,) = add(owner)
    client = client_as(outsider)
    if action == "open":
        response = client.get(f"/notifications/{item.pk}/")
    else:
        response = client.post(f"/notifications/{item.pk}/read/")
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


@pytest.mark.parametrize("path", ["/notifications/{pk}/read/", "/notifications/read/"])
def test_anonymous_people_cannot_mark_anything(client, owner, path):
    (item,) = add(owner)
    response = client.post(path.format(pk=item.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_the_account_page_links_the_settings_page(client_as, owner):
    assert f'href="{SETTINGS}"' in client_as(owner).get("/accounts/profile/").content.decode()


def test_every_group_is_on_by_default(client_as, owner):
    page = client_as(owner).get(SETTINGS).content.decode()
    for group in ["pipeline", "reviews", "verifications", "badges", "support"]:
        assert f'name="{group}"' in page
    assert page.count(" checked") == 5
    assert "Invitations and account security e-mails" in page


def test_turning_a_group_off_stops_its_emails_but_not_the_list(
    client_as, owner, integration, reviewer, django_capture_on_commit_callbacks
):
    client = client_as(owner)
    on = {"reviews": "on", "verifications": "on", "badges": "on", "support": "on"}
    response = client.post(SETTINGS, on, follow=True)
    assert "Notification settings saved." in response.content.decode()
    assert NotificationSettings.objects.get(user=owner).email_off == ["pipeline"]
    assert response.content.decode().count(" checked") == 4
    with django_capture_on_commit_callbacks(execute=True):
        integration_transition(integration=integration, to=Stage.ENABLE, actor=reviewer)
    assert mail.outbox == []
    assert "moved to Enable" in client.get(LIST).content.decode()
    client.post(SETTINGS, {**on, "pipeline": "on"})
    assert NotificationSettings.objects.get(user=owner).email_off == []


def test_turning_every_group_off_is_saved(client_as, owner):
    """Every switch off sends no field at all; that is still a submission to save."""
    response = client_as(owner).post(SETTINGS, {}, follow=True)
    assert "Notification settings saved." in response.content.decode()
    off = set(NotificationSettings.objects.get(user=owner).email_off)
    assert off == {"pipeline", "reviews", "verifications", "badges", "support"}
