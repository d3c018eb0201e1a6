"""Every transition of DESIGN.md §3: its guard met and unmet, and who may make it."""

import pytest
from django.utils import timezone

from config.errors import DomainError
from integrations.models import Stage
from pipeline.services import integration_transition
from tests.factories import (
    FeedbackItemFactory,
    IntegrationFactory,
    ReviewRoundFactory,
    VerificationRunFactory,
    VerificationTargetFactory,
)

pytestmark = pytest.mark.django_db


def unmet_codes(integration, to, actor, note=""):
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=to, actor=actor, note=note)
    assert caught.value.status == 409
    return {u.code for u in caught.value.unmet}


def move(integration, to, actor, note=""):
    row = integration_transition(integration=integration, to=to, actor=actor, note=note)
    assert integration.stage == to
    return row


def ready_for_review(integration):
    run = VerificationRunFactory(target__integration=integration, status="passed")
    return run


# --- engage → enable ----------------------------------------------------------------------


def test_engage_to_enable_needs_a_complete_intake(partner, reviewer):
    integration = IntegrationFactory(partner=partner, auth_methods=[], contact_email="")
    assert unmet_codes(integration, Stage.ENABLE, reviewer) == {"intake_incomplete"}


def test_engage_to_enable_needs_overlaps_acknowledged(partner, reviewer):
    existing = IntegrationFactory(partner=partner, name="Kubernetes Secrets Sync")
    integration = IntegrationFactory(partner=partner, name="Secrets Sync for Kubernetes")
    integration.overlaps.create(similar=existing, score=0.9)
    assert unmet_codes(integration, Stage.ENABLE, reviewer) == {"overlaps_unacknowledged"}
    integration.overlaps_acknowledged_at = timezone.now()
    integration.save()
    move(integration, Stage.ENABLE, reviewer)


def test_engage_to_enable_is_for_staff_only(integration, owner, reviewer, admin):
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.ENABLE, actor=owner)
    assert caught.value.status == 403
    move(integration, Stage.ENABLE, admin)


# --- enable → develop ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "member", "reviewer"])
def test_partner_or_staff_start_development(people, partner, who):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENABLE)
    move(integration, Stage.DEVELOP, people[who])


def test_another_partner_cannot_start_development(partner, outsider):
    integration = IntegrationFactory(partner=partner, stage=Stage.ENABLE)
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.DEVELOP, actor=outsider)
    assert caught.value.status == 403


# --- develop → review ------------------------------------------------------------------------


def test_develop_to_review_lists_everything_missing(partner, owner):
    integration = IntegrationFactory(
        partner=partner,
        stage=Stage.DEVELOP,
        category="auth_method",
        docs_url="",
        repository_url="",
        auth_methods=["token"],
    )
    assert unmet_codes(integration, Stage.REVIEW, owner) == {
        "docs_missing",
        "repository_missing",
        "token_only",
        "no_target",
        "no_run",
    }


