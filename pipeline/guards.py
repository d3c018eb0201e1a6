"""The guards of the pipeline (DESIGN.md §3, the "guard" column), one function per move.

Each guard is a plain function of `(integration, facts, note)` (facts: pipeline.facts.
PipelineFacts, read in one query) and returns the conditions it finds unmet, each with a code
and a message; an empty list means the move may happen. The transition service, the
integration page (which shows unmet guards before anyone presses a button), the dashboard and
the board's undo all call these, nothing else.
"""

from collections.abc import Callable

from config.errors import Unmet
from integrations.models import AUTHENTICATING_CATEGORIES, AuthMethod, Integration, Stage
from pipeline.facts import PipelineFacts
from reviews.models import ReviewRound, RunStatus
from reviews.rounds import blocking_feedback_unmet
from support_sla.models import Standing

Guard = Callable[[Integration, PipelineFacts, str], list[Unmet]]

INTAKE_REQUIRED = {
    "name": "a name",
    "category": "a category",
    "summary": "a summary",
    "description": "a description",
    "vault_editions": "the Vault editions it targets",
    "auth_methods": "the auth methods it supports",
    "contact_email": "a contact e-mail",
}


def intake_missing(integration: Integration) -> list[str]:
    """The intake answers still missing, in words."""
    return [words for field, words in INTAKE_REQUIRED.items() if not getattr(integration, field)]


def has_non_token_auth_method(integration: Integration) -> bool:
    return any(method != AuthMethod.TOKEN for method in integration.auth_methods or [])


def engage_to_enable(integration: Integration, facts: PipelineFacts, note: str) -> list[Unmet]:
    unmet = []
    missing = intake_missing(integration)
    if missing:
        unmet.append(
            Unmet("intake_incomplete", "The intake is missing " + ", ".join(missing) + ".")
        )
    if facts.has_overlaps and integration.overlaps_acknowledged_at is None:
        unmet.append(
            Unmet(
                "overlaps_unacknowledged",
                "Program staff must acknowledge the similar existing integrations first.",
            )
        )
    return unmet


def develop_to_review(integration: Integration, facts: PipelineFacts, note: str) -> list[Unmet]:
    unmet = []
    if not integration.docs_url:
        unmet.append(Unmet("docs_missing", "Add the URL of the integration's documentation."))
    if integration.is_plugin and not integration.repository_url:
        unmet.append(Unmet("repository_missing", "Plugins need the URL of their repository."))
    if integration.category in AUTHENTICATING_CATEGORIES and not has_non_token_auth_method(
        integration
    ):
        unmet.append(
            Unmet(
                "token_only",
                "Declare at least one auth method other than a token "
                "(AppRole, JWT/OIDC, TLS certificates, userpass or Kubernetes).",
            )
        )
    if not facts.has_target_with_credentials:
        unmet.append(
            Unmet(
                "no_target",
                "Add a verification target with credentials for your test infrastructure.",
            )
        )
    if not facts.has_finished_run:
        unmet.append(Unmet("no_run", "Run a verification against your target at least once."))
    return unmet


def review_to_develop(integration: Integration, facts: PipelineFacts, note: str) -> list[Unmet]:
    if facts.latest_round_status != ReviewRound.Status.CHANGES_REQUESTED:
        return [
            Unmet(
                "no_changes_requested",
                "Close a review round with the decision “changes requested” first.",
            )
        ]
    return []


def support_contact_unmet(integration: Integration) -> list[Unmet]:
    """The public support contact the directory shows (DESIGN.md §7)."""
    partner = integration.partner
    if partner.support_url or partner.support_email:
        return []
    return [
        Unmet(
            "support_contact_missing",
            "Record the partner's public support contact (a support page or e-mail address).",
        )
    ]


def evidence_unmet(facts: PipelineFacts) -> list[Unmet]:
    """The evidence target's latest finished run must have passed (DESIGN.md §4.2): not the
    newest passed run, not another target's run. Where the program cannot run one (a private
    HVN cluster), a reviewer may accept partner-run evidence in its place, with a written
    justification (reviews.services.evidence_accept); it stands in only while the program's
    own latest run did not fail (a run that reached the cluster and failed outweighs it), and
    badges never stand on it."""
    if facts.evidence_run_status != RunStatus.FAILED and facts.has_accepted_evidence:
        return []
    if not facts.has_evidence_target:
        return [
            Unmet(
                "no_evidence_target",
                "No evidence target: choose the verification target whose runs decide the review.",
            )
        ]
    if not facts.evidence_passed:
        return [
            Unmet(
                "run_not_passed",
                "The latest finished verification run of the evidence target must have passed.",
            )
        ]
    return []


def review_to_release(integration: Integration, facts: PipelineFacts, note: str) -> list[Unmet]:
    unmet = evidence_unmet(facts)
    if facts.latest_round_status != ReviewRound.Status.APPROVED:
        unmet.append(
            Unmet(
                "review_not_approved",
                "The latest review round must end with the decision “approved”.",
            )
        )
    unmet.extend(blocking_feedback_unmet(facts.open_blocking))
    if integration.demo_done_at is None:
        unmet.append(Unmet("demo_missing", "Record that the integration was demonstrated."))
    if integration.partner.agreement_executed_at is None:
        unmet.append(Unmet("agreement_missing", "Record when the partner agreement was executed."))
    unmet.extend(support_contact_unmet(integration))
    return unmet


def release_to_support(integration: Integration, facts: PipelineFacts, note: str) -> list[Unmet]:
    if integration.is_plugin and not integration.plugin_portal_url:
        return [Unmet("plugin_portal_missing", "Set the plugin's URL on the plugin portal.")]
    return []


def reason_required(integration: Integration, facts: PipelineFacts, note: str) -> list[Unmet]:
    if not note.strip():
        return [Unmet("reason_required", "Give a reason; the partner will read it.")]
    return []


def delisted_to_support(integration: Integration, facts: PipelineFacts, note: str) -> list[Unmet]:
    if facts.standing != Standing.GOOD:
        return [
            Unmet(
                "standing_not_good",
                f"Support standing is {facts.standing.label.lower()} ({facts.standing_reason}); "
                "it must be good.",
            )
        ]
    return []


def no_guard(integration: Integration, facts: PipelineFacts, note: str) -> list[Unmet]:
    return []


# (from, to) → guard. The sources and targets themselves are the FSM's (integrations.models).
GUARDS: dict[tuple[str, str], Guard] = {
    (Stage.ENGAGE, Stage.ENABLE): engage_to_enable,
    (Stage.DEVELOP, Stage.REVIEW): develop_to_review,
    (Stage.REVIEW, Stage.DEVELOP): review_to_develop,
    (Stage.REVIEW, Stage.RELEASE): review_to_release,
    (Stage.RELEASE, Stage.SUPPORT): release_to_support,
    (Stage.DELISTED, Stage.SUPPORT): delisted_to_support,
    **{(stage, Stage.REJECTED): reason_required for stage in Stage if stage != Stage.REJECTED},
    (Stage.RELEASE, Stage.DELISTED): reason_required,
    (Stage.SUPPORT, Stage.DELISTED): reason_required,
}


def guard_for(source: str, target: str) -> Guard:
    return GUARDS.get((source, target), no_guard)
