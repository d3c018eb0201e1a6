"""Reads about verification and review: what the pipeline's guards ask, and who sees which
target or run (anything a partner may not see is a 404)."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncWeek
from django.http import Http404
from django.utils import timezone

from accounts.access import is_owner, may_act_for, staff_users, visible_through_partner
from accounts.models import User
from accounts.roles import is_program_staff
from config.db import count_of
from integrations import selectors as integration_selectors
from integrations.models import Integration, Stage
from reviews.models import (
    FINISHED_RUN_STATUSES,
    OPEN_RUN_STATUSES,
    FeedbackItem,
    FeedbackReply,
    PartnerEvidence,
    ReviewRound,
    RunStatus,
    VerificationRun,
    VerificationTarget,
    Waiver,
)


def targets_of(*, integration: Integration) -> QuerySet[VerificationTarget]:
    return VerificationTarget.objects.filter(integration=integration, archived_at__isnull=True)


def target_for(*, user: User, pk: int) -> tuple[VerificationTarget, bool]:
    """A live target of an integration `user` may see (else 404), and whether they may change
    it (the integration's people and staff; which change, the services decide)."""
    target = (
        VerificationTarget.objects.filter(
            pk=pk,
            archived_at__isnull=True,
            integration__in=integration_selectors.integrations_visible_to(user=user),
        )
        .select_related("integration__partner")
        .first()
    )
    if target is None:
        raise Http404("No such target.")
    return target, may_act_for(user, target.integration.partner)


def runs_visible_to(*, user: User) -> QuerySet[VerificationRun]:
    runs = VerificationRun.objects.select_related("target", "integration__partner")
    return visible_through_partner(runs, user, "integration__partner")


def run_for(*, user: User, pk: int) -> tuple[VerificationRun, bool]:
    """A run `user` may see (else 404), and whether they may act on it (cancel it)."""
    run = runs_visible_to(user=user).filter(pk=pk).first()
    if run is None:
        raise Http404("No such verification run.")
    return run, may_act_for(user, run.integration.partner)


def evidence_of(*, integration: Integration) -> QuerySet[PartnerEvidence]:
    """The partner-run evidence of an integration, newest first."""
    return PartnerEvidence.objects.filter(integration=integration).select_related("submitted_by")


def evidence_for(*, user: User, pk: int) -> tuple[PartnerEvidence, bool]:
    """Partner-run evidence `user` may see (else 404), and whether they may accept it (program
    staff)."""
    evidence = (
        PartnerEvidence.objects.filter(
            pk=pk, integration__in=integration_selectors.integrations_visible_to(user=user)
        )
        .select_related("integration__partner", "submitted_by")
        .first()
    )
    if evidence is None:
        raise Http404("No such evidence.")
    return evidence, is_program_staff(user)


def waivers_of(*, integration: Integration) -> QuerySet[Waiver]:
    """Every waiver on the integration's targets, live ones first, newest first."""
    return (
        Waiver.objects.filter(target__integration=integration)
        .select_related("target", "granted_by", "ended_by")
        .order_by(F("ended_at").desc(nulls_first=True), "-granted_at", "-pk")
    )


def waivers_context(*, integration: Integration, user: User) -> dict:
    """What templates/reviews/_waivers.html needs: the integration's waivers and, for program
    staff, the form that grants one (partners see the waivers, never the controls)."""
    from reviews.forms import WaiverForm

    context = {"waivers": list(waivers_of(integration=integration)), "waiver_form": None}
    if is_program_staff(user):
        context["waiver_form"] = WaiverForm(targets=targets_of(integration=integration))
    return context


def waiver_for(*, user: User, pk: int) -> tuple[Waiver, bool]:
    """A waiver on a target of an integration `user` may see (else 404), and whether they may
    end it (program staff)."""
    waiver = (
        Waiver.objects.filter(
            pk=pk, target__integration__in=integration_selectors.integrations_visible_to(user=user)
        )
        .select_related("target__integration")
        .first()
    )
    if waiver is None:
        raise Http404("No such waiver.")
    return waiver, is_program_staff(user)


def target_delete_consequences(*, target: VerificationTarget) -> list[str]:
    """What deleting `target` does, in sentences, for its confirmation (the rules are
    reviews.services.target_archive's)."""
    lines = [
        f"“{target.name}” will be deleted: its stored credentials and inspector token are "
        "destroyed at once, and it can no longer be verified. This cannot be undone."
    ]
    runs = target.runs.count()
    if runs:
        lines.append(f"Its {runs} verification run{'s' if runs != 1 else ''} stay as evidence.")
    if target.primary:
        integration = target.integration
        others = targets_of(integration=integration).exclude(pk=target.pk).exists()
        if integration_selectors.integration_reached_review(integration=integration) or not others:
            lines.append(
                "It is the evidence target: no other target takes its place until program "
                "staff choose one, and the integration's badges are suspended."
            )
        else:
            lines.append(
                "It is the evidence target: the oldest other target takes its place, and the "
                "integration's badges are suspended until a run of it passes."
            )
    return lines


def open_run_of(*, target: VerificationTarget) -> VerificationRun | None:
    return VerificationRun.objects.filter(target=target, status__in=OPEN_RUN_STATUSES).first()


# --- The evidence target (DESIGN.md §4.2) ------------------------------------------------------


def evidence_target_of(*, integration: Integration) -> VerificationTarget | None:
    """The integration's evidence target (`primary`, live), or None."""
    return targets_of(integration=integration).filter(primary=True).first()


def may_choose_evidence(*, user: User, integration: Integration) -> bool:
    """May `user` switch the integration's evidence target? A partner owner or program staff
    until the integration reaches review; only program staff from then on."""
    if is_program_staff(user):
        return True
    return is_owner(user, integration.partner) and not (
        integration_selectors.integration_reached_review(integration=integration)
    )


def _verdicts() -> QuerySet[VerificationRun]:
    return VerificationRun.objects.filter(
        status__in=FINISHED_RUN_STATUSES, started_at__isnull=False
    ).order_by("-finished_at", "-pk")


def verdict_runs(*, target: VerificationTarget) -> QuerySet[VerificationRun]:
    """The runs of `target` that are verdicts on it, newest first: finished (passed, failed or
    error) after they started. A run that never started (the task queue refused it, no worker
    took it) says nothing about the partner's Vault. Guards and badges read these."""
    return _verdicts().filter(target=target)


def _evidence_runs(integration) -> QuerySet[VerificationRun]:
    """`verdict_runs` of the integration's evidence target (`integration` may be an OuterRef)."""
    return _verdicts().filter(
        integration=integration, target__primary=True, target__archived_at__isnull=True
    )


def _evidence_targets(integration):
    return VerificationTarget.objects.filter(
        integration=integration, primary=True, archived_at__isnull=True
    )


# --- What the pipeline's guards read ---------------------------------------------------------


def _finished_runs(integration):
    return VerificationRun.objects.filter(integration=integration, status__in=FINISHED_RUN_STATUSES)


def _latest_rounds(integration):
    return ReviewRound.objects.filter(integration=integration).order_by("-opened_at", "-pk")


def _open_feedback(integration):
    return FeedbackItem.objects.filter(round__integration=integration, resolved_at__isnull=True)


def _latest_runs(integration):
    return (
        VerificationRun.objects.filter(integration=integration)
        .exclude(status=RunStatus.CANCELLED)
        .order_by("-queued_at", "-pk")
    )


def _accepted_evidence(integration) -> QuerySet[PartnerEvidence]:
    return PartnerEvidence.objects.filter(
        integration=integration, accepted_at__isnull=False, status=RunStatus.PASSED
    )


def review_facts(*, integration: OuterRef) -> dict:
    """What the pipeline's guards and checklist ask of reviews, as database expressions of
    `integration` (an `OuterRef("pk")` of an Integration query): pipeline.facts reads them
    for a whole list in one query, and for one integration with the same query.

    - `has_target_with_credentials`: a live target holds credentials;
    - `has_finished_run`: any run of any target finished (passed, failed or errored);
    - `has_evidence_target`, `evidence_run_status`: the evidence target, and the status of its
      latest finished run (`verdict_runs`), or None;
    - `has_accepted_evidence`: a reviewer accepted partner-run evidence in place of a program run;
    - `latest_round_status`, `open_feedback`, `open_blocking`: the latest review round's status,
      the feedback still open and how much of it blocks release."""
    return {
        "has_target_with_credentials": Exists(
            VerificationTarget.objects.filter(
                integration=integration, archived_at__isnull=True
            ).exclude(credentials_ciphertext="")
        ),
        "has_finished_run": Exists(_finished_runs(integration)),
        "has_evidence_target": Exists(_evidence_targets(integration)),
        "evidence_run_status": Subquery(_evidence_runs(integration).values("status")[:1]),
        "has_accepted_evidence": Exists(_accepted_evidence(integration)),
        "latest_round_status": Subquery(_latest_rounds(integration).values("status")[:1]),
        "open_feedback": count_of(_open_feedback(integration)),
        "open_blocking": count_of(_open_feedback(integration).filter(blocking=True)),
    }


def review_facts_of(*, integration: Integration) -> dict:
    """`review_facts` of one integration (one query)."""
    return (
        Integration.objects.filter(pk=integration.pk)
        .values(**review_facts(integration=OuterRef("pk")))
        .get()
    )


# --- Review rounds -----------------------------------------------------------------------------


def rounds_for_integration_page(*, integration: Integration) -> QuerySet[ReviewRound]:
    """Every round of `integration`, newest first, with its runs, feedback and replies: four
    queries however many rounds, items and replies there are."""
    replies = FeedbackReply.objects.select_related("author")
    feedback = FeedbackItem.objects.select_related("author", "resolved_by").prefetch_related(
        Prefetch("replies", queryset=replies)
    )
    return (
        ReviewRound.objects.filter(integration=integration)
        .select_related("opened_by", "decided_by")
        .prefetch_related(
            Prefetch("feedback", queryset=feedback),
            Prefetch("runs", queryset=VerificationRun.objects.select_related("target")),
        )
        .order_by("-opened_at", "-pk")
    )


def round_for(*, user: User, pk: int) -> tuple[ReviewRound, bool]:
    """A round of an integration `user` may see (else 404), and whether they may act on it
    (add feedback, decide: program staff)."""
    round_ = (
        ReviewRound.objects.filter(
            pk=pk, integration__in=integration_selectors.integrations_visible_to(user=user)
        )
        .select_related("integration__partner")
        .first()
    )
    if round_ is None:
        raise Http404("No such review round.")
    return round_, is_program_staff(user)


def feedback_for(*, user: User, pk: int) -> tuple[FeedbackItem, bool]:
    """A feedback item on an integration `user` may see (else 404), and whether they may
    resolve it (program staff; whoever sees it may reply while it is open)."""
    item = (
        FeedbackItem.objects.filter(
            pk=pk, round__integration__in=integration_selectors.integrations_visible_to(user=user)
        )
        .select_related(
            "round__integration__partner", "round__integration__assignee", "round__opened_by"
        )
        .first()
    )
    if item is None:
        raise Http404("No such feedback item.")
    return item, is_program_staff(user)


def latest_finished_runs(*, integration: Integration) -> list[int]:
    """The newest finished run of each live target of `integration` (what a round looks at)."""
    newest = (
        VerificationRun.objects.filter(target=OuterRef("pk"), status__in=FINISHED_RUN_STATUSES)
        .order_by("-finished_at", "-pk")
        .values("pk")[:1]
    )
    ids = (
        targets_of(integration=integration)
        .annotate(run=Subquery(newest))
        .values_list("run", flat=True)
    )
    return [pk for pk in ids if pk is not None]


def runs_finished_since(*, integration: Integration, since: datetime) -> list[int]:
    return list(
        VerificationRun.objects.filter(
            integration=integration, status__in=FINISHED_RUN_STATUSES, finished_at__gte=since
        ).values_list("pk", flat=True)
    )


def round_is_open(*, integration: Integration) -> bool:
    return ReviewRound.objects.filter(
        integration=integration, status=ReviewRound.Status.OPEN
    ).exists()


def review_queue(
    *, user: User, category: str = "", assignee: str = "", search: str = ""
) -> QuerySet[Integration]:
    """Integrations in `review`, longest waiting first, each with its latest run's status and
    its open feedback counts: one query (plus the paginator's count) whatever the size.

    `assignee`: "" (anyone), "me", "unassigned", or a user id. `search` as in every
    integration list (`integrations.selectors.matching`).
    """
    outer = OuterRef("pk")
    queryset = (
        Integration.objects.filter(stage=Stage.REVIEW)
        .select_related("partner", "assignee")
        .annotate(
            latest_run_id=Subquery(_latest_runs(outer).values("pk")[:1]),
            latest_run_status=Subquery(_latest_runs(outer).values("status")[:1]),
            open_feedback=count_of(_open_feedback(outer)),
            open_blocking=count_of(_open_feedback(outer).filter(blocking=True)),
        )
        .order_by("stage_changed_at", "pk")
    )
    if category:
        queryset = queryset.filter(category=category)
    queryset = integration_selectors.matching(integrations=queryset, text=search)
    if assignee == "me":
        queryset = queryset.filter(assignee=user)
    elif assignee == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    elif assignee.isdecimal():
        queryset = queryset.filter(assignee_id=int(assignee))
    return queryset


def program_staff_users() -> QuerySet[User]:
    """Reviewers and admins (superusers count as admins), for assignee choices."""
    return staff_users()


# --- Program metrics ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekPassRate:
    """Finished verification runs of one ISO week (Monday to Sunday, UTC)."""

    week: str  # ISO week, e.g. "2026-W48"
    week_start: date
    finished: int
    passed: int

    @property
    def pass_rate(self) -> float | None:
        return round(self.passed / self.finished, 4) if self.finished else None


def verification_pass_rate(*, weeks: int = 12, now: datetime | None = None) -> list[WeekPassRate]:
    """Passed / finished runs (passed, failed or error; cancelled runs are not verdicts) per ISO
    week, for the last `weeks` weeks including the current one, oldest first; one query."""
    now = now or timezone.now()
    today = now.astimezone(UTC).date()
    first = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    rows = (
        VerificationRun.objects.filter(
            status__in=FINISHED_RUN_STATUSES,
            finished_at__gte=datetime.combine(first, time.min, tzinfo=UTC),
            finished_at__lte=now,
        )
        .annotate(week=TruncWeek("finished_at", tzinfo=UTC))
        .values("week")
        .annotate(finished=Count("pk"), passed=Count("pk", filter=Q(status=RunStatus.PASSED)))
        .order_by("week")
    )
    counts = {row["week"].date(): (row["finished"], row["passed"]) for row in rows}
    result = []
    for offset in range(weeks):
        start = first + timedelta(weeks=offset)
        year, number, _ = start.isocalendar()
        finished, passed = counts.get(start, (0, 0))
        result.append(WeekPassRate(f"{year}-W{number:02d}", start, finished, passed))
    return result
