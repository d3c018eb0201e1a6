"""Badge eligibility (DESIGN.md §6): each condition met and unmet, for both kinds."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from badges.eligibility import badge_eligibility
from integrations.models import Stage
from tests.badges.helpers import enterprise_run, hcp_style_run
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

HCP, ENT = "hcp_vault_verified", "vault_enterprise_verified"


@pytest.fixture
def released(partner):
    return IntegrationFactory(partner=partner, stage=Stage.RELEASE)


def codes(integration, kind, **kwargs):
    return {u.code for u in badge_eligibility(integration=integration, kind=kind, **kwargs).unmet}


def test_hcp_vault_verified_with_a_passed_hcp_run(hcp, namespace, released, owner, verify):
    assert codes(released, HCP) == {"no_evidence"}
    run = hcp_style_run(hcp, namespace, released, owner, verify)
    result = badge_eligibility(integration=released, kind=HCP)
    assert result.eligible and result.run == run


def test_an_enterprise_target_is_not_hcp_evidence(enterprise, namespace, released, owner, verify):
    enterprise_run(enterprise, namespace, released, owner, verify)
    assert codes(released, HCP) == {"no_evidence"}
    assert codes(released, ENT) == set()


def test_enterprise_needs_an_exercised_enterprise_feature(
    enterprise, namespace, released, owner, verify
):
    enterprise_run(enterprise, namespace, released, owner, verify, with_namespace=False)
    assert codes(released, ENT) == {"no_evidence"}  # no namespace, no HSM, no key management
    enterprise_run(enterprise, namespace, released, owner, verify)
    assert codes(released, ENT) == set()


def test_an_hcp_run_is_also_enterprise_evidence(hcp, namespace, released, owner, verify):
    hcp_style_run(hcp, namespace, released, owner, verify)
    assert codes(released, ENT) == set()


def test_evidence_expires_after_180_days(hcp, namespace, released, owner, verify):
    hcp_style_run(hcp, namespace, released, owner, verify)
    later = timezone.now() + timedelta(days=181)
    assert codes(released, HCP, now=later) == {"no_evidence"}
    with time_machine.travel(timezone.now() + timedelta(days=179)):
        assert codes(released, HCP) == set()


def test_a_failed_or_community_or_openbao_run_is_no_evidence(
    bao, community, enterprise, namespace, released, owner, verify
):
    from tests.vault import runtime_app

    assert verify(released, runtime_app(community), owner).status == "passed"
    assert verify(released, runtime_app(bao, namespace), owner).status == "passed"
    body = {**runtime_app(enterprise, namespace), "name": "broken"}
    body["auth"]["secret_id"] = "wrong"
    assert verify(released, body, owner).status == "failed"
    assert codes(released, ENT) == {"no_evidence"}
    assert codes(released, HCP) == {"no_evidence"}


@pytest.mark.parametrize("stage", ["engage", "develop", "review", "delisted", "withdrawn"])
def test_only_released_or_supported_integrations(partner, stage, hcp, namespace, owner, verify):
    integration = IntegrationFactory(partner=partner, stage=stage)
    hcp_style_run(hcp, namespace, integration, owner, verify)
    assert codes(integration, HCP) == {"not_released"}


def test_supported_integrations_qualify(partner, hcp, namespace, owner, verify):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    hcp_style_run(hcp, namespace, integration, owner, verify)
    assert codes(integration, HCP) == set()
