"""The guards as tables: plain functions of (integration, facts, note), run without a database
(no `django_db` mark: any query fails the test). The end-to-end guard tests, through the
transition service and the pages, are in tests/integrations/test_guards.py."""

from datetime import UTC, datetime

import pytest

from integrations.models import AuthMethod, Category, Integration, Partner, Stage
from pipeline.facts import PipelineFacts
from pipeline.guards import GUARDS, guard_for, no_guard, reason_required
from pipeline.selectors import integration_checklist
from reviews.models import ReviewRound, RunStatus
from support_sla.models import Standing

WHEN = datetime(2026, 12, 1, tzinfo=UTC)

# What each move needs when every fact is in order: the facts, then the records.
READY = PipelineFacts(
    reached_review=True,
    has_target_with_credentials=True,
    has_finished_run=True,
    has_evidence_target=True,
    evidence_run_status=RunStatus.PASSED,
    latest_round_status=ReviewRound.Status.APPROVED,
)


def integration(**fields) -> Integration:
    partner = Partner(
        name="Acme",
        agreement_executed_at=fields.pop("agreement_executed_at", WHEN),
        support_email=fields.pop("support_email", "support@acme.example"),
    )
    values = {
        "name": "Acme Secrets Sync",
        "category": Category.RUNTIME,
        "summary": "Syncs secrets.",
        "description": "Reads secrets from Vault.",
        "vault_editions": ["enterprise"],
        "auth_methods": [AuthMethod.APPROLE],
        "contact_email": "dev@acme.example",
        "docs_url": "https://acme.example/docs",
        "demo_done_at": WHEN,
        **fields,
    }
    return Integration(partner=partner, **values)


def codes(source, target, facts=READY, note="", **fields) -> set[str]:
    return {unmet.code for unmet in guard_for(source, target)(integration(**fields), facts, note)}


def with_facts(**changes) -> PipelineFacts:
    return PipelineFacts(**{**READY.__dict__, **changes})


@pytest.mark.parametrize(
    ("source", "target", "facts", "fields", "expected"),
    [
        # engage → enable: the intake, and staff's acknowledgement of similar work
        (Stage.ENGAGE, Stage.ENABLE, READY, {}, set()),
        (Stage.ENGAGE, Stage.ENABLE, READY, {"summary": ""}, {"intake_incomplete"}),
        (
            Stage.ENGAGE,
            Stage.ENABLE,
            with_facts(has_overlaps=True),
            {},
            {"overlaps_unacknowledged"},
        ),
        (
            Stage.ENGAGE,
            Stage.ENABLE,
            with_facts(has_overlaps=True),
            {"overlaps_acknowledged_at": WHEN},
            set(),
        ),
        # develop → review: docs, repository for plugins, a real auth method, a target, a run
        (Stage.DEVELOP, Stage.REVIEW, READY, {}, set()),
        (Stage.DEVELOP, Stage.REVIEW, READY, {"docs_url": ""}, {"docs_missing"}),
        (
            Stage.DEVELOP,
            Stage.REVIEW,
            READY,
            {"category": Category.SECRETS_ENGINE, "repository_url": ""},
            {"repository_missing"},
        ),
        (
            Stage.DEVELOP,
            Stage.REVIEW,
            READY,
            {
                "category": Category.AUTH_METHOD,
                "auth_methods": [AuthMethod.TOKEN],
                "repository_url": "https://example.com/r",
            },
            {"token_only"},
        ),
        (
            Stage.DEVELOP,
            Stage.REVIEW,
            with_facts(has_target_with_credentials=False),
            {},
            {"no_target"},
        ),
        (Stage.DEVELOP, Stage.REVIEW, with_facts(has_finished_run=False), {}, {"no_run"}),
        # review → develop: only after a round asked for changes
        (Stage.REVIEW, Stage.DEVELOP, READY, {}, {"no_changes_requested"}),
        (
            Stage.REVIEW,
            Stage.DEVELOP,
            with_facts(latest_round_status=ReviewRound.Status.CHANGES_REQUESTED),
            {},
            set(),
        ),
        # review → release: the evidence target's latest verdict, an approved round, no
        # blocking feedback, the demo, the agreement, a support contact
        (Stage.REVIEW, Stage.RELEASE, READY, {}, set()),
        (
            Stage.REVIEW,
            Stage.RELEASE,
            with_facts(has_evidence_target=False, evidence_run_status=None),
            {},
            {"no_evidence_target"},
        ),
        (
            Stage.REVIEW,
            Stage.RELEASE,
            with_facts(evidence_run_status=RunStatus.FAILED),
            {},
            {"run_not_passed"},
        ),
        (
            Stage.REVIEW,
            Stage.RELEASE,
            with_facts(evidence_run_status=RunStatus.ERROR),
            {},
            {"run_not_passed"},
        ),
        # accepted partner-run evidence stands in for a run that never reached the target…
        (
            Stage.REVIEW,
            Stage.RELEASE,
            with_facts(evidence_run_status=RunStatus.ERROR, has_accepted_evidence=True),
            {},
            set(),
        ),
        # …but never for a program run that reached it and failed
        (
            Stage.REVIEW,
            Stage.RELEASE,
            with_facts(evidence_run_status=RunStatus.FAILED, has_accepted_evidence=True),
            {},
            {"run_not_passed"},
        ),
        (
            Stage.REVIEW,
            Stage.RELEASE,
            with_facts(latest_round_status=ReviewRound.Status.OPEN),
            {},
            {"review_not_approved"},
        ),
        (Stage.REVIEW, Stage.RELEASE, with_facts(open_blocking=2), {}, {"blocking_feedback"}),
        (Stage.REVIEW, Stage.RELEASE, READY, {"demo_done_at": None}, {"demo_missing"}),
        (
            Stage.REVIEW,
            Stage.RELEASE,
            READY,
            {"agreement_executed_at": None},
            {"agreement_missing"},
        ),
        (Stage.REVIEW, Stage.RELEASE, READY, {"support_email": ""}, {"support_contact_missing"}),
        # release → support: plugins need their portal URL
        (Stage.RELEASE, Stage.SUPPORT, READY, {}, set()),
        (
            Stage.RELEASE,
            Stage.SUPPORT,
            READY,
            {"category": Category.AUTH_METHOD, "plugin_portal_url": ""},
            {"plugin_portal_missing"},
        ),
        # delisted → support: only with a good standing computed now
        (Stage.DELISTED, Stage.SUPPORT, READY, {}, set()),
        (
            Stage.DELISTED,
            Stage.SUPPORT,
            with_facts(standing=Standing.AT_RISK, standing_reason="1 SLA breach"),
            {},
            {"standing_not_good"},
        ),
        # a move with no guard
        (Stage.ENABLE, Stage.DEVELOP, PipelineFacts(), {}, set()),
    ],
)
def test_guard_table(source, target, facts, fields, expected):
    assert codes(source, target, facts, **fields) == expected


