"""Badges follow the listing (DESIGN.md §4.2): leaving release/support suspends them at once
(`not_listed`), nothing restores them while the integration is not listed, and the racing
cases end in one consistent state."""

import threading
import time

import pytest
from django.db import transaction

from badges import services
from badges.eligibility import badge_eligibility
from badges.models import Badge, BadgeEvent
from integrations.models import Integration, Stage
from pipeline.services import integration_transition
from reviews import services as review_services
from support_sla.models import StandingRecord
from support_sla.standing import standing_refresh
from tests.badges.helpers import recorded_run
from tests.concurrency import at_once
from tests.factories import IntegrationFactory, VerificationRunFactory
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


def issued(partner, admin, stage=Stage.SUPPORT) -> Badge:
    integration = IntegrationFactory(partner=partner, stage=stage)
    recorded_run(integration)
    return services.badge_issue(integration=integration, kind="hcp_vault_verified", actor=admin)


def status(badge) -> tuple[str, str]:
    badge = Badge.objects.get(pk=badge.pk)
    return badge.status, badge.status_reason


@pytest.mark.parametrize(
    ("stage", "to", "actor"),
    [
        (Stage.SUPPORT, Stage.DELISTED, "reviewer"),
        (Stage.RELEASE, Stage.DELISTED, "reviewer"),
        (Stage.SUPPORT, Stage.WITHDRAWN, "owner"),
        (Stage.RELEASE, Stage.WITHDRAWN, "owner"),
    ],
)
def test_leaving_the_listing_suspends_badges_at_once(
    partner, admin, people, stage, to, actor, django_capture_on_commit_callbacks
):
    badge = issued(partner, admin, stage)
    with django_capture_on_commit_callbacks(execute=True):
        integration_transition(
            integration=badge.integration, to=to, actor=people[actor], note="No longer supported."
        )
    assert status(badge) == ("suspended", "not_listed")
    badge.refresh_from_db()
    assert badge.suspension_reason == f"The integration is no longer listed ({to})."
    assert badge.events.last().action == "suspended"


def test_release_can_be_delisted_with_a_reason(partner, reviewer):
    integration = IntegrationFactory(partner=partner, stage=Stage.RELEASE)
    with pytest.raises(Exception) as refused:
        integration_transition(integration=integration, to=Stage.DELISTED, actor=reviewer)
    assert {u.code for u in refused.value.unmet} == {"reason_required"}
    integration_transition(
        integration=integration, to=Stage.DELISTED, actor=reviewer, note="Abandoned."
    )
    assert integration.stage == Stage.DELISTED


def test_nothing_restores_a_badge_while_the_integration_is_delisted(partner, admin, reviewer):
    """Suspended for failing support, then delisted: support back to good, a passing run of
    the evidence target, a re-verification: it stays suspended while delisted. Relisting
    (which needs good standing) lets it be active again; a revoked badge never comes back."""
    badge = issued(partner, admin)
    other = services.badge_issue(
        integration=badge.integration, kind="vault_enterprise_verified", actor=admin
    )
    integration = badge.integration
    record = StandingRecord.objects.create(
        integration=integration, standing="failing", reason="3 SLA breaches."
    )
    services.badges_refresh(integration=integration)
    assert status(badge) == ("suspended", "support_failing")
    integration_transition(
        integration=integration, to=Stage.DELISTED, actor=reviewer, note="Support failing."
    )
    assert status(badge) == ("suspended", "not_listed")
    record.standing, record.reason = "at_risk", "1 breach."
    record.save()
    standing_refresh(integration)  # back to good: the breaches aged out
    assert StandingRecord.objects.get(integration=integration).standing == "good"
    assert status(badge) == ("suspended", "not_listed")
    run = recorded_run(target=badge.run.target)
    services.evidence_run_finished(run=run)
    assert status(badge) == ("suspended", "not_listed")
    services.badge_revoke(badge=Badge.objects.get(pk=other.pk), actor=admin, reason="Gone.")
    integration_transition(integration=integration, to=Stage.SUPPORT, actor=reviewer)
    assert status(badge) == ("active", "")
    assert status(other)[0] == "revoked"


def test_issuing_needs_the_listing(partner, admin, reviewer):
    badge = issued(partner, admin)
    services.badge_revoke(badge=badge, actor=admin, reason="Gone.")
    integration_transition(
        integration=badge.integration, to=Stage.DELISTED, actor=reviewer, note="Gone."
    )
    eligibility = badge_eligibility(
        integration=Integration.objects.get(pk=badge.integration_id), kind="hcp_vault_verified"
    )
    assert [u.code for u in eligibility.unmet] == ["not_released"]