def test_develop_to_review_needs_credentials_on_the_target(partner, owner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    VerificationTargetFactory(integration=integration, credentials_ciphertext="")
    assert unmet_codes(integration, Stage.REVIEW, owner) == {"no_target", "no_run"}


def test_develop_to_review_needs_a_finished_run(partner, owner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    VerificationRunFactory(target__integration=integration, status="queued", finished_at=None)
    assert unmet_codes(integration, Stage.REVIEW, owner) == {"no_run"}


def test_token_only_is_fine_for_categories_that_do_not_authenticate(partner, owner):
    integration = IntegrationFactory(
        partner=partner, stage=Stage.DEVELOP, category="audit", auth_methods=["token"]
    )
    VerificationRunFactory(target__integration=integration, status="failed")
    move(integration, Stage.REVIEW, owner)


def test_develop_to_review_met(partner, member):
    integration = IntegrationFactory(partner=partner, stage=Stage.DEVELOP)
    ready_for_review(integration)
    row = move(integration, Stage.REVIEW, member)
    assert (row.from_stage, row.to_stage, row.actor) == ("develop", "review", member)


# --- review → develop ------------------------------------------------------------------------


def test_review_to_develop_needs_changes_requested(partner, reviewer, owner):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    assert unmet_codes(integration, Stage.DEVELOP, reviewer) == {"no_changes_requested"}
    ReviewRoundFactory(integration=integration, status="approved")
    assert unmet_codes(integration, Stage.DEVELOP, reviewer) == {"no_changes_requested"}
    ReviewRoundFactory(integration=integration, status="changes_requested")
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.DEVELOP, actor=owner)
    assert caught.value.status == 403
    move(integration, Stage.DEVELOP, reviewer)


# --- review → release ------------------------------------------------------------------------


def releasable(partner, **fields):
    """An integration in review with everything release needs but the evidence: demo done,
    agreement executed, the latest round approved."""
    partner.agreement_executed_at = timezone.now().date()
    partner.save()
    integration = IntegrationFactory(
        partner=partner, stage=Stage.REVIEW, demo_done_at=timezone.now().date(), **fields
    )
    ReviewRoundFactory(integration=integration, status="approved")
    return integration


def test_review_to_release_lists_everything_missing(partner, reviewer):
    integration = IntegrationFactory(partner=partner, stage=Stage.REVIEW)
    FeedbackItemFactory(round__integration=integration, blocking=True)
    VerificationRunFactory(target__integration=integration, status="failed")
    assert unmet_codes(integration, Stage.RELEASE, reviewer) == {
        "run_not_passed",
        "review_not_approved",
        "blocking_feedback",
        "demo_missing",
        "agreement_missing",
    }


def test_review_to_release_uses_the_latest_finished_run_of_the_evidence_target(partner, reviewer):
    """An old pass followed by a failure is a failure: the latest finished run decides, not the
    newest passed one. A cancelled run, or one that never started, is no verdict."""
    integration = releasable(partner)
    target = VerificationTargetFactory(integration=integration)
    VerificationRunFactory(target=target, status="passed")
    VerificationRunFactory(target=target, status="failed")
    assert unmet_codes(integration, Stage.RELEASE, reviewer) == {"run_not_passed"}
    VerificationRunFactory(target=target, status="passed")
    VerificationRunFactory(target=target, status="cancelled", finished_at=None)
    VerificationRunFactory(target=target, status="error", started_at=None)  # queue refused it
    move(integration, Stage.RELEASE, reviewer)


def test_a_passing_second_target_does_not_stand_in_for_a_failing_evidence_target(partner, reviewer):
    integration = releasable(partner)
    evidence = VerificationTargetFactory(integration=integration, name="HCP production-like")
    trivial = VerificationTargetFactory(integration=integration, name="bare dev server")
    assert (evidence.primary, trivial.primary) == (True, False)
    VerificationRunFactory(target=evidence, status="failed")
    VerificationRunFactory(target=trivial, status="passed")  # newer, and passed
    assert unmet_codes(integration, Stage.RELEASE, reviewer) == {"run_not_passed"}
    VerificationRunFactory(target=evidence, status="passed")
    move(integration, Stage.RELEASE, reviewer)


def test_release_needs_an_evidence_target(partner, reviewer):
    integration = releasable(partner)
    VerificationRunFactory(target__integration=integration, target__primary=False)
    assert unmet_codes(integration, Stage.RELEASE, reviewer) == {"no_evidence_target"}


@pytest.mark.parametrize("rounds", [[], ["open"], ["changes_requested"], ["approved", "open"]])
def test_release_needs_the_latest_review_round_approved(partner, reviewer, rounds):
    partner.agreement_executed_at = timezone.now().date()
    partner.save()
    integration = IntegrationFactory(
        partner=partner, stage=Stage.REVIEW, demo_done_at=timezone.now().date()
    )
    VerificationRunFactory(target__integration=integration, status="passed")
    for status in rounds:
        ReviewRoundFactory(integration=integration, status=status)
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.RELEASE, actor=reviewer)
    assert [(u.code, u.message) for u in caught.value.unmet] == [
        ("review_not_approved", "The latest review round must end with the decision “approved”.")
    ]
    ReviewRoundFactory(integration=integration, status="approved")
    move(integration, Stage.RELEASE, reviewer)


def test_review_to_release_waits_for_open_blocking_feedback_after_a_passed_run(partner, reviewer):
    integration = releasable(partner)
    VerificationRunFactory(target__integration=integration, status="passed")
    item = FeedbackItemFactory(round=integration.review_rounds.get(), blocking=True)
    assert unmet_codes(integration, Stage.RELEASE, reviewer) == {"blocking_feedback"}
    item.resolved_at = timezone.now()
    item.save()
    move(integration, Stage.RELEASE, reviewer)


