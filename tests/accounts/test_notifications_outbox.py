"""The outbox: rows written with the change, e-mails only after commit and once each, even when
the task runs twice, two senders race, the broker is down at commit or the mail server fails."""

import threading
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts import notifications
from accounts.models import Notification, NotificationSettings
from accounts.tasks import notification_send, notifications_send_due
from config.celery_app import app as celery_app
from integrations.models import Stage
from pipeline.services import integration_transition
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.processes import run_with_broker_down, wait_for

pytestmark = pytest.mark.django_db


def move(integration, actor, to=Stage.ENABLE):
    return integration_transition(integration=integration, to=to, actor=actor)


def rows(**filters):
    return Notification.objects.filter(**filters).order_by("email")


def test_a_change_records_one_row_per_recipient_rendered_then(
    integration, owner, member, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        transition = move(integration, reviewer)
    owner_row, member_row = sorted(rows(), key=lambda row: row.email != owner.email)
    assert (owner_row.user, member_row.user) == (owner, member)
    for row in (owner_row, member_row):
        assert (row.event, row.key) == (
            "stage_changed",
            f"stage_changed:transition:{transition.pk}",
        )
        assert row.email_state == "pending" and row.read_at is None
        assert row.title == f"{integration.name} moved to Enable"
        assert "from Engage to Enable" in row.text and "<strong>" in row.html
        assert row.link == f"/integrations/{integration.pk}/"
    assert mail.outbox == []  # nothing leaves before the commit


def test_the_same_occurrence_is_recorded_once(integration, owner, member, reviewer):
    transition = move(integration, reviewer)
    again = notifications.notify(
        "stage_changed",
        to=[owner.email, member.email, owner.email],
        context={"integration": integration, "transition": transition},
        key=f"transition:{transition.pk}",
    )
    assert again == 2  # reported again ...
    assert rows().count() == 2  # ... recorded once per recipient


def test_an_unknown_event_is_refused(owner):
    with pytest.raises(ValueError, match="Unknown notification event"):
        notifications.notify("made_up", to=[owner.email], context={}, key="1")


def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(
    integration, reviewer, owner, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        move(integration, reviewer)
        assert rows().count() == 1
        raise RuntimeError("something later failed")
    assert rows().count() == 0
    assert mail.outbox == []


def test_the_task_run_twice_or_retried_sends_once(
    integration, reviewer, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        move(integration, reviewer)
    (row,) = rows()
    assert len(mail.outbox) == 1
    assert notification_send.delay(row.pk).get() is None  # a duplicated task: nothing to do
    assert notification_send.apply(args=[row.pk], retries=1).get() is None  # a retry
    assert notifications.notifications_send_due(now=timezone.now() + timedelta(hours=1)) == 0
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.email_state, row.attempts) == ("sent", 1)
    assert row.sent_at is not None and row.next_attempt_at is None


def test_a_failing_mail_server_is_retried_by_beat_then_gives_up(
    integration, reviewer, owner, monkeypatch, django_capture_on_commit_callbacks
):
    real_deliver = notifications.deliver

    def refused(**kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(notifications, "deliver", refused)
    with django_capture_on_commit_callbacks(execute=True):
        move(integration, reviewer)
    (row,) = rows()
    row.refresh_from_db()
    assert (row.email_state, row.attempts) == ("pending", 1)
    assert row.last_error == "ConnectionRefusedError: mail server down"
    # Not due yet: the beat job leaves it alone.
    assert notifications.notifications_send_due(now=timezone.now()) == 0
    monkeypatch.setattr(notifications, "deliver", real_deliver)
    assert notifications.notifications_send_due(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert (row.email_state, row.attempts) == ("sent", 2)
    assert [m.to for m in mail.outbox] == [[owner.email]]

    monkeypatch.setattr(notifications, "deliver", refused)
    Notification.objects.filter(pk=row.pk).update(email_state="pending", attempts=0)
    for _ in range(notifications.MAX_ATTEMPTS):
        notification_send.delay(row.pk)
    row.refresh_from_db()
    assert (row.email_state, row.attempts, row.next_attempt_at) == (
        "failed",
        notifications.MAX_ATTEMPTS,
        None,
    )
    assert notifications.notifications_send_due(now=timezone.now() + timedelta(days=1)) == 0


def test_an_email_turned_off_is_skipped_but_listed_in_the_app(
    integration, reviewer, owner, member, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(user=owner, email_off=["pipeline"])
    with django_capture_on_commit_callbacks(execute=True):
        move(integration, reviewer)
    assert [m.to for m in mail.outbox] == [[member.email]]
    owner_row = rows().get(user=owner)
    assert owner_row.email_state == "skipped" and owner_row.is_unread
    assert rows().get(user=member).email_state == "sent"


def test_invitations_are_sent_whatever_the_settings(
    owner, partner, django_capture_on_commit_callbacks
):
    from accounts.services import partner_invite

    invited = UserFactory(email="known@example.com")
    groups = [group.key for group in notifications.GROUPS]
    NotificationSettings.objects.create(user=invited, email_off=groups)
    with django_capture_on_commit_callbacks(execute=True):
        partner_invite(partner=partner, email=invited.email, role="member", invited_by=owner)
    assert [m.to for m in mail.outbox] == [[invited.email]]


def test_an_invitation_is_email_only_and_its_link_is_not_kept(
    owner, partner, django_capture_on_commit_callbacks
):
    from accounts.services import partner_invite

    with django_capture_on_commit_callbacks(execute=True):
        invitation, link = partner_invite(
            partner=partner, email="new@acme.example", role="member", invited_by=owner
        )
    assert [m.to for m in mail.outbox] == [["new@acme.example"]]
    assert link in mail.outbox[0].body
    (row,) = rows()
    assert (row.user, row.email_state, row.key) == (
        None,
        "sent",
        f"invitation:invitation:{invitation.pk}",
    )
    assert link not in row.text + row.html + row.link  # the one-time key is gone once sent


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_senders_racing_send_once(integration, reviewer, owner, monkeypatch):
    with monkeypatch.context() as patch:  # rows only: the senders below play the queued tasks
        patch.setattr(notifications, "_queue", lambda ids: None)
        move(integration, reviewer)
    (row,) = rows()
    real_deliver = notifications.deliver
    other_gave_up = threading.Event()

    def held(**kwargs):
        """The sender holding the row sends only once the other one has come and gone."""
        assert other_gave_up.wait(timeout=30), "the other sender waited for the row"
        return real_deliver(**kwargs)

    monkeypatch.setattr(notifications, "deliver", held)

    def sender():
        result = notifications.notification_send(notification_id=row.pk)
        if result is None:
            other_gave_up.set()
        return result

    results = at_once(sender, sender)
    assert sorted(results, key=str) == [None, "sent"]
    assert [m.to for m in mail.outbox] == [[owner.email]]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_broker_down_at_commit_loses_nothing_beat_sends_it_later(
    integration, owner, member, reviewer
):
    """A real change in a fresh process whose broker does not answer: the change commits, its
    rows stay pending; beat's job sends them here later, once."""
    script = (
        "from accounts.models import User; from integrations.models import Integration;"
        "from pipeline.services import integration_transition;"
        f"integration = Integration.objects.get(pk={integration.pk});"
        f"reviewer = User.objects.get(pk={reviewer.pk});"
        "integration_transition(integration=integration, to='enable', actor=reviewer)"
    )
    result = run_with_broker_down(script)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "wait for the beat job" in result.stderr
    assert sorted(rows().values_list("email", "email_state")) == [
        (member.email, "pending"),
        (owner.email, "pending"),
    ]
    assert mail.outbox == []
    assert notifications_send_due.delay().get() == 0  # not yet: its task may still come
    later = timezone.now() + notifications.PICKUP_AFTER
    assert notifications.notifications_send_due(now=later) == 2
    assert notifications.notifications_send_due(now=later + timedelta(hours=1)) == 0
    assert sorted(m.to[0] for m in mail.outbox) == [member.email, owner.email]
    assert set(rows().values_list("email_state", flat=True)) == {"sent"}


def test_the_beat_job_is_scheduled():
    schedule = celery_app.conf.beat_schedule["accounts-send-due-notifications"]
    assert schedule["task"] == "accounts.tasks.notifications_send_due"
    assert schedule["schedule"] <= 60


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_sends_each_row_once_even_when_its_task_is_queued_again(
    integration, owner, reviewer, not_eager
):
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        move(integration, reviewer)  # autocommit: queued at once
        wait_for(lambda: len(mail.outbox) == 1)
        (row,) = rows()
        notification_send.delay(row.pk)  # the same row queued twice more
        notification_send.delay(row.pk)
        move(integration, reviewer, to=Stage.DEVELOP)  # a later e-mail, queued behind them
        wait_for(lambda: len(mail.outbox) == 2)
    assert [m.subject.split(" moved to ")[1] for m in mail.outbox] == ["Enable", "Develop & test"]
    assert set(rows().values_list("email_state", "attempts")) == {("sent", 1)}
