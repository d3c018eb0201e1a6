"""Continuous re-verification with real runs against OpenBao (through the Vault Enterprise front)
and time pinned: every evidence target of a live badge is re-run every 30 days whatever else
happened; two failed verdicts of the evidence target in a row suspend (the partner's own runs
count), the next pass restores; deleting the evidence target suspends at once; a revocation
stays. And the ways around it a partner would try."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from badges import services
from badges.models import Badge
from integrations.models import Stage
from reviews import services as review_services
from reviews.models import VerificationRun
from support_sla.models import StandingRecord
from tests.factories import IntegrationFactory
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(partner, owner, admin, bao, enterprise, namespace, django_capture_on_commit_callbacks):
    """A supported integration with a Vault Enterprise Verified badge on a real target (its
    evidence target), issued at START."""
    with time_machine.travel(START, tick=True):
        integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
        body = runtime_app(enterprise, namespace)
        body.update(name="ent cluster")
        target = review_services.target_create(integration=integration, actor=owner, data=body)
        with django_capture_on_commit_callbacks(execute=True):
            run = review_services.run_request(target=target, actor=owner)
        run.refresh_from_db()
        assert (run.status, run.detected_edition) == ("passed", "vault_enterprise"), run.reason
        badge = services.badge_issue(
            integration=integration, kind="vault_enterprise_verified", actor=admin
        )
    partner_vault = bao.client(namespace=namespace)
    return {"badge": badge, "target": target, "body": body, "vault": partner_vault}


class Clock:
    """Moves the world forward, runs beat's job, and runs the partner's own verifications."""

    def __init__(self, capture):
        self.now = START
        self.capture = capture

    def reverify(self, days: float = 31, *, run: bool = True) -> int:
        """Queued re-verifications; `run=False` leaves them queued (no worker takes them)."""
        self.now += timedelta(days=days)
        with time_machine.travel(self.now, tick=True), self.capture(execute=run):
            return services.badges_reverify_due()

    def partner_runs(self, target, actor, days: float) -> VerificationRun:
        """The partner's own verification of `target`, `days` later."""
        self.now += timedelta(days=days)
        with time_machine.travel(self.now, tick=True), self.capture(execute=True):
            run = review_services.run_request(target=target, actor=actor)
        run.refresh_from_db()
        return run


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


def status(badge) -> tuple[str, str]:
    badge = Badge.objects.get(pk=badge.pk)
    return badge.status, badge.status_reason


def test_nothing_is_due_before_the_period(world, clock):
    assert clock.reverify(days=10) == 0
    assert clock.reverify(days=19) == 0
    assert VerificationRun.objects.filter(purpose="reverification").count() == 0
    assert clock.reverify(days=1.1) == 1


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
    assert status(badge) == ("active", "")  # one failure is not enough
    assert clock.reverify() == 1
    assert status(badge) == ("suspended", "reverification_failed")
    badge.refresh_from_db()
    assert "last two verifications did not pass" in badge.suspension_reason
    assert any("suspended" in m.subject for m in mail.outbox)
    fix_login(world, owner)
    assert clock.reverify() == 1
    assert status(badge) == ("active", "")
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
    assert status(badge) == ("active", "")


def test_a_reverification_that_never_started_does_not_count(world, clock, owner):
    """No worker took the second re-verification (it ended `error` unstarted): that says
    nothing about the partner's Vault, so one real failure still does not suspend; and the
    job tries again the next hour rather than waiting another period."""
    badge = world["badge"]
    break_login(world)
    clock.reverify()
    assert clock.reverify(run=False) == 1
    later = clock.now + timedelta(hours=2)
    assert review_services.runs_reap(now=later) == 1
    unstarted = VerificationRun.objects.get(purpose="reverification", started_at=None)
    assert (unstarted.status, unstarted.reason) == ("error", "No worker picked the run up in time.")
    assert status(badge) == ("active", "")
    assert clock.reverify(days=0.1) == 1


def test_a_revoked_badge_is_never_restored(world, clock, admin, owner):
    badge = world["badge"]
    break_login(world)
    clock.reverify()
    clock.reverify()
    services.badge_revoke(badge=Badge.objects.get(pk=badge.pk), actor=admin, reason="Gone.")
    fix_login(world, owner)
    clock.reverify()
    assert status(badge) == ("revoked", "reverification_failed")
    assert clock.reverify() == 0  # nothing live to re-verify


def test_beat_schedules_the_job():
    from config.celery_app import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "badges.tasks.badges_reverify_due" in tasks