def test_review_to_release_ignores_resolved_and_non_blocking_feedback(partner, reviewer, owner):
    integration = releasable(partner)
    VerificationRunFactory(target__integration=integration, status="passed")
    round_ = integration.review_rounds.get()
    FeedbackItemFactory(round=round_, blocking=False)
    FeedbackItemFactory(round=round_, blocking=True, resolved_at=timezone.now())
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.RELEASE, actor=owner)
    assert caught.value.status == 403
    move(integration, Stage.RELEASE, reviewer)


# --- release → support -----------------------------------------------------------------------


def test_release_to_support_needs_the_plugin_portal_for_plugins(partner, admin):
    plugin = IntegrationFactory(partner=partner, stage=Stage.RELEASE, category="secrets_engine")
    assert unmet_codes(plugin, Stage.SUPPORT, admin) == {"plugin_portal_missing"}
    plugin.plugin_portal_url = "https://developer.hashicorp.com/vault/integrations/x"
    plugin.save()
    move(plugin, Stage.SUPPORT, admin)
    runtime = IntegrationFactory(partner=partner, stage=Stage.RELEASE, category="runtime")
    move(runtime, Stage.SUPPORT, admin)


# --- off track ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["engage", "enable", "develop", "review", "release", "support"])
def test_owner_withdraws_from_any_open_stage(partner, owner, stage):
    integration = IntegrationFactory(partner=partner, stage=stage)
    move(integration, Stage.WITHDRAWN, owner)


def test_a_member_cannot_withdraw(integration, member):
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.WITHDRAWN, actor=member)
    assert caught.value.status == 403


@pytest.mark.parametrize("stage", ["delisted", "rejected", "withdrawn"])
def test_nothing_withdraws_off_track(partner, owner, stage):
    integration = IntegrationFactory(partner=partner, stage=stage)
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.WITHDRAWN, actor=owner)
    assert caught.value.code == "invalid_transition"


@pytest.mark.parametrize("stage", ["engage", "enable", "develop", "review"])
def test_staff_reject_with_a_reason(partner, reviewer, stage):
    integration = IntegrationFactory(partner=partner, stage=stage)
    assert unmet_codes(integration, Stage.REJECTED, reviewer, note="  ") == {"reason_required"}
    row = move(integration, Stage.REJECTED, reviewer, note="Out of scope.")
    assert row.note == "Out of scope."


@pytest.mark.parametrize("stage", ["release", "support"])
def test_released_integrations_cannot_be_rejected(partner, reviewer, stage):
    integration = IntegrationFactory(partner=partner, stage=stage)
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.REJECTED, actor=reviewer, note="x")
    assert caught.value.code == "invalid_transition"


def test_partners_cannot_reject(integration, owner):
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.REJECTED, actor=owner, note="x")
    assert caught.value.status == 403


@pytest.mark.parametrize("stage", ["release", "support"])
def test_delist_needs_a_reason_and_staff_or_the_system(partner, owner, reviewer, stage):
    integration = IntegrationFactory(partner=partner, stage=stage)
    assert unmet_codes(integration, Stage.DELISTED, reviewer) == {"reason_required"}
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.DELISTED, actor=owner, note="x")
    assert caught.value.status == 403
    row = move(integration, Stage.DELISTED, None, note="Support standing is failing.")
    assert row.actor is None


def test_relist_when_standing_is_good(partner, reviewer, owner):
    integration = IntegrationFactory(partner=partner, stage=Stage.DELISTED)
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=Stage.SUPPORT, actor=owner)
    assert caught.value.status == 403
    move(integration, Stage.SUPPORT, reviewer)


# --- moves that do not exist ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"),
    [("engage", "develop"), ("enable", "review"), ("develop", "release"), ("support", "engage")],
)
def test_skipping_stages_is_refused(partner, admin, source, target):
    integration = IntegrationFactory(partner=partner, stage=source)
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to=target, actor=admin)
    assert (caught.value.status, caught.value.code) == (409, "invalid_transition")
    assert integration.history.count() == 0


def test_unknown_stage_is_invalid_input(integration, admin):
    with pytest.raises(DomainError) as caught:
        integration_transition(integration=integration, to="shipped", actor=admin)
    assert caught.value.status == 400
