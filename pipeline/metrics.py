"""Program metrics (DESIGN.md §9: `/program/` and `GET /api/v1/program/metrics/`), one function
per figure. The stage figures are read here; the verification pass rate, SLA compliance and
breaches come from the apps that own those data. Every figure is a fixed number of queries
whatever the number of integrations, runs or issues."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, DateTimeField, F, OuterRef, Q, Subquery, Value
from django.utils import timezone

from config.db import Median
from integrations.models import (
    OFF_TRACK,
    PIPELINE,
    STAGE_FIELD,
    Integration,
    Stage,
    StageTransition,
)
from integrations.selectors import days_between
from reviews.selectors import WeekPassRate, verification_pass_rate
from support_sla.models import Severity
from support_sla.selectors import PartnerBreaches, breaches_by_partner, sla_compliance

PASS_RATE_WEEKS = 12
TOP_PARTNERS = 10


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    off_track: bool
    current: int  # integrations in this stage now
    reached: int | None  # integrations that ever reached it (the funnel; pipeline stages only)


def _reached(stage: Stage) -> Q:
    """Reached `stage`: now in it or further along (a delisted integration was supported), or
    moved into it or further along at some time (the history)."""
    onwards = PIPELINE[PIPELINE.index(stage) :]
    return Q(stage__in=[*onwards, Stage.DELISTED]) | Q(history__to_stage__in=onwards)


def stage_counts() -> list[StageCount]:
    """How many integrations are in each stage now, and the funnel: how many ever reached each
    pipeline stage (every integration starts in engage). Two queries."""
    current = dict(
        Integration.objects.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n")
    )
    reached = Integration.objects.aggregate(
        **{
            stage.value: Count("pk", distinct=True, filter=None if i == 0 else _reached(stage))
            for i, stage in enumerate(PIPELINE)
        }
    )
    return [
        StageCount(
            stage=stage.value,
            label=stage.label,
            off_track=stage in OFF_TRACK,
            current=current.get(stage, 0),
            reached=reached.get(stage.value),
        )
        for stage in [*PIPELINE, *OFF_TRACK]
    ]


@dataclass(frozen=True)
class StageDuration:
    stage: str
    label: str
    median_days: float | None  # completed stays: entered and left again
    completed_stays: int
    current_median_days: float | None  # integrations in the stage now, days so far
    current: int


def median_days_in_stage(*, now=None) -> list[StageDuration]:
    """Per pipeline stage, the median days of completed stays (from the history: from a move
    into the stage to the integration's next move) and, apart, of the stays still running
    (days so far). Days are counted by `days_between`, like everywhere. Two queries."""
    now = now or timezone.now()
    left_at = (
        StageTransition.objects.filter(integration=OuterRef("integration"), field=STAGE_FIELD)
        .filter(Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk")))
        .order_by("at", "pk")
        .values("at")[:1]
    )
    completed = {
        row["to_stage"]: row
        for row in StageTransition.objects.filter(to_stage__in=PIPELINE)
        .annotate(left_at=Subquery(left_at))
        .filter(left_at__isnull=False)
        .values("to_stage")
        .annotate(median=Median(days_between(start=F("at"), end=F("left_at"))), stays=Count("pk"))
        .order_by()
    }
    running = {
        row["stage"]: row
        for row in Integration.objects.filter(stage__in=PIPELINE)
        .values("stage")
        .annotate(
            median=Median(
                days_between(start=F("stage_changed_at"), end=Value(now, DateTimeField()))
            ),
            stays=Count("pk"),
        )
        .order_by()
    }
    empty = {"median": None, "stays": 0}
    return [
        StageDuration(
            stage=stage.value,
            label=stage.label,
            median_days=_days(completed.get(stage, empty)["median"]),
            completed_stays=completed.get(stage, empty)["stays"],
            current_median_days=_days(running.get(stage, empty)["median"]),
            current=running.get(stage, empty)["stays"],
        )
        for stage in PIPELINE
    ]


def _days(value) -> float | None:
    return None if value is None else round(float(value), 1)


@dataclass(frozen=True)
class SeverityCompliance:
    severity: str  # "critical", "normal" or "overall"
    label: str
    met: int
    breached: int
    compliance: float | None  # met / (met + breached)


def sla_compliance_by_severity(*, since=None) -> list[SeverityCompliance]:
    """support_sla.selectors.sla_compliance (default: the last 90 days) as rows, per severity
    then overall."""
    figures = sla_compliance(since=since)
    labels = {**dict(Severity.choices), "overall": "All issues"}
    return [
        SeverityCompliance(severity=key, label=labels[key], **figures[key])
        for key in [*Severity.values, "overall"]
    ]


@dataclass(frozen=True)
class ProgramMetrics:
    generated_at: datetime
    counts_by_stage: list[StageCount]
    median_days_in_stage: list[StageDuration]
    verification_pass_rate: list[WeekPassRate]
    sla_compliance: list[SeverityCompliance]
    breaches_by_partner: list[PartnerBreaches]
    window_days: int = field(default_factory=lambda: settings.VIP_SLA_STANDING_DAYS)

    @property
    def total(self) -> int:
        return sum(row.current for row in self.counts_by_stage)

    @property
    def has_runs(self) -> bool:
        return any(week.finished for week in self.verification_pass_rate)

    @property
    def has_stays(self) -> bool:
        return any(row.completed_stays or row.current for row in self.median_days_in_stage)

    @property
    def has_sla_figures(self) -> bool:
        return any(row.met or row.breached for row in self.sla_compliance)


def program_metrics(*, now=None) -> ProgramMetrics:
    """Every figure of the program page and the metrics API, from the selectors above."""
    now = now or timezone.now()
    since = now - timedelta(days=settings.VIP_SLA_STANDING_DAYS)
    return ProgramMetrics(
        generated_at=now,
        counts_by_stage=stage_counts(),
        median_days_in_stage=median_days_in_stage(now=now),
        verification_pass_rate=verification_pass_rate(weeks=PASS_RATE_WEEKS, now=now),
        sla_compliance=sla_compliance_by_severity(since=since),
        breaches_by_partner=breaches_by_partner(limit=TOP_PARTNERS, since=since),
    )
