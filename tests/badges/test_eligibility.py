"""Badge eligibility (DESIGN.md §4.2, §6): the latest finished run of the evidence target passed,
recently, on the *detected* platform the badge names; each condition met and unmet, and the
ways around it a partner would try."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from badges.eligibility import badge_eligibility
from integrations.models import Stage
from reviews import services as review_services
from tests.badges.helpers import enterprise_run, hcp_style_run, recorded_run
from tests.factories import IntegrationFactory
from tests.standin import PlatformStandIn
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db

HCP, ENT = "hcp_vault_verified", "vault_enterprise_verified"
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def released(partner):
    return IntegrationFactory(partner=partner, stage=Stage.RELEASE)


def codes(integration, kind, **kwargs):
    return {u.code for u in badge_eligibility(integration=integration, kind=kind, **kwargs).unmet}


def test_hcp_vault_verified_needs_a_run_that_detected_hcp_vault(
    hcp, namespace, released, owner, verify
):
    assert codes(released, HCP) == {"no_evidence"}
    run = hcp_style_run(hcp, namespace, released, owner, verify)
    result = badge_eligibility(integration=released, kind=HCP)
    assert result.eligible and result.run == run


def test_a_target_declared_hcp_vault_that_is_openbao_never_qualifies(
    bao, egress, namespace, released, owner, verify, settings
):
    """The partner declares `hcp_vault` for an OpenBao cluster at an HCP-looking name: a
    declaration is not evidence; the run detected OpenBao (and failed server.edition)."""
    with PlatformStandIn(bao, "openbao", hostname="hashicorp.cloud") as plain:
        egress.route(plain.hostname, plain.port)
        settings.VIP_EGRESS_PROXY = egress.url
        run = verify(released, {**runtime_app(plain, namespace), "kind": "hcp_vault"}, owner)
    assert (run.status, run.detected_edition) == ("failed", "openbao")
    assert codes(released, HCP)  # not eligible: the evidence target's latest run failed
    # Even a recorded pass of OpenBao behind an HCP declaration never qualifies.
    recorded_run(target=run.target, edition="openbao")
    assert codes(released, HCP) == {"platform_not_verified"}
    assert codes(released, ENT) == {"platform_not_verified"}
    message = badge_eligibility(integration=released, kind=HCP).unmet[0].message
    assert "needs a run on HCP Vault" in message and "found OpenBao" in message


def test_a_vault_enterprise_run_is_enterprise_evidence_and_not_hcp(
    enterprise, namespace, released, owner, verify
):
    run = enterprise_run(enterprise, namespace, released, owner, verify)
    assert codes(released, HCP) == {"platform_not_verified"}
    result = badge_eligibility(integration=released, kind=ENT)
    assert result.eligible and result.run == run


def test_enterprise_needs_an_exercised_enterprise_feature(
    enterprise, namespace, released, owner, reviewer, verify
):
    enterprise_run(enterprise, namespace, released, owner, verify, with_namespace=False)
    assert codes(released, ENT) == {"no_enterprise_feature"}  # no namespace, HSM or keymgmt
    run = enterprise_run(enterprise, f"{namespace}b", released, owner, verify)
    assert codes(released, ENT) == {"no_enterprise_feature"}  # not the evidence target's run
    review_services.target_make_primary(target=run.target, actor=reviewer)
    assert codes(released, ENT) == set()


def test_an_hcp_run_is_also_enterprise_evidence_with_a_feature(released):
    recorded_run(released, edition="hcp_vault", features=())
    assert codes(released, HCP) == set()
    assert codes(released, ENT) == {"no_enterprise_feature"}
    recorded_run(target=released.targets.get(), edition="hcp_vault", features=["namespaces"])
    assert codes(released, ENT) == set()


@pytest.mark.parametrize("edition", ["openbao", "vault_community", ""])
def test_runs_on_openbao_or_vault_community_never_qualify(released, edition):
    recorded_run(released, edition=edition, features=["namespaces"])
    assert codes(released, HCP) == codes(released, ENT) == {"platform_not_verified"}


def test_evidence_expires_after_180_days(released):
    with time_machine.travel(NOON, tick=False):
        recorded_run(released)
    assert codes(released, HCP, now=NOON + timedelta(days=180)) == set()
    assert codes(released, HCP, now=NOON + timedelta(days=181)) == {"no_evidence"}
    with time_machine.travel(NOON + timedelta(days=179)):
        assert codes(released, HCP) == set()
    with time_machine.travel(NOON + timedelta(days=181)):
        assert codes(released, HCP) == {"no_evidence"}


def test_an_old_pass_followed_by_a_newer_failure_is_not_eligible(released):
    """Leaning on an old pass: the latest finished run decides, not the newest passed one."""
    with time_machine.travel(NOON, tick=False):
        passed = recorded_run(released)
        target = passed.target
        recorded_run(target=target, status="failed", finished_at=NOON + timedelta(days=3))
    with time_machine.travel(NOON + timedelta(days=4)):
        result = badge_eligibility(integration=released, kind=HCP)
        assert [u.code for u in result.unmet] == ["no_evidence"]
        assert "(failed) did not pass" in result.unmet[0].message
        assert result.run is None
        recorded_run(target=target, status="error", finished_at=NOON + timedelta(days=4))
        assert codes(released, HCP) == {"no_evidence"}
        again = recorded_run(target=target, finished_at=NOON + timedelta(days=4, hours=1))
        assert badge_eligibility(integration=released, kind=HCP).run == again


def test_a_run_that_never_started_is_no_verdict(released):
    with time_machine.travel(NOON, tick=False):
        passed = recorded_run(released)
        unstarted = recorded_run(target=passed.target, status="error")
        unstarted.started_at = None
        unstarted.save()
        assert badge_eligibility(integration=released, kind=HCP).run == passed


def test_a_passing_second_target_does_not_stand_in_for_a_failing_evidence_target(released):
    with time_machine.travel(NOON, tick=False):
        evidence = recorded_run(released, status="failed").target
        recorded_run(released, status="passed")  # a second target, newer and passed
    assert evidence.primary
    assert codes(released, HCP, now=NOON) == {"no_evidence"}


def test_no_evidence_target_no_badge(released, reviewer):
    """Deleted after review: no other target becomes the evidence target by itself."""
    run = recorded_run(released)
    recorded_run(released)  # another target, passed
    review_services.target_archive(target=run.target, actor=reviewer)
    assert codes(released, HCP) == {"no_evidence"}


@pytest.mark.parametrize("stage", ["engage", "develop", "review", "delisted", "withdrawn"])
def test_only_released_or_supported_integrations(partner, stage):
    integration = IntegrationFactory(partner=partner, stage=stage)
    recorded_run(integration)
    assert codes(integration, HCP) == {"not_released"}


def test_supported_integrations_qualify(partner):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    recorded_run(integration)
    assert codes(integration, HCP) == set()
