"""Every event users care about reaches the right people — and never another partner's."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Notification
from accounts.services import partner_invite
from badges.models import Badge
from badges.services import badge_revoke, badges_refresh
from integrations.models import Stage
from integrations.services import integration_intake
from pipeline.services import integration_transition, review_decide
from reviews import rounds
from reviews.services import run_notify, runs_reap
from support_sla import services as support_services
from support_sla.models import StandingRecord
from support_sla.sweep import sla_sweep
from tests.factories import (
    IntegrationFactory,
    ReviewRoundFactory,
    VerificationRunFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(owner, member, outsider, reviewer, admin):
    return {"owner": owner, "member": member, "outsider": outsider}


@pytest.fixture(autouse=True)
def each_email_links_to_what_it_is_about(settings):
    """After each test here: every e-mail recorded links to the page its notice is about (the
    in-app item's link), in its text and in its HTML."""
    yield
    site = settings.SITE_URL.rstrip("/")
    rows = Notification.objects.exclude(link="")
    for row in rows:
        assert f"{site}{row.link}" in row.text, row.event
        assert f'href="{site}{row.link}"' in row.html, row.event


def recipients(event: str) -> list[str]:
    return sorted(Notification.objects.filter(event=event).values_list("email", flat=True))


def in_app(event: str) -> list[str]:
    """Whose in-app lists show it."""
    return sorted(
        Notification.objects.filter(event=event, user__isnull=False).values_list(
            "user__email", flat=True
        )
    )


def test_a_new_intake_reaches_program_staff(partner, everyone, reviewer, admin, owner):
    integration_intake(
        partner=partner,
        actor=owner,
        data={"name": "Vault Sync", "category": "runtime", "summary": "s", "description": "d"},
    )
    assert recipients("intake_received") == sorted([admin.email, reviewer.email])


def test_a_stage_change_reaches_the_partners_people(integration, everyone, owner, member, reviewer):
    integration_transition(integration=integration, to=Stage.ENABLE, actor=reviewer)
    assert recipients("stage_changed") == sorted([member.email, owner.email])
    assert in_app("stage_changed") == sorted([member.email, owner.email])
    row = Notification.objects.filter(event="stage_changed").first()
    assert row.link == f"/integrations/{integration.pk}/"


def test_review_feedback_replies_and_decisions(partner, everyone, owner, member, reviewer):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    review_round = ReviewRoundFactory(integration=integration, opened_by=reviewer)
    item = rounds.feedback_add(review_round=review_round, actor=reviewer, body="Add docs.")
    rounds.feedback_reply(item=item, actor=member, body="Added.")
    review_decide(review_round=review_round, actor=reviewer, decision="approved")
    partner_people = sorted([member.email, owner.email])
    assert recipients("review_feedback") == partner_people
    assert recipients("review_reply") == [reviewer.email]
    assert recipients("review_decision") == partner_people
    link = Notification.objects.filter(event="review_feedback").first().link
    assert link == f"/integrations/{integration.pk}/#feedback-{item.pk}"


@pytest.mark.parametrize("requester", ["reviewer", "member"])
def test_a_finished_verification_reaches_the_partners_people_and_the_requester(
    integration, everyone, owner, member, reviewer, requester, django_capture_on_commit_callbacks
):
    asked_by = {"reviewer": reviewer, "member": member}[requester]
    run = VerificationRunFactory(
        target__integration=integration,
        status="running",
        started_at=timezone.now() - timedelta(hours=2),
        finished_at=None,
        requested_by=asked_by,
    )
    with django_capture_on_commit_callbacks(execute=True):  # the notice's task, after commit
        assert runs_reap() == 1
    expected = {member.email, owner.email, asked_by.email}
    assert recipients("verification_finished") == sorted(expected)
    row = Notification.objects.filter(event="verification_finished").first()
    assert row.title == f"Verification error: {integration.name} on {run.target.name}"
    assert row.link == f"/verifications/{run.pk}/"
    run.refresh_from_db()
    assert not run.notice_pending
    with django_capture_on_commit_callbacks(execute=True):
        assert runs_reap(now=timezone.now() + timedelta(hours=1)) == 0  # ended once, told once
    assert run_notify(run_id=run.pk) is False  # a task delivered twice tells nobody again
    assert len(recipients("verification_finished")) == len(expected)


def test_a_notice_whose_task_was_lost_is_given_by_the_reaper_once(
    integration, everyone, owner, member
):
    """The run's end commits with its notice owed; when its task never runs (the broker lost
    it), beat's reaper gives it after a minute, once."""
    run = VerificationRunFactory(
        target__integration=integration,
        status="running",
        started_at=timezone.now() - timedelta(hours=2),
        finished_at=None,
    )
    assert runs_reap() == 1  # no after-commit here: the task is lost
    run.refresh_from_db()
    assert run.notice_pending and recipients("verification_finished") == []
    assert runs_reap(now=run.finished_at + timedelta(seconds=30)) == 0
    assert recipients("verification_finished") == []  # its task may still come
    partner_people = sorted([member.email, owner.email])
    runs_reap(now=run.finished_at + timedelta(minutes=2))
    assert recipients("verification_finished") == partner_people
    runs_reap(now=run.finished_at + timedelta(minutes=3))
    assert recipients("verification_finished") == partner_people


def test_badge_changes(partner, everyone, owner, member, admin, django_capture_on_commit_callbacks):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    run = VerificationRunFactory(target__integration=integration)
    badge = Badge.objects.create(
        integration=integration,
        kind="hcp_vault_verified",
        run=run,
        issued_by=admin,
        verified_at=run.finished_at,
    )
    with django_capture_on_commit_callbacks(execute=True):
        record = StandingRecord.objects.create(
            integration=integration, standing="failing", reason="3 breaches."
        )
        badges_refresh(integration=integration)
        record.standing = "good"
        record.save()
        badges_refresh(integration=integration)
        badge_revoke(badge=badge, actor=admin, reason="Misused on the website.")
    actions = sorted(
        (m.subject.split(": ")[0].split(" badge ")[1], m.to[0])
        for m in mail.outbox
        if " badge " in m.subject
    )
    assert actions == [  # suspensions concern everyone who can fix them; revocations owners
        ("restored", member.email),
        ("restored", owner.email),
        ("revoked", owner.email),
        ("suspended", member.email),
        ("suspended", owner.email),
    ]


def test_support_issues_and_failing_standing(partner, everyone, owner, member, admin, reviewer):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    opened = timezone.now() - timedelta(days=10)
    with time_machine.travel(opened, tick=False):
        issue = support_services.issue_open(
            integration=integration,
            actor=owner,
            data={"title": "Down", "description": "It is down.", "severity": "critical"},
        )
    assert recipients("support_issue_opened") == [member.email]  # not the owner who opened it
    sla_sweep()
    assert recipients("sla_warning") == sorted([member.email, owner.email])
    assert recipients("sla_breach") == sorted([member.email, owner.email])
    assert recipients("sla_escalation") == [admin.email]
    # The sweep refreshed the standing: a critical breach still open 48 h after it was due.
    assert recipients("standing_failing") == [admin.email]
    assert Notification.objects.filter(event="sla_breach").first().link == (
        f"/support/issues/{issue.pk}/"
    )


def test_an_invitation_reaches_only_the_invited_address(partner, everyone, owner):
    partner_invite(partner=partner, email="new@acme.example", role="member", invited_by=owner)
    assert recipients("invitation") == ["new@acme.example"]
    assert in_app("invitation") == []


def test_no_event_ever_reaches_another_partners_people(
    partner, everyone, owner, member, reviewer, admin, outsider
):
    """All of the above on one partner's integration: the other partner's owner gets nothing."""
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    review_round = ReviewRoundFactory(integration=integration, opened_by=reviewer)
    rounds.feedback_add(review_round=review_round, actor=reviewer, body="Fix.")
    review_decide(review_round=review_round, actor=reviewer, decision="changes_requested")
    VerificationRunFactory(
        target__integration=integration,
        status="running",
        started_at=timezone.now() - timedelta(hours=2),
        finished_at=None,
        requested_by=owner,
    )
    runs_reap()
    partner_invite(partner=partner, email="new@acme.example", role="member", invited_by=owner)
    assert Notification.objects.count() >= 6
    assert not Notification.objects.filter(email=outsider.email).exists()
    assert not Notification.objects.filter(user=outsider).exists()