# --- The dodges ------------------------------------------------------------------------------


def test_the_partners_own_failing_run_every_29_days_does_not_put_re_verification_off(
    world, clock, owner
):
    """The partner runs a (failing) verification every 29 days: beat still re-verifies every
    30 days, and the partner's failures count as verdicts of the evidence target."""
    badge = world["badge"]
    break_login(world)
    assert clock.partner_runs(world["target"], owner, days=29).status == "failed"
    assert status(badge) == ("active", "")
    assert clock.reverify(days=1.5) == 1  # day 30.5: due, whatever the partner ran on day 29
    assert VerificationRun.objects.get(purpose="reverification").status == "failed"
    assert status(badge) == ("suspended", "reverification_failed")
    assert clock.partner_runs(world["target"], owner, days=27.5).status == "failed"  # day 58
    assert clock.reverify(days=3) == 1  # day 61: 30 days after the last re-verification
    assert status(badge) == ("suspended", "reverification_failed")


def test_two_failed_runs_of_the_partners_own_suspend(world, clock, owner):
    badge = world["badge"]
    break_login(world)
    clock.partner_runs(world["target"], owner, days=1)
    assert status(badge) == ("active", "")
    clock.partner_runs(world["target"], owner, days=1)
    assert status(badge) == ("suspended", "reverification_failed")
    fix_login(world, owner)
    assert clock.partner_runs(world["target"], owner, days=1).status == "passed"
    assert status(badge) == ("active", "")


def test_deleting_the_evidence_target_suspends_at_once_and_nothing_brings_it_back_by_itself(
    world,
    clock,
    owner,
    reviewer,
    bao,
    enterprise,
    namespace,
    django_capture_on_commit_callbacks,
):
    """Archive the evidence target: the badge was still active 400 days later. Now it is
    suspended at once; a new target the partner adds is not the evidence target; beat has
    nothing to run until program staff choose one; then its passing run restores the badge."""
    badge = world["badge"]
    clock.now += timedelta(days=3)
    with time_machine.travel(clock.now, tick=True):
        review_services.target_archive(target=world["target"], actor=owner)
    assert status(badge) == ("suspended", "evidence_archived")
    body = runtime_app(enterprise, f"{namespace}x")
    body.update(name="new cluster")
    replacement = review_services.target_create(
        integration=badge.integration, actor=owner, data=body
    )
    assert not replacement.primary
    assert clock.reverify(days=400) == 0
    assert status(badge) == ("suspended", "evidence_archived")
    with pytest.raises(Exception) as refused:
        review_services.target_make_primary(target=replacement, actor=owner)
    assert refused.value.status == 403
    review_services.target_make_primary(target=replacement, actor=reviewer)
    assert clock.reverify(days=0.1) == 1
    assert status(badge) == ("active", "")
    badge.refresh_from_db()
    assert badge.run.target == replacement


def test_a_support_suspension_is_not_lifted_by_a_passing_run(world, clock):
    badge = world["badge"]
    record = StandingRecord.objects.create(
        integration=badge.integration, standing="failing", reason="3 SLA breaches."
    )
    services.badges_refresh(integration=badge.integration)
    assert status(badge) == ("suspended", "support_failing")
    clock.reverify()
    assert status(badge) == ("suspended", "support_failing")
    record.standing = "at_risk"  # better, but not yet good: still held by support
    record.save()
    services.badges_refresh(integration=badge.integration)
    assert status(badge) == ("suspended", "support_failing")
    record.standing = "good"
    record.save()
    services.badges_refresh(integration=badge.integration)
    assert status(badge) == ("active", "")


def test_both_causes_must_clear_before_a_badge_comes_back(world, clock, owner):
    """Suspended after two failed re-verifications, then support fails too: good standing
    alone does not restore it (and a passing re-verification alone does not either: see
    test_a_support_suspension_is_not_lifted_by_a_passing_run)."""
    badge = world["badge"]
    break_login(world)
    clock.reverify()
    clock.reverify()
    record = StandingRecord.objects.create(
        integration=badge.integration,
        standing="failing",
        reason="3 SLA breaches in the last 90 days.",
    )
    services.badges_refresh(integration=badge.integration)
    assert status(badge) == ("suspended", "support_failing")
    record.standing = "good"
    record.save()
    services.badges_refresh(integration=badge.integration)  # support good, login still broken
    assert status(badge) == ("suspended", "reverification_failed")
    fix_login(world, owner)
    clock.reverify()
    assert status(badge) == ("active", "")
