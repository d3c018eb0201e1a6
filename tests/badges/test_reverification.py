"""Continuous re-verification with real runs against OpenBao and time pinned: two failed
re-verifications in a row suspend a badge, the next pass restores it, a revocation stays."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from badges import services
from badges.models import Badge
from integrations.models import Stage
from reviews import services as review_services
from reviews.models import VerificationRun
from tests.factories import IntegrationFactory
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(partner, owner, admin, hcp, namespace, django_capture_on_commit_callbacks):
    """A supported integration with an HCP Vault Verified badge on a real target."""
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    body = runtime_app(hcp, namespace)
    body.update(kind="hcp_vault", name="hcp cluster")
    target = review_services.target_create(integration=integration, actor=owner, data=body)
    with django_capture_on_commit_callbacks(execute=True):
        run = review_services.run_request(target=target, actor=owner)
    run.refresh_from_db()
    assert run.status == "passed", run.reason
    badge = services.badge_issue(integration=integration, kind="hcp_vault_verified", actor=admin)
    partner_vault = hcp.client(namespace=namespace)
    return {"badge": badge, "target": target, "body": body, "vault": partner_vault}


class Clock:
    """Moves the world forward a re-verification period at a time and runs beat's job."""

    def __init__(self, capture):
        self.now = timezone.now()
        self.capture = capture

    def reverify(self, days: int = 31, *, run: bool = True) -> int:
        """Queued re-verifications; `run=False` leaves them queued (no worker takes them)."""
        self.now += timedelta(days=days)
        with time_machine.travel(self.now, tick=True), self.capture(execute=run):
            return services.reverify_due()


@pytest.fixture
def clock(django_capture_on_commit_callbacks):
    return Clock(django_capture_on_commit_callbacks)


def break_login(world) -> None:
    """The partner rotates the app's secret ID away: the program's login now fails."""
    secret_id = world["body"]["auth"]["secret_id"]
    world["vault"].write("auth/approle/role/app/secret-id/destroy", secret_id=secret_id)


def fix_login(world, owner) -> None:
    secret_id = world["vault"].write("auth/approle/role/app/secret-id")["data"]["secret_id"]
    review_services.target_update(
        target=world["target"],
        actor=owner,
        data={
            "auth": {
                "method": "approle",
                "role_id": world["body"]["auth"]["role_id"],
                "secret_id": secret_id,
            }
        },
    )


def status(badge) -> str:
    return Badge.objects.get(pk=badge.pk).status


def test_nothing_is_due_before_the_period(world, clock):
    assert clock.reverify(days=10) == 0
    assert VerificationRun.objects.filter(purpose="reverification").count() == 0


def test_a_passing_reverification_renews_the_badge(world, clock):
    badge = world["badge"]
    assert clock.reverify() == 1
    run = VerificationRun.objects.get(purpose="reverification")
    assert run.status == "passed"
    badge.refresh_from_db()
    assert (badge.status, badge.run, badge.verified_at) == ("active", run, run.finished_at)
    assert badge.events.filter(action="reverified").count() == 1


def test_two_failures_in_a_row_suspend_and_the_next_pass_restores(world, clock, owner):
    badge = world["badge"]
    break_login(world)
    assert clock.reverify() == 1
    assert status(badge) == "active"  # one failure is not enough
    assert clock.reverify() == 1
    assert status(badge) == "suspended"
    badge.refresh_from_db()
    assert badge.suspension_cause == "reverification"
    assert "Two re-verifications in a row did not pass" in badge.suspension_reason
    assert any("suspended" in m.subject for m in mail.outbox)
    fix_login(world, owner)
    assert clock.reverify() == 1
    assert status(badge) == "active"
    assert list(badge.events.values_list("action", flat=True)) == [
        "issued",
        "suspended",
        "reverified",
        "restored",
    ]


def test_a_failure_between_passes_does_not_suspend(world, clock, owner):
    badge = world["badge"]
    break_login(world)
    clock.reverify()
    fix_login(world, owner)
    clock.reverify()
    break_login(world)
    clock.reverify()
    assert status(badge) == "active"


def test_a_reverification_that_never_started_does_not_count(world, clock, owner):
    """No worker took the second re-verification (it ended `error` unstarted): that says
    nothing about the partner's Vault, so one real failure still does not suspend."""
    badge = world["badge"]
    break_login(world)
    clock.reverify()
    assert clock.reverify(run=False) == 1
    later = clock.now + timedelta(hours=2)
    assert review_services.runs_reap(now=later) == 1
    unstarted = VerificationRun.objects.get(purpose="reverification", started_at=None)
    assert (unstarted.status, unstarted.reason) == ("error", "No worker picked the run up in time.")
    assert status(badge) == "active"


def test_a_revoked_badge_is_never_restored(world, clock, admin, owner):
    badge = world["badge"]
    break_login(world)
    clock.reverify()
    clock.reverify()
    services.badge_revoke(badge=Badge.objects.get(pk=badge.pk), actor=admin, reason="Gone.")
    fix_login(world, owner)
    clock.reverify()
    assert status(badge) == "revoked"


def test_a_support_suspension_is_not_lifted_by_a_passing_run(world, clock):
    badge = world["badge"]
    services.badges_suspend(
        integration=badge.integration, cause="support", reason="Support standing is failing."
    )
    clock.reverify()
    assert status(badge) == "suspended"
    services.badges_restore(
        integration=badge.integration, cause="support", reason="Support standing is good again."
    )
    assert status(badge) == "active"


def test_beat_schedules_the_job():
    from config.celery_app import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "badges.tasks.reverify_due" in tasks


def test_both_causes_must_clear_before_a_badge_comes_back(world, clock, owner):
    """Suspended after two failed re-verifications, then support fails too: a passing
    re-verification alone does not restore it, nor does good standing alone."""
    from support_sla.models import StandingRecord

    badge = world["badge"]
    break_login(world)
    clock.reverify()
    clock.reverify()
    StandingRecord.objects.create(
        integration=badge.integration,
        standing="failing",
        reason="3 SLA breaches in the last 90 days.",
    )
    fix_login(world, owner)
    clock.reverify()  # re-verification good again, support still failing
    badge.refresh_from_db()
    assert (badge.status, badge.suspension_cause) == ("suspended", "support")
    StandingRecord.objects.filter(integration=badge.integration).update(standing="good")
    services.badges_restore(integration=badge.integration, cause="support", reason="Good again.")
    assert status(badge) == "active"
