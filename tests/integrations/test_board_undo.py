"""The board's undo of a move: a real move back through the transition service, for the
person who made the move, within VIP_UNDO_SECONDS, while it is the integration's latest move,
and only when the state machine lets their role make the move back (its guard included).
When it cannot be undone, the board says why instead of offering it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from config.errors import DomainError
from integrations.models import Stage
from pipeline import services
from reviews.models import ReviewRound
from tests.factories import (
    IntegrationFactory,
    ReviewRoundFactory,
    VerificationRunFactory,
    VerificationTargetFactory,
)

pytestmark = pytest.mark.django_db


def board_move(client, integration, to: str, note: str = "") -> str:
    """Confirm a move from the board (its dialog sends `undo=1`); the board page that follows."""
    response = client.post(
        f"/integrations/{integration.pk}/transition/",
        {"to": to, "note": note, "next": "/review/board/", "undo": "1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/review/board/"
    return response.content.decode()


def latest_move(integration):
    return integration.history.filter(field="stage").order_by("-at", "-pk").first()


@pytest.fixture
def supported(partner):
    return IntegrationFactory(partner=partner, name="Acme Listed", stage=Stage.SUPPORT)


def test_a_board_move_can_be_undone_by_who_made_it(client_as, reviewer, supported):
    client = client_as(reviewer)
    html = board_move(client, supported, "delisted", note="Support stopped.")
    row = latest_move(supported)
    assert f'action="/integrations/{supported.pk}/transition/undo/"' in html
    assert f'name="row" value="{row.pk}"' in html
    assert "data-undo-until=" in html

    response = client.post(
        f"/integrations/{supported.pk}/transition/undo/",
        {"row": row.pk, "next": "/review/board/"},
        follow=True,
    )
    assert "Undone: “Acme Listed” is back in Support." in response.content.decode()
    supported.refresh_from_db()
    assert supported.stage == Stage.SUPPORT
    back = latest_move(supported)
    assert (back.from_stage, back.to_stage, back.actor) == ("delisted", "support", reviewer)
    assert back.note == "Undoes the move to Delisted."


def test_a_move_made_elsewhere_offers_no_undo(client_as, reviewer, supported):
    response = client_as(reviewer).post(
        f"/integrations/{supported.pk}/transition/",
        {"to": "delisted", "note": "Support stopped."},
        follow=True,
    )
    assert "/transition/undo/" not in response.content.decode()


def test_nobody_else_can_undo_it(client_as, reviewer, admin, supported):
    board_move(client_as(reviewer), supported, "delisted", note="Support stopped.")
    row = latest_move(supported)
    response = client_as(admin).post(
        f"/integrations/{supported.pk}/transition/undo/", {"row": row.pk}
    )
    assert response.status_code == 403
    supported.refresh_from_db()
    assert supported.stage == Stage.DELISTED
    with pytest.raises(DomainError) as refused:
        services.integration_undo(row=row, actor=admin)
    assert refused.value.code == "not_your_move"


def test_the_undo_ends_after_a_few_seconds(client_as, reviewer, supported, settings):
    settings.VIP_UNDO_SECONDS = 10
    client = client_as(reviewer)
    board_move(client, supported, "delisted", note="Support stopped.")
    row = latest_move(supported)
    with time_machine.travel(row.at + timedelta(seconds=11)):
        response = client.post(
            f"/integrations/{supported.pk}/transition/undo/",
            {"row": row.pk, "next": "/review/board/"},
            follow=True,
        )
    assert "The few seconds to undo this move have passed." in response.content.decode()
    supported.refresh_from_db()
    assert supported.stage == Stage.DELISTED


def test_a_move_without_a_way_back_says_so(client_as, reviewer, partner):
    released = IntegrationFactory(partner=partner, stage=Stage.RELEASE)
    html = board_move(client_as(reviewer), released, "support")
    assert "This move cannot be undone: there is no move back from Support to Release." in html
    assert "/transition/undo/" not in html


def test_a_way_back_the_role_may_not_take_is_not_offered(client_as, owner, partner):
    """A partner's own move back from review is program staff's to make."""
    developing = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    VerificationRunFactory(target=VerificationTargetFactory(integration=developing))
    client = client_as(owner)
    client.post(
        f"/integrations/{developing.pk}/transition/",
        {"to": "review", "undo": "1", "next": f"/integrations/{developing.pk}/"},
    )
    developing.refresh_from_db()
    assert developing.stage == Stage.REVIEW
    html = client.get(f"/integrations/{developing.pk}/").content.decode()
    assert "only program staff can move it back to Develop &amp; test" in html
    with pytest.raises(DomainError) as refused:
        services.integration_undo(row=latest_move(developing), actor=owner)
    assert refused.value.code == "undo_refused"
    developing.refresh_from_db()
    assert developing.stage == Stage.REVIEW


def test_a_way_back_whose_guard_is_unmet_is_not_offered(client_as, reviewer, partner):
    """Back to review needs what submitting needs: here no verification target."""
    in_review = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    ReviewRoundFactory(integration=in_review, status=ReviewRound.Status.CHANGES_REQUESTED)
    html = board_move(client_as(reviewer), in_review, "develop")
    assert "This move cannot be undone yet: moving back to Review needs" in html
    assert "/transition/undo/" not in html
    with pytest.raises(DomainError) as refused:
        services.integration_undo(row=latest_move(in_review), actor=reviewer)
    assert refused.value.code == "undo_refused"


def test_a_move_that_moved_on_cannot_be_undone(client_as, reviewer, supported):
    client = client_as(reviewer)
    board_move(client, supported, "delisted", note="Support stopped.")
    first = latest_move(supported)
    services.integration_transition(integration=supported, to="support", actor=reviewer)
    response = client.post(
        f"/integrations/{supported.pk}/transition/undo/",
        {"row": first.pk, "next": "/review/board/"},
        follow=True,
    )
    assert "It has moved again since." in response.content.decode()
    supported.refresh_from_db()
    assert supported.stage == Stage.SUPPORT
    assert supported.history.filter(field="stage").count() == 2


def test_the_undo_offer_is_computed_at_its_time(reviewer, supported):
    from pipeline.selectors import undo_offer

    row = services.integration_transition(
        integration=supported, to="delisted", actor=reviewer, note="x"
    )
    now = timezone.now()
    assert undo_offer(row=row, user=reviewer, now=now).possible
    late = undo_offer(row=row, user=reviewer, now=row.at + timedelta(seconds=60))
    assert not late.possible
    assert undo_offer(row=row, user=None, now=now) is None


@pytest.mark.parametrize("row", ["", "abc", "99999999999999999999999", "-1"])
def test_a_bad_row_is_no_move_to_undo(client_as, reviewer, supported, row):
    response = client_as(reviewer).post(
        f"/integrations/{supported.pk}/transition/undo/", {"row": row}, follow=True
    )
    assert response.status_code == 200
    assert "There is no such move to undo." in response.content.decode()
