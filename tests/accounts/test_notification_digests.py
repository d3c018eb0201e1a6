"""A flood of intakes is not a flood of e-mail (issue 15): each staff member gets at most one
intake e-mail per VIP_INTAKE_DIGEST_MINUTES, and the rest in one digest when that window
closes; every intake is in the in-app list at once."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts import notifications
from accounts.models import EmailState, Notification, NotificationSettings
from integrations.services import integration_intake

pytestmark = pytest.mark.django_db


def intake(partner, actor, name: str):
    return integration_intake(
        partner=partner,
        actor=actor,
        data={"name": name, "category": "runtime", "summary": "s", "description": name},
    )


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


@pytest.fixture
def flood(partner, owner, reviewer, admin, django_capture_on_commit_callbacks):
    """Forty intakes in a moment, as the review saw; each committed (and e-mailed) at once."""
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for number in range(40):
            with django_capture_on_commit_callbacks(execute=True):
                intake(partner, owner, f"Flood Connector {number}")
    return start


def test_a_flood_of_intakes_is_one_e_mail_per_staff_member_at_first(flood, reviewer, admin):
    for person in (reviewer, admin):
        sent = mails_to(person.email)
        assert len(sent) == 1, [message.subject for message in sent]
        assert "Flood Connector 0" in sent[0].subject
        states = Notification.objects.filter(email=person.email, event="intake_received")
        assert states.filter(email_state=EmailState.SENT).count() == 1
        assert states.filter(email_state=EmailState.HELD).count() == 39


def test_every_intake_is_in_the_in_app_list_at_once(flood, reviewer):
    assert Notification.objects.filter(user=reviewer, event="intake_received").count() == 40
    assert not Notification.objects.filter(user=reviewer, event="intake_digest").exists()


def test_the_rest_come_in_one_digest_when_the_window_closes(
    flood, reviewer, admin, django_capture_on_commit_callbacks, settings
):
    window = timedelta(minutes=settings.VIP_INTAKE_DIGEST_MINUTES)
    with (
        time_machine.travel(flood + window - timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications.notifications_send_due()
    assert len(mails_to(reviewer.email)) == 1  # not yet
    with (
        time_machine.travel(flood + window, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications.notifications_send_due()
        notifications.notifications_send_due()  # a second beat finds nothing more to do
    for person in (reviewer, admin):
        _first, digest = mails_to(person.email)
        assert digest.subject == "[VIP Tracker] 39 more new intakes"
        assert "Flood Connector 1" in digest.body and "Flood Connector 39" in digest.body
        assert "Flood Connector 0" not in digest.body
        held = Notification.objects.filter(email=person.email, email_state=EmailState.HELD)
        assert not held.exists()
        assert (
            Notification.objects.filter(email=person.email, email_state=EmailState.DIGESTED).count()
            == 39
        )


def test_the_window_starts_again_after_a_digest(
    flood, partner, owner, reviewer, django_capture_on_commit_callbacks, settings
):
    window = timedelta(minutes=settings.VIP_INTAKE_DIGEST_MINUTES)
    with (
        time_machine.travel(flood + window, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications.notifications_send_due()
    with (
        time_machine.travel(flood + window + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        intake(partner, owner, "Late Connector")
    assert len(mails_to(reviewer.email)) == 2  # the first and the digest, not the late one
    late = Notification.objects.filter(email=reviewer.email, event="intake_received").latest(
        "created_at", "pk"
    )
    assert late.email_state == EmailState.HELD
    assert late.next_attempt_at == flood + 2 * window


def test_after_a_quiet_window_an_intake_is_e_mailed_at_once(
    partner, owner, reviewer, django_capture_on_commit_callbacks, settings
):
    start = timezone.now()
    window = timedelta(minutes=settings.VIP_INTAKE_DIGEST_MINUTES)
    with (
        time_machine.travel(start, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        intake(partner, owner, "First Connector")
    with (
        time_machine.travel(start + window + timedelta(seconds=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        intake(partner, owner, "Second Connector")
    assert [m.subject for m in mails_to(reviewer.email)] == [
        "[VIP Tracker] New intake: First Connector by Acme Security",
        "[VIP Tracker] New intake: Second Connector by Acme Security",
    ]


def test_staff_who_turned_pipeline_mail_off_get_no_digest(
    flood, reviewer, django_capture_on_commit_callbacks, settings
):
    NotificationSettings.objects.create(user=reviewer, email_off=["pipeline"])
    start = timezone.now()
    with (
        time_machine.travel(start + timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications.notifications_send_due()
    digest = Notification.objects.get(email=reviewer.email, event="intake_digest")
    assert digest.email_state == EmailState.SKIPPED
    assert len(mails_to(reviewer.email)) == 1


def test_other_events_are_never_held(integration, owner, reviewer):
    from integrations.models import StageTransition

    for number in range(3):
        row = StageTransition.objects.create(
            integration=integration, from_stage="engage", to_stage="enable", actor=reviewer
        )
        notifications.notify(
            "stage_changed",
            to=[owner.email],
            context={"integration": integration, "transition": row},
            key=f"transition:{row.pk}:{number}",
        )
    rows = Notification.objects.filter(event="stage_changed", email=owner.email)
    assert set(rows.values_list("email_state", flat=True)) == {EmailState.PENDING}
