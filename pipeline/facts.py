"""The facts the pipeline's guards and checklist decide on, as one value.

`facts_for(integrations)` reads them for a whole list in one query (each app below says how
its facts are computed, as database expressions: integrations.selectors.integration_facts,
reviews.selectors.review_facts, support_sla.standing.standing_facts); `facts_of(integration)`
is the same query for one. The guards and the checklist are then plain functions of
`(integration, facts)`: no query of their own, and testable without a database."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet
from django.utils import timezone

from integrations.models import Integration
from integrations.selectors import integration_facts, reached_review
from reviews.models import ReviewRound, RunStatus
from reviews.selectors import review_facts
from support_sla.models import Standing
from support_sla.standing import standing_facts, standing_from


@dataclass(frozen=True)
class PipelineFacts:
    reached_review: bool = False  # in review or past it, or ever was
    has_overlaps: bool = False  # similar existing integrations were found
    has_target_with_credentials: bool = False
    has_finished_run: bool = False  # of any target
    has_evidence_target: bool = False
    evidence_run_status: RunStatus | None = None  # of the evidence target's latest verdict
    has_accepted_evidence: bool = False  # partner-run evidence a reviewer accepted
    latest_round_status: ReviewRound.Status | None = None
    open_feedback: int = 0
    open_blocking: int = 0
    recorded_standing: Standing = Standing.GOOD  # as the sweep last stored it (the directory's)
    standing: Standing = Standing.GOOD  # computed now from the breaches (relisting's)
    standing_reason: str = ""

    @property
    def evidence_passed(self) -> bool:
        return self.evidence_run_status == RunStatus.PASSED


def facts_for(integrations: QuerySet[Integration] | Iterable[Integration], *, now=None):
    """{pk: PipelineFacts} of `integrations` (a query, or integrations already loaded), in one
    query whatever their number."""
    if not isinstance(integrations, QuerySet) or integrations.query.is_sliced:
        integrations = Integration.objects.filter(pk__in=[each.pk for each in integrations])
    outer = OuterRef("pk")
    rows = integrations.order_by().values(
        "pk",
        "stage",
        "standing_record__standing",
        **integration_facts(integration=outer),
        **review_facts(integration=outer),
        **standing_facts(outer, now or timezone.now()),
    )
    return {row["pk"]: _facts(row) for row in rows}


def facts_of(integration: Integration, *, now=None) -> PipelineFacts:
    """The facts of one integration (one query)."""
    return facts_for(Integration.objects.filter(pk=integration.pk), now=now)[integration.pk]


def _facts(row: dict) -> PipelineFacts:
    standing, reason = standing_from(breaches=row["breaches"], stale_critical=row["stale_critical"])
    evidence, latest_round = row["evidence_run_status"], row["latest_round_status"]
    return PipelineFacts(
        reached_review=reached_review(stage=row["stage"], ever_in_review=row["ever_in_review"]),
        has_overlaps=row["has_overlaps"],
        has_target_with_credentials=row["has_target_with_credentials"],
        has_finished_run=row["has_finished_run"],
        has_evidence_target=row["has_evidence_target"],
        evidence_run_status=RunStatus(evidence) if evidence else None,
        has_accepted_evidence=row["has_accepted_evidence"],
        latest_round_status=ReviewRound.Status(latest_round) if latest_round else None,
        open_feedback=row["open_feedback"],
        open_blocking=row["open_blocking"],
        recorded_standing=Standing(row["standing_record__standing"] or Standing.GOOD),
        standing=standing,
        standing_reason=reason,
    )
