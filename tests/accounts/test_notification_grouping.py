"""What the outbox records for whom: nobody hears about their own action; repeats of one event
about one integration within an hour are one in-app item (e-mail stays one per event, sent
once); the in-app list filters by kind and integration, kept in the URL."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from accounts.notifications import EVENT_GROUPS, NOT_IN_APP, notifications_send_due
from accounts.selectors import NOTIFICATION_KINDS, unread_count
from integrations.models import Stage
from integrations.services import integration_intake
from pipeline.services import integration_transition
from support_sla import services as support_services
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db
LIST = "/notifications/"


def items(user) -> list[Notification]:
    """The user's in-app list as the page shows it: the items, newest first."""
    return list(Notification.objects.filter(user=user, grouped_into__isnull=True))


def moves(integration, actor, stages, start, minutes: int = 20) -> None:
    """Move `integration` through `stages`, one move every `minutes` from `start`."""
    for index, stage in enumerate(stages):
        with time_machine.travel(start + timedelta(minutes=minutes * index), tick=False):
            integration_transition(integration=integration, to=stage, actor=actor)


# --- Nobody is told about their own action ---------------------------------------------------


def test_the_person_who_acts_is_not_told_but_the_others_are(
    owner, member, partner, django_capture_on_commit_callbacks
):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENABLE)
    with django_capture_on_commit_callbacks(execute=True):
        integration_transition(integration=integration, to=Stage.DEVELOP, actor=owner)
    assert list(Notification.objects.values_list("email", flat=True)) == [member.email]
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_a_support_issue_reaches_the_partners_other_people_not_its_reporter(owner, member, partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    support_services.issue_open(
        integration=integration,
        actor=member,
        data={"title": "Down", "description": "It is down.", "severity": "normal"},
    )
    assert list(Notification.objects.values_list("email", flat=True)) == [owner.email]


def test_staff_filing_an_intake_are_not_told_of_it_but_their_colleagues_are(
    reviewer, admin, partner
):
    integration_intake(
        partner=partner,
        actor=reviewer,
        data={
            "name": "Filed by staff",
            "category": "runtime",
            "summary": "s",
            "description": "d",
            "vault_editions": ["hcp_vault"],
            "auth_methods": ["approle"],
            "contact_email": "dev@acme.example",
        },
    )
    assert list(Notification.objects.values_list("email", flat=True)) == [admin.email]


# --- Repeats are one item ----------------------------------------------------------------------


def test_repeats_within_an_hour_are_one_item_the_newest(owner, reviewer, integration):
    start = timezone.now() - timedelta(hours=3)
    moves(integration, reviewer, [Stage.ENABLE, Stage.DEVELOP, Stage.WITHDRAWN], start)
    (item,) = items(owner)
    assert item.title.endswith("moved to Withdrawn")  # the newest says where it is now
    repeats = list(item.repeats.order_by("created_at").values_list("subject", flat=True))
    assert [subject.rsplit(" ", 1)[-1] for subject in repeats] == ["Enable", "test"]
    assert unread_count(user=owner) == 1
    # Every event was still recorded for e-mail, each its own row.
    assert Notification.objects.filter(email=owner.email, event="stage_changed").count() == 3


def test_the_hour_counts_from_the_groups_first_event(owner, reviewer, integration):
    """A steady stream is one item per hour, not one item for ever."""
    start = timezone.now() - timedelta(hours=3)
    moves(integration, reviewer, [Stage.ENABLE, Stage.DEVELOP], start, minutes=40)
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        integration_transition(integration=integration, to=Stage.WITHDRAWN, actor=reviewer)
    newest, first = items(owner)
    assert newest.title.endswith("moved to Withdrawn") and not newest.repeats.exists()
    assert first.title.endswith("moved to Develop & test") and first.repeats.count() == 1


def test_other_integrations_and_other_kinds_are_other_items(owner, reviewer, partner):
    one, two = IntegrationFactory(partner=partner), IntegrationFactory(partner=partner)
    start = timezone.now() - timedelta(hours=2)
    moves(one, reviewer, [Stage.ENABLE], start)
    moves(two, reviewer, [Stage.ENABLE], start + timedelta(minutes=1))
    supported = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        support_services.issue_open(
            integration=supported,
            actor=reviewer,
            data={"title": "Down", "description": "It is down.", "severity": "normal"},
        )
        integration_transition(integration=supported, to=Stage.DELISTED, actor=reviewer, note="x")
    assert len(items(owner)) == 4
    assert not Notification.objects.filter(grouped_into__isnull=False).exists()


def test_one_batch_regroups_each_integration_into_its_own_newest_item(owner, reviewer, partner):
    """notify_many (the SLA sweep's batches) moves every group it adds to in one statement:
    each group's earlier item points at its new item, never another's."""
    from accounts.notifications import Notice, notify_many

    one, two = IntegrationFactory(partner=partner), IntegrationFactory(partner=partner)
    start = timezone.now() - timedelta(hours=2)
    moves(one, reviewer, [Stage.ENABLE, Stage.DEVELOP], start)
    moves(two, reviewer, [Stage.ENABLE, Stage.DEVELOP], start)
    with time_machine.travel(start + timedelta(minutes=45), tick=False):
        notify_many(
            Notice(
                "stage_changed",
                to=[owner.email],
                context={"integration": each, "transition": each.history.latest("at")},
                key=f"batch:{each.pk}",
                link=f"/integrations/{each.pk}/",
            )
            for each in (one, two)
        )
    newest = {item.integration_id: item for item in items(owner)}
    assert set(newest) == {one.pk, two.pk}
    for integration in (one, two):
        item = newest[integration.pk]
        assert item.key == f"stage_changed:batch:{integration.pk}"
        assert {r.integration_id for r in item.repeats.all()} == {integration.pk}
        assert item.repeats.count() == 2
        # Only the group's previous item was moved: a batch changes one row a group.
        assert Notification.objects.filter(grouped_into=item).count() == 1


def test_each_person_has_their_own_items(owner, member, reviewer, integration):
    start = timezone.now() - timedelta(hours=2)
    moves(integration, reviewer, [Stage.ENABLE], start)
    Notification.objects.filter(user=owner).update(read_at=timezone.now())
    moves(integration, reviewer, [Stage.DEVELOP], start + timedelta(minutes=10))
    for person in (owner, member):
        (item,) = items(person)
        assert item.is_unread and item.repeats.count() == 1  # news again, for each of them
        assert item.user == person and item.repeats.get().user == person


def test_an_occurrence_reported_again_changes_no_item(owner, reviewer, integration):
    from accounts.notifications import notify

    start = timezone.now() - timedelta(hours=2)
    moves(integration, reviewer, [Stage.ENABLE, Stage.DEVELOP], start)
    before = list(Notification.objects.values_list("pk", "grouped_into"))
    first = integration.history.filter(to_stage=Stage.ENABLE).get()
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        notify(
            "stage_changed",
            to=[owner.email],
            context={"integration": integration, "transition": first},
            key=f"transition:{first.pk}",
        )
    assert list(Notification.objects.values_list("pk", "grouped_into")) == before


def test_emails_are_not_grouped_and_go_out_once(
    owner, reviewer, integration, django_capture_on_commit_callbacks
):
    """E-mail is per event: each says what happened. The outbox still sends each exactly once,
    however often the sender runs."""
    with django_capture_on_commit_callbacks(execute=True):
        for stage in (Stage.ENABLE, Stage.DEVELOP, Stage.WITHDRAWN):
            integration_transition(integration=integration, to=stage, actor=reviewer)
    assert len([m for m in mail.outbox if m.to == [owner.email]]) == 3
    notifications_send_due(now=timezone.now() + timedelta(hours=1))
    assert len([m for m in mail.outbox if m.to == [owner.email]]) == 3
    assert len(items(owner)) == 1


def test_the_list_shows_one_item_with_its_earlier_repeats(client_as, owner, reviewer, integration):
    moves(integration, reviewer, [Stage.ENABLE, Stage.DEVELOP, Stage.WITHDRAWN], timezone.now())
    html = client_as(owner).get(LIST).content.decode()
    assert html.count('class="list-group-item') == 1
    assert "and 2 earlier like it within the hour" in html
    assert "moved to Enable" in html and "moved to Develop &amp; test" in html
    assert "1 unread notification<" in html  # the bell counts the item once


# --- Filters -------------------------------------------------------------------------------------


def test_every_event_of_the_in_app_list_has_a_kind_to_filter_by():
    assert set(NOTIFICATION_KINDS) == set(EVENT_GROUPS) - NOT_IN_APP


@pytest.fixture
def mixed(owner, reviewer, partner):
    """A stage change and a support issue about one integration, a stage change about another."""
    supported = IntegrationFactory(partner=partner, name="Acme Supported", stage=Stage.SUPPORT)
    other = IntegrationFactory(partner=partner, name="Acme Other")
    support_services.issue_open(
        integration=supported,
        actor=reviewer,
        data={"title": "Down", "description": "It is down.", "severity": "normal"},
    )
    integration_transition(integration=supported, to=Stage.DELISTED, actor=reviewer, note="x")
    integration_transition(integration=other, to=Stage.ENABLE, actor=reviewer)
    return supported, other


def test_filter_by_kind_and_by_integration(client_as, owner, mixed):
    supported, _other = mixed
    client = client_as(owner)
    by_kind = client.get(LIST, {"kind": "stage_changed"}).content.decode()
    assert "moved to Delisted" in by_kind and "moved to Enable" in by_kind
    assert by_kind.count('class="list-group-item') == 2  # not the support issue
    by_integration = client.get(LIST, {"integration": supported.pk}).content.decode()
    assert "moved to Delisted" in by_integration and "moved to Enable" not in by_integration
    both = client.get(LIST, {"kind": "stage_changed", "integration": supported.pk})
    assert both.content.decode().count('class="list-group-item') == 1
    html = both.content.decode()
    assert f'<option value="{supported.pk}" selected>Acme Supported</option>' in html
    assert '<option value="stage_changed" selected>Stage changes</option>' in html
    assert "Clear filters" in html


def test_the_integration_filter_offers_only_what_ones_notifications_are_about(
    client_as, owner, mixed, other_partner
):
    foreign = IntegrationFactory(partner=other_partner, name="Globex Secret Project")
    client = client_as(owner)
    html = client.get(LIST).content.decode()
    assert "Acme Supported" in html and "Acme Other" in html
    assert "Globex Secret Project" not in html
    refused = client.get(LIST, {"integration": foreign.pk}).content.decode()
    assert "is-invalid" in refused and "Globex Secret Project" not in refused
    assert refused.count('class="list-group-item') == 3  # not filtered by it


def test_filters_stay_in_the_pages_links_and_after_mark_all_read(
    client_as, owner, reviewer, partner
):
    for index in range(25):  # 25 integrations, one stage change each: 25 items
        integration_transition(
            integration=IntegrationFactory(partner=partner, name=f"Acme {index:02d}"),
            to=Stage.ENABLE,
            actor=reviewer,
        )
    client = client_as(owner)
    html = client.get(LIST, {"kind": "stage_changed"}).content.decode()
    assert 'href="?kind=stage_changed&amp;page=2"' in html
    mark_all = re.search(r'hx-post="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert mark_all == "/notifications/read/?kind=stage_changed"
    region = client.post(mark_all, {"page": "1"}, headers={"HX-Request": "true"}).content.decode()
    assert 'href="?kind=stage_changed&amp;page=2"' in region
    assert unread_count(user=owner) == 0


def test_a_page_of_groups_reads_their_repeats_in_one_query(
    client_as, owner, reviewer, partner, django_assert_num_queries
):
    """However many groups a page shows, their earlier rows come in one query; and a group's
    rows are told by when it started, so each item lists only its own."""
    start = timezone.now() - timedelta(hours=2)
    many = IntegrationFactory.create_batch(4, partner=partner)
    for count, integration in enumerate(many, start=2):
        moves(integration, reviewer, [Stage.ENABLE, Stage.DEVELOP, Stage.WITHDRAWN][:count], start)
    client = client_as(owner)
    client.get(LIST)  # warm the session
    # session, user, groups, the filter's choices, count, page, the page's repeats, unread
    with django_assert_num_queries(8):
        html = client.get(LIST).content.decode()
    assert html.count('class="list-group-item') == 4
    assert html.count("and 1 earlier like it") == 1 and html.count("and 2 earlier like it") == 3