# --- Races: exactly one consistent end state -------------------------------------------------


@pytest.fixture
def live(partner, owner, admin, bao, enterprise, namespace):
    """A supported integration with a Vault Enterprise Verified badge on a real target."""
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    body = runtime_app(enterprise, namespace)
    body.update(name="ent cluster")
    target = review_services.target_create(integration=integration, actor=owner, data=body)
    run = review_services.run_request(target=target, actor=owner)  # eager: runs at once
    run.refresh_from_db()
    assert run.status == "passed", run.reason
    badge = services.badge_issue(
        integration=integration, kind="vault_enterprise_verified", actor=admin
    )
    return {
        "badge": badge,
        "target": target,
        "body": body,
        "vault": bao.client(namespace=namespace),
    }


def queued_reverification(target):
    return VerificationRunFactory(
        target=target, status="queued", purpose="reverification", finished_at=None
    )


def hold_badge_rows(badge, seconds: float):
    """An action that holds the badge's row lock for `seconds`, so the others pile up behind
    it (an admin's revocation in progress, say) and then go in the order they came."""

    def hold():
        with transaction.atomic():
            list(Badge.objects.select_for_update().filter(pk=badge.pk))
            time.sleep(seconds)
        return "held"

    return hold


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_failing_reverifications_finishing_at_once_suspend_once(live):
    badge = live["badge"]
    live["vault"].write(
        "auth/approle/role/app/secret-id/destroy", secret_id=live["body"]["auth"]["secret_id"]
    )
    first, second = queued_reverification(live["target"]), queued_reverification(live["target"])

    def execute(run):
        return lambda: review_services.run_execute(run_id=run.pk)

    outcomes = at_once(hold_badge_rows(badge, 0.8), execute(first), execute(second))
    assert outcomes == ["held", "failed", "failed"]
    assert status(badge) == ("suspended", "reverification_failed")
    assert BadgeEvent.objects.filter(badge=badge, action="suspended").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_passing_reverifications_finishing_at_once_leave_the_newest_evidence(live):
    badge = live["badge"]
    first, second = queued_reverification(live["target"]), queued_reverification(live["target"])
    outcomes = at_once(
        hold_badge_rows(badge, 0.8),
        lambda: review_services.run_execute(run_id=first.pk),
        lambda: review_services.run_execute(run_id=second.pk),
    )
    assert outcomes == ["held", "passed", "passed"]
    first.refresh_from_db()
    second.refresh_from_db()
    newest = max(first, second, key=lambda run: (run.finished_at, run.pk))
    badge.refresh_from_db()
    assert (badge.status, badge.run, badge.verified_at) == ("active", newest, newest.finished_at)
    renewals = list(
        BadgeEvent.objects.filter(badge=badge, action="reverified").values_list("run", flat=True)
    )
    assert newest.pk in renewals and len(renewals) == len(set(renewals))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_delisting_while_a_reverification_passes_leaves_the_badge_suspended(live, reviewer):
    """The badge is suspended (two failed verdicts) and the login is fixed; a re-verification
    passes while staff delist the integration. The delisting gets to the badge rows first; the
    re-verification's pass, which would restore the badge, decides after it: the badge stays
    suspended (`not_listed`), never active on a delisted integration."""
    badge = live["badge"]
    integration = badge.integration
    for _ in range(2):
        VerificationRunFactory(target=live["target"], status="failed", reason="Login failed.")
    services.badges_refresh(integration=integration)
    assert status(badge) == ("suspended", "reverification_failed")
    run = queued_reverification(live["target"])
    delisting_waits = threading.Event()

    def delist():
        delisting_waits.set()
        integration_transition(
            integration=integration, to=Stage.DELISTED, actor=reviewer, note="Abandoned."
        )
        return "delisted"

    def reverify():
        delisting_waits.wait()
        time.sleep(0.2)  # the delisting is waiting for the badge rows by now
        return review_services.run_execute(run_id=run.pk)

    outcomes = at_once(hold_badge_rows(badge, 1.0), delist, reverify)
    assert outcomes == ["held", "delisted", "passed"]
    assert Integration.objects.get(pk=integration.pk).stage == Stage.DELISTED
    assert status(badge) == ("suspended", "not_listed")
    assert not BadgeEvent.objects.filter(badge=badge, action="restored").exists()
