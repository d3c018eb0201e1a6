"""`manage.py demo_data`: what `make demo` loads."""

import pytest
from django.core.management import call_command

from accounts.models import Notification, User
from accounts.roles import is_admin, is_reviewer
from badges.models import Badge, BadgeStatus, StatusReason
from badges.services import badges_refresh, badges_reverify_due
from integrations.models import LISTED, Integration, Partner, Stage, StageTransition
from pipeline.facts import facts_of
from pipeline.metrics import program_metrics
from pipeline.selectors import integration_checklist
from reviews.models import FINISHED_RUN_STATUSES, VerificationRun
from support_sla.models import SlaEvent, Standing, StandingRecord, SupportIssue
from support_sla.selectors import integration_support_standing
from support_sla.standing import compute_standing

pytestmark = pytest.mark.django_db


def test_demo_data_covers_every_stage_with_history_and_prints_the_accounts(capsys):
    call_command("demo_data")
    out = capsys.readouterr().out
    assert Partner.objects.count() == 3
    assert 10 <= Integration.objects.count() <= 14
    assert set(Integration.objects.values_list("stage", flat=True)) == set(Stage.values)
    for integration in Integration.objects.all():
        stages = list(integration.history.filter(field="stage").values_list("to_stage", flat=True))
        assert stages[0] == Stage.ENGAGE and stages[-1] == integration.stage
    for email in [
        "owner@acme.example",
        "member@globex.example",
        "reviewer@vip.example",
        "admin@vip.example",
    ]:
        assert email in out
        assert User.objects.get(email=email).check_password("vip-demo-password")
    assert is_reviewer(User.objects.get(email="reviewer@vip.example"))
    assert is_admin(User.objects.get(email="admin@vip.example"))
    member = User.objects.get(email="member@globex.example")
    assert member.memberships.get().role == "member"
    assert Integration.objects.filter(overlaps__isnull=False).exists()


def test_demo_data_shows_every_badge_status_and_reason_as_the_facts_make_them():
    """Each demo badge is what badges_refresh would make of its integration's facts (the
    listing, the evidence target and its runs, the support standing): refreshing changes
    nothing."""
    call_command("demo_data")
    badges = Badge.objects.all()
    assert set(badges.values_list("status", flat=True)) == set(BadgeStatus.values)
    assert set(badges.exclude(status_reason="").values_list("status_reason", flat=True)) == set(
        StatusReason.values
    )
    before = list(badges.order_by("pk").values_list("pk", "status", "status_reason", "run"))
    for integration in Integration.objects.filter(badges__isnull=False).distinct():
        assert badges_refresh(integration=integration) == 0
    after = list(badges.order_by("pk").values_list("pk", "status", "status_reason", "run"))
    assert after == before
    assert StageTransition.objects.exclude(field="stage").exists()  # a field change, shown


def test_demo_data_runs_twice_without_duplicates(capsys):
    call_command("demo_data")
    call_command("demo_data")
    assert "already loaded" in capsys.readouterr().out
    assert Partner.objects.count() == 3


def test_demo_data_shows_a_paused_a_reopened_and_a_breached_support_issue(capsys):
    call_command("demo_data")
    paused = SupportIssue.objects.get(status="waiting_on_reporter")
    assert paused.comments.get().clock == "paused"
    assert paused.next_action_at > paused.paused_since  # the pause runs out by itself
    reopened = SupportIssue.objects.get(reopened_at__isnull=False)
    assert (reopened.status, reopened.cycle) == ("open", 1)  # the earlier cycle goes on
    breached = SupportIssue.objects.get(title="Seal wrapping fails after a partition failover")
    assert breached.events.filter(kind="breach").exists()
    assert breached.status in ("open", "acknowledged")
    assert breached.integration.partner.slug == "initech-hsm-systems"
    assert all(partner.support_url for partner in Partner.objects.all())


# --- Consistency: what the demo shows agrees with itself -----------------------------------

# The checklist items (integrations.selectors.integration_checklist) a stage cannot be reached
# without: the guards of the moves into it (pipeline/guards.py) and the records staff make.
# "support" is ongoing (a failing standing unticks it), not a condition of any move.
RELEASED = {"intake", "developed", "feedback_addressed", "credentials", "demo", "agreement"}
NEEDED_BY_STAGE = {
    Stage.ENGAGE: set(),
    Stage.ENABLE: {"intake"},
    Stage.DEVELOP: {"intake"},
    Stage.REJECTED: {"intake"},
    Stage.WITHDRAWN: {"intake"},
    Stage.REVIEW: {"intake", "developed", "credentials"},
    Stage.RELEASE: RELEASED,
    Stage.SUPPORT: RELEASED,
    Stage.DELISTED: RELEASED,
}


