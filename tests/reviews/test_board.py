"""/review/board/: columns with counts, capped cards, constant queries, moves."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import PIPELINE, Stage
from tests.factories import IntegrationFactory, PartnerFactory

pytestmark = pytest.mark.django_db


def fill(count_per_stage: int) -> None:
    for stage in PIPELINE:
        for _ in range(count_per_stage):
            IntegrationFactory(partner=PartnerFactory(), stage=stage)


def board_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/review/board/").status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_data(client_as, reviewer, settings):
    settings.VIP_BOARD_CARDS_PER_COLUMN = 5
    client = client_as(reviewer)
    fill(1)
    small = board_queries(client)
    fill(9)
    large = board_queries(client)
    assert small == large


def test_the_board_makes_a_handful_of_queries(client_as, reviewer, django_assert_max_num_queries):
    fill(3)
    client = client_as(reviewer)
    with django_assert_max_num_queries(8):
        client.get("/review/board/")


def test_columns_show_counts_and_a_show_all_link(client_as, reviewer, settings):
    settings.VIP_BOARD_CARDS_PER_COLUMN = 2
    for days in (3, 9, 6):
        IntegrationFactory(
            stage=Stage.DEVELOP, stage_changed_at=timezone.now() - timezone.timedelta(days=days)
        )
    response = client_as(reviewer).get("/review/board/")
    develop = next(c for c in response.context["columns"] if c.stage == Stage.DEVELOP)
    assert develop.count == 3
    assert [card.days_in_stage for card in develop.cards] == [9, 6]  # longest waiting first
    assert "Show all 3" in response.content.decode()
    full = client_as(reviewer).get("/review/board/?stage=develop")
    assert full.status_code == 200
    assert full.context["page"].paginator.count == 3


def test_cards_show_partner_category_and_days_in_stage(client_as, reviewer, partner):
    IntegrationFactory(
        partner=partner,
        name="Acme KMS",
        category="hsm",
        stage=Stage.REVIEW,
        stage_changed_at=timezone.now() - timezone.timedelta(days=4),
    )
    html = client_as(reviewer).get("/review/board/").content.decode()
    assert "Acme KMS" in html and partner.name in html
    assert "HSM" in html and "4 days in stage" in html


def test_off_track_integrations_are_not_on_the_board(client_as, reviewer):
    IntegrationFactory(name="Gone", stage=Stage.WITHDRAWN)
    assert "Gone" not in client_as(reviewer).get("/review/board/").content.decode()


def test_category_filter(client_as, reviewer):
    IntegrationFactory(name="Audit One", category="audit", stage=Stage.ENGAGE)
    IntegrationFactory(name="Runtime One", category="runtime", stage=Stage.ENGAGE)
    html = client_as(reviewer).get("/review/board/?category=audit").content.decode()
    assert "Audit One" in html and "Runtime One" not in html


def test_moving_a_card_uses_the_transition_service(client_as, reviewer):
    integration = IntegrationFactory(stage=Stage.ENGAGE)
    client = client_as(reviewer)
    response = client.post(
        f"/integrations/{integration.pk}/transition/",
        {"to": "enable", "next": "/review/board/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/review/board/"
    integration.refresh_from_db()
    assert integration.stage == Stage.ENABLE
    assert integration.history.get().actor == reviewer


def test_an_unmet_guard_on_the_board_shows_its_reasons(client_as, reviewer):
    integration = IntegrationFactory(stage=Stage.REVIEW)
    response = client_as(reviewer).post(
        f"/integrations/{integration.pk}/transition/",
        {"to": "release", "next": "/review/board/"},
        follow=True,
    )
    html = response.content.decode()
    assert "No evidence target: choose the verification target whose runs decide" in html
    assert "Record when the partner agreement was executed." in html


def test_each_card_offers_only_the_moves_of_its_stage(client_as, reviewer):
    IntegrationFactory(stage=Stage.DELISTED)
    integration = IntegrationFactory(stage=Stage.SUPPORT)
    html = client_as(reviewer).get("/review/board/").content.decode()
    card = html[html.index(f'data-card="{integration.pk}"') :]
    card = card[: card.index("</article>")]
    assert 'value="delisted"' in card and 'value="withdrawn"' in card
    assert 'value="release"' not in card