def test_a_recorded_good_standing_does_not_relist_while_breaches_say_otherwise():
    """Relisting reads the standing computed now, not the one the sweep last stored."""
    facts = with_facts(
        recorded_standing=Standing.GOOD, standing=Standing.FAILING, standing_reason="3 breaches"
    )
    unmet = guard_for(Stage.DELISTED, Stage.SUPPORT)(integration(), facts, "")
    assert [u.code for u in unmet] == ["standing_not_good"]
    assert "failing (3 breaches)" in unmet[0].message


@pytest.mark.parametrize("source", [stage for stage in Stage if stage != Stage.REJECTED])
def test_every_rejection_needs_a_reason(source):
    assert codes(source, Stage.REJECTED, note="") == {"reason_required"}
    assert codes(source, Stage.REJECTED, note="  Out of scope. ") == set()


def test_delisting_needs_a_reason():
    for source in (Stage.RELEASE, Stage.SUPPORT):
        assert guard_for(source, Stage.DELISTED) is reason_required


def test_unknown_moves_have_no_guard():
    assert guard_for(Stage.SUPPORT, Stage.ENGAGE) is no_guard
    assert all(callable(guard) for guard in GUARDS.values())


# Every item but `support` (listed, and a standing that is not failing).
EVERY_ITEM = {"intake", "developed", "feedback_addressed", "credentials", "demo", "agreement"}


@pytest.mark.parametrize(
    ("facts", "fields", "done"),
    [
        (
            PipelineFacts(),
            {
                "stage": Stage.ENGAGE,
                "docs_url": "",
                "demo_done_at": None,
                "agreement_executed_at": None,
            },
            {"intake"},
        ),
        (READY, {"stage": Stage.SUPPORT}, EVERY_ITEM | {"support"}),
        (
            with_facts(open_feedback=1),
            {"stage": Stage.SUPPORT},
            EVERY_ITEM - {"feedback_addressed"} | {"support"},
        ),
        (with_facts(recorded_standing=Standing.FAILING), {"stage": Stage.SUPPORT}, EVERY_ITEM),
        (READY, {"stage": Stage.DELISTED}, EVERY_ITEM),
    ],
)
def test_checklist_table(facts, fields, done):
    checklist = integration_checklist(integration=integration(**fields), facts=facts)
    assert {item.key for item in checklist if item.done} == done