def test_every_integration_has_the_checklist_items_its_stage_needs():
    call_command("demo_data")
    for integration in Integration.objects.select_related("partner"):
        checklist = integration_checklist(integration=integration, facts=facts_of(integration))
        done = {item.key for item in checklist if item.done}
        missing = NEEDED_BY_STAGE[integration.stage] - done
        assert not missing, f"{integration.name} ({integration.stage}) lacks {missing}"
        if integration.stage in LISTED:  # supported as promised, unless its standing fails
            standing = integration_support_standing(integration=integration)
            assert ("support" in done) == (standing != Standing.FAILING), integration.name


def test_every_stage_reached_what_its_moves_needed():
    """Beyond the checklist: the moves' other conditions held when the integration made them
    (a finished run before review, an approved round before release, a pass of the evidence
    target before release), and later facts are history, not contradictions."""
    call_command("demo_data")
    for integration in Integration.objects.all():
        reached = dict(integration.history.filter(field="stage").values_list("to_stage", "at"))
        if Stage.REVIEW in reached:
            assert integration.runs.filter(
                status__in=FINISHED_RUN_STATUSES, finished_at__lt=reached[Stage.REVIEW]
            ).exists(), integration.name
        if Stage.ENABLE in reached:
            assert not integration.overlaps.exists() or integration.overlaps_acknowledged_at
        if Stage.RELEASE in reached:
            released = reached[Stage.RELEASE]
            approved = integration.review_rounds.get(status="approved")
            assert approved.decided_at < released
            assert not approved.feedback.filter(blocking=True, resolved_at__gt=released).exists()
            before = integration.runs.filter(finished_at__lt=released).exclude(
                target__name__startswith="HCP cluster in the new region"
            )
            assert before.latest("finished_at").status == "passed", integration.name
            for badge in integration.badges.all():
                assert badge.issued_at > released, f"{integration.name}: badge before release"
    waiting = Integration.objects.filter(
        stage=Stage.ENGAGE, overlaps__isnull=False, overlaps_acknowledged_at__isnull=True
    )
    assert waiting.exists()  # an intake whose overlaps wait for the program team


def test_twelve_weeks_of_runs_passed_failed_and_error_on_simulated_platforms_only():
    call_command("demo_data")
    weeks = program_metrics().verification_pass_rate
    assert len(weeks) == 12
    assert all(week.finished for week in weeks), [(w.week, w.finished) for w in weeks]
    runs = VerificationRun.objects.all()
    assert {"passed", "failed", "error"} <= set(runs.values_list("status", flat=True))
    # Recorded runs are honest: none claims OpenBao (the demo's only real platform; its real
    # runs are demo_vault's), and each found the platform its target declares.
    assert not runs.filter(target__kind="openbao").exists()
    assert set(runs.exclude(status="error").values_list("detected_edition", flat=True)) <= {
        "hcp_vault",
        "vault_enterprise",
    }
    for run in runs.exclude(status="error").select_related("target"):
        assert run.detected_edition == run.target.kind
    # Every finished run has its checks, in the catalogue's order, and says why it did not pass.
    for run in runs.prefetch_related("results"):
        assert run.results.exists()
        assert run.status == "passed" or run.reason
    # No live badge's re-verification is due when the demo starts (its targets are not real).
    assert badges_reverify_due() == 0


def test_support_issues_open_warned_paused_breached_and_resolved_with_their_standing():
    call_command("demo_data")
    issues = SupportIssue.objects.all()
    breached = set(SlaEvent.objects.filter(kind="breach").values_list("issue", flat=True))
    warned = set(SlaEvent.objects.filter(kind="warning").values_list("issue", flat=True))
    assert issues.filter(status="open").exclude(pk__in=warned).exists()
    assert (
        issues.filter(status__in=["open", "acknowledged"], pk__in=warned)
        .exclude(pk__in=breached)
        .exists()
    )
    assert issues.filter(status="waiting_on_reporter").exists()
    assert issues.filter(pk__in=breached).exists()
    assert issues.filter(status="resolved").exclude(pk__in=breached).exists()  # met in time
    assert issues.filter(status="resolved", pk__in=breached).exists()  # resolved late
    # Each support standing is what its breaches make it: refreshing changes nothing.
    for record in StandingRecord.objects.select_related("integration"):
        assert compute_standing(record.integration) == (record.standing, record.reason)
    compliance = program_metrics().sla_compliance
    assert all(row.met and row.breached for row in compliance), compliance


def test_the_demos_past_was_emailed_when_it_happened():
    """Nothing is queued for the demo's worker: its console would print it over the
    start-up messages. The in-app lists keep it all."""
    call_command("demo_data")
    assert Notification.objects.exists()
    assert not Notification.objects.exclude(email_state="sent").exists()
