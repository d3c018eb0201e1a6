"""Support standing and what it does: failing suspends badges and proposes delisting; good
again restores the badges suspended for support, never revoked ones."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from badges.models import Badge, BadgeStatus
from config.errors import DomainError
from pipeline.services import integration_transition
from support_sla import services, sweep
from support_sla.models import StandingRecord
from support_sla.selectors import integration_has_open_breached_critical, sla_compliance
from support_sla.standing import compute_standing, standing_refresh
from tests.factories import VerificationRunFactory
from tests.support_sla.conftest import issue_data

pytestmark = pytest.mark.django_db
T0 = datetime(2025, 6, 16, 8, 0, tzinfo=UTC)


def open_at(integration, actor, when, severity="critical", title="Outage"):
    with time_machine.travel(when, tick=False):
        return services.issue_open(
            integration=integration, actor=actor, data=issue_data(severity, title=title)
        )


def sweep_at(when, capture):
    with time_machine.travel(when, tick=False), capture(execute=True):
        sweep.sla_sweep()


def resolve_at(issue, actor, when):
    with time_machine.travel(when, tick=False):
        services.issue_update(issue=issue, actor=actor, data={"status": "resolved"})


@pytest.fixture
def badge(supported, admin):
    run = VerificationRunFactory(target__integration=supported)
    return Badge.objects.create(
        integration=supported,
        kind="hcp_vault_verified",
        run=run,
        issued_by=admin,
        verified_at=run.finished_at,
    )


def standing(integration, when):
    return compute_standing(integration, when)[0]


def test_good_without_breaches(supported, owner):
    open_at(supported, owner, T0)
    assert standing(supported, T0 + timedelta(hours=1)) == "good"


def test_a_breach_puts_at_risk_then_it_ages_out(
    supported, owner, django_capture_on_commit_callbacks
):
    issue = open_at(supported, owner, T0, severity="normal")
    sweep_at(T0 + timedelta(days=9), django_capture_on_commit_callbacks)
    resolve_at(issue, owner, T0 + timedelta(days=9, hours=1))
    assert standing(supported, T0 + timedelta(days=10)) == "at_risk"
    assert standing(supported, T0 + timedelta(days=100)) == "good"


def test_a_critical_breach_open_48_hours_after_due_is_failing(
    supported, owner, badge, django_capture_on_commit_callbacks
):
    issue = open_at(supported, owner, T0)
    sweep_at(T0 + timedelta(hours=49), django_capture_on_commit_callbacks)
    assert StandingRecord.objects.get(integration=supported).standing == "at_risk"
    assert integration_has_open_breached_critical(integration=supported)
    # 48 h after the due time: the escalation's sweep finds the standing failing.
    sweep_at(T0 + timedelta(hours=97), django_capture_on_commit_callbacks)
    record = StandingRecord.objects.get(integration=supported)
    assert record.standing == "failing"
    assert "still open 48 hours after its SLA breach" in record.reason
    badge.refresh_from_db()
    assert (badge.status, badge.status_reason) == (BadgeStatus.SUSPENDED, "support_failing")
    assert any("delisting proposed" in m.subject for m in mail.outbox)
    # Resolving it lifts "failing" to "at risk": the badges stay suspended until good.
    with (
        time_machine.travel(T0 + timedelta(hours=98), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.issue_update(issue=issue, actor=owner, data={"status": "resolved"})
    assert StandingRecord.objects.get(integration=supported).standing == "at_risk"
    assert Badge.objects.get(pk=badge.pk).status == BadgeStatus.SUSPENDED
    with time_machine.travel(T0 + timedelta(days=95), tick=False):
        standing_refresh(supported)
    assert Badge.objects.get(pk=badge.pk).status == BadgeStatus.ACTIVE


def test_three_breaches_in_90_days_are_failing(
    supported, owner, django_capture_on_commit_callbacks
):
    for n in range(3):
        issue = open_at(supported, owner, T0 + timedelta(days=n * 10), title=f"outage {n}")
        sweep_at(T0 + timedelta(days=n * 10, hours=49), django_capture_on_commit_callbacks)
        resolve_at(issue, owner, T0 + timedelta(days=n * 10, hours=50))
    assert compute_standing(supported, T0 + timedelta(days=25)) == (
        "failing",
        "3 SLA breaches in the last 90 days.",
    )


def test_a_revoked_badge_is_never_restored(
    supported, owner, admin, badge, django_capture_on_commit_callbacks
):
    from badges.services import badge_revoke

    issue = open_at(supported, owner, T0)
    sweep_at(T0 + timedelta(hours=97), django_capture_on_commit_callbacks)
    badge_revoke(badge=Badge.objects.get(pk=badge.pk), actor=admin, reason="Abandoned.")
    resolve_at(issue, owner, T0 + timedelta(hours=98))
    with time_machine.travel(T0 + timedelta(days=95), tick=False):
        standing_refresh(supported)
    assert Badge.objects.get(pk=badge.pk).status == BadgeStatus.REVOKED


def test_a_badge_cannot_be_issued_with_an_open_breached_critical_issue(
    supported, owner, django_capture_on_commit_callbacks
):
    from badges.eligibility import badge_eligibility

    open_at(supported, owner, T0)
    sweep_at(T0 + timedelta(hours=49), django_capture_on_commit_callbacks)
    codes = {
        u.code for u in badge_eligibility(integration=supported, kind="hcp_vault_verified").unmet
    }
    assert "critical_breach_open" in codes


def test_relisting_needs_good_standing(
    supported, owner, reviewer, django_capture_on_commit_callbacks
):
    issue = open_at(supported, owner, T0)
    sweep_at(T0 + timedelta(hours=97), django_capture_on_commit_callbacks)
    with time_machine.travel(T0 + timedelta(hours=98), tick=False):
        integration_transition(
            integration=supported, to="delisted", actor=None, note="Support standing is failing."
        )
        resolve_at(issue, owner, T0 + timedelta(hours=98))
        with pytest.raises(DomainError) as caught:
            integration_transition(integration=supported, to="support", actor=reviewer)
    assert {u.code for u in caught.value.unmet} == {"standing_not_good"}
    with time_machine.travel(T0 + timedelta(days=95), tick=False):
        integration_transition(integration=supported, to="support", actor=reviewer)


def test_sla_compliance_per_severity(supported, owner, django_capture_on_commit_callbacks):
    met = open_at(supported, owner, T0, title="quick")
    resolve_at(met, owner, T0 + timedelta(hours=3))
    open_at(supported, owner, T0, title="slow")
    normal = open_at(supported, owner, T0, severity="normal", title="normal")
    resolve_at(normal, owner, T0 + timedelta(days=1))
    sweep_at(T0 + timedelta(hours=49), django_capture_on_commit_callbacks)
    with time_machine.travel(T0 + timedelta(days=2), tick=False):
        result = sla_compliance()
    assert result["critical"] == {"met": 1, "breached": 1, "compliance": 0.5}
    assert result["normal"] == {"met": 1, "breached": 0, "compliance": 1.0}
    assert result["overall"] == {"met": 2, "breached": 1, "compliance": 0.6667}
