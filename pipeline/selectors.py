"""Reads of the pipeline: the checklist, the possible moves and their undo, the board, the
dashboard, the integrations list and the public directory."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections
from django.db.models import Count, DateTimeField, F, QuerySet, Value
from django.http import Http404
from django.utils import timezone
from django_fsm import Transition

from accounts.models import User
from accounts.roles import is_program_staff
from badges.selectors import active_badges_prefetch, live_badges_prefetch
from config.errors import Unmet
from config.sorting import position
from integrations.models import (
    LISTED,
    OFF_TRACK,
    PIPELINE,
    STAGE_FIELD,
    Integration,
    Partner,
    Stage,
    StageTransition,
)
from integrations.selectors import (
    days_between,
    integrations_visible_to,
    matching,
)
from pipeline import guards
from pipeline.facts import PipelineFacts, facts_of
from reviews.models import ReviewRound
from reviews.rounds import blocking_feedback_unmet
from support_sla.selectors import Standing, integration_support_standing


def integrations_listing(*, user: User, now: datetime | None = None) -> QuerySet[Integration]:
    """The integrations list and its CSV export: what `user` may see, by name, each with
    `stage_days` (days in stage), its live badges (`live_badges`) and its support standing
    (joined): a constant number of queries for a page."""
    now = now or timezone.now()
    return (
        integrations_visible_to(user=user)
        .annotate(
            stage_days=days_between(start=F("stage_changed_at"), end=Value(now, DateTimeField())),
            # For sorting: stages in pipeline order, standings from good to failing.
            stage_position=position("stage", [*PIPELINE, *OFF_TRACK]),
            standing_position=position("standing_record__standing", list(Standing), default=0),
        )
        .prefetch_related(live_badges_prefetch())
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool


def integration_checklist(*, integration: Integration, facts: PipelineFacts) -> list[ChecklistItem]:
    """PROGRAM.md's checklist, computed from data (only demo and agreement are recorded)."""
    feedback_addressed = (
        facts.latest_round_status == ReviewRound.Status.APPROVED and facts.open_feedback == 0
    )
    return [
        ChecklistItem("intake", "Intake webform filled in", not guards.intake_missing(integration)),
        ChecklistItem(
            "developed",
            "Developed and tested, with documentation; submitted for an initial review",
            bool(integration.docs_url) and facts.reached_review,
        ),
        ChecklistItem("feedback_addressed", "Review feedback addressed", feedback_addressed),
        ChecklistItem(
            "credentials",
            "Credentials for the test infrastructure provided",
            facts.has_target_with_credentials,
        ),
        ChecklistItem("demo", "Integration demonstrated", integration.demo_done_at is not None),
        ChecklistItem(
            "agreement",
            "Partner agreement executed; logo guidelines and listing reviewed",
            integration.partner.agreement_executed_at is not None,
        ),
        ChecklistItem(
            "support",
            "Support commitment in place and ongoing",
            integration.is_listed and facts.recorded_standing != Standing.FAILING,
        ),
    ]


def stage_targets(*, stage: str) -> list[tuple[str, str]]:
    """(target, the target stage's name) of every move the state machine allows out of
    `stage`, for the board's "Move to…" menu (the move's own label, longer, is in its
    confirmation): no query."""
    field = Integration._meta.get_field("stage")
    return [
        (t.target, Stage(t.target).label)
        for t in field.get_all_transitions(Integration)
        if t.source == stage
    ]


@dataclass
class BoardColumn:
    stage: Stage
    count: int
    cards: list[Integration]

    @property
    def targets(self) -> list[tuple[str, str]]:
        return stage_targets(stage=self.stage)

    @property
    def truncated(self) -> bool:
        return self.count > len(self.cards)


def board_columns(*, limit: int | None = None, category: str = "") -> list[BoardColumn]:
    """The kanban board: a column per pipeline stage with its count and its longest-waiting
    cards. Three queries whatever the number of integrations: the counts; the first `limit`
    ids of every column (one index scan per stage on (stage, stage_changed_at), joined with
    UNION ALL, so the cost does not grow with the columns' length); the cards themselves."""
    limit = limit or settings.VIP_BOARD_CARDS_PER_COLUMN
    base = Integration.objects.filter(stage__in=PIPELINE)
    if category:
        base = base.filter(category=category)
    counts = dict(base.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    heads = [
        base.filter(stage=stage).order_by("stage_changed_at", "pk").values_list("pk")[:limit]
        for stage in PIPELINE
        if counts.get(stage)
    ]
    if not heads:
        ids = []
    elif connections[base.db].features.supports_slicing_ordering_in_compound:
        ids = [pk for (pk,) in heads[0].union(*heads[1:], all=True)]
    else:  # SQLite (the demo) allows no LIMIT inside a UNION: one small query per column
        ids = [pk for head in heads for (pk,) in head]
    cards = (
        Integration.objects.filter(pk__in=ids)
        .select_related("partner", "standing_record")
        .order_by("stage_changed_at", "pk")
    )
    by_stage: dict[str, list[Integration]] = {stage: [] for stage in PIPELINE}
    for card in cards:
        by_stage[card.stage].append(card)
    return [BoardColumn(stage, counts.get(stage, 0), by_stage[stage]) for stage in PIPELINE]


def integrations_in_stage(*, stage: str, category: str = "") -> QuerySet[Integration]:
    """One board column in full (the board's "show all"), longest waiting first."""
    queryset = Integration.objects.filter(stage=stage).select_related("partner", "standing_record")
    if category:
        queryset = queryset.filter(category=category)
    return queryset.order_by("stage_changed_at", "pk")


def directory_integrations(*, search: str = "", category: str = "") -> QuerySet[Integration]:
    """Released and supported integrations, for the public directory, with their active
    badges; not those whose support standing is failing, until it recovers (DESIGN.md §7)."""
    queryset = (
        Integration.objects.filter(stage__in=LISTED)
        .exclude(standing_record__standing=Standing.FAILING)
        .select_related("partner")
        .prefetch_related(active_badges_prefetch())
    )
    if category:
        queryset = queryset.filter(category=category)
    return matching(integrations=queryset, text=search).order_by("name", "pk")


def directory_partner_for(*, slug: str) -> tuple[Partner, QuerySet[Integration]]:
    """A partner's page in the public directory: the partner and its listed integrations, or a
    404 when it has none there (anyone may look: the public's lookup)."""
    partner = Partner.objects.filter(slug=slug).first()
    integrations = directory_integrations().filter(partner=partner)
    if partner is None or not integrations.exists():
        raise Http404("This partner has no listed integrations.")
    return partner, integrations


def hidden_from_directory(*, integration: Integration) -> bool:
    """Listed, but out of the public directory while its support standing is failing (the
    same rule as `directory_integrations`, for one integration)."""
    return (
        integration.is_listed
        and integration_support_standing(integration=integration) == Standing.FAILING
    )


# Moves off the pipeline: final (withdrawn, rejected) or undone only by program staff
# (delisted). Pages ask before them, and for a reason (withdrawing: the page asks for it too).
CONFIRMED_MOVES = {Stage.WITHDRAWN, Stage.REJECTED, Stage.DELISTED}


@dataclass(frozen=True)
class Move:
    """A transition from the integration's current stage, as one user sees it."""

    name: str
    label: str
    target: str
    allowed: bool  # the user's role may make this move
    unmet: list[Unmet]
    needs_reason: bool
    who: str  # whose move it is, in words
    source: str = ""
    # Pages ask before this move (config/confirm.py): off the pipeline, or a submission for
    # review whose evidence did not pass.
    confirm: bool = False
    # A partner's view of a pipeline move only program staff make: "waiting for the program
    # team", not a button they cannot press.
    waits_for_program_team: bool = False

    @property
    def target_label(self) -> str:
        return Stage(self.target).label

    @property
    def ready(self) -> bool:
        return self.allowed and not self.unmet

    @property
    def hint(self) -> str:
        return f"(to {self.target_label})"

    @property
    def asks_reason(self) -> bool:
        """The page asks for a reason: the guard needs one (reject, delist), or the move is a
        withdrawal (final: the partner and the program keep the reason in the history)."""
        return self.needs_reason or self.target == Stage.WITHDRAWN

    @property
    def shown(self) -> bool:
        """Is the move shown at all? What the user can do, and for a partner the pipeline
        moves that wait on the program team; never a control the role cannot use."""
        return self.allowed or self.waits_for_program_team


def integration_moves(
    *, integration: Integration, user: User | None, facts: PipelineFacts | None = None
) -> list[Move]:
    """Every move out of the current stage with whether `user` may make it and what blocks it."""
    facts = facts or facts_of(integration)
    moves = [
        _move(integration, facts, fsm_transition, user)
        for fsm_transition in integration.get_available_stage_transitions()
    ]
    return sorted(moves, key=_move_order)


def integration_move(
    *, integration: Integration, facts: PipelineFacts, user: User | None, to: str
) -> Move | None:
    """The move of `integration` to stage `to`, as `user` sees it; None when the state machine
    has no such move from the current stage."""
    return next(
        (
            _move(integration, facts, fsm_transition, user)
            for fsm_transition in integration.get_available_stage_transitions()
            if fsm_transition.target == to
        ),
        None,
    )


def _move(integration: Integration, facts: PipelineFacts, fsm_transition, user) -> Move:
    guard = guards.guard_for(integration.stage, fsm_transition.target)
    allowed = fsm_transition.has_perm(integration, user)
    target = fsm_transition.target
    unmet = [u for u in guard(integration, facts, "") if u.code != "reason_required"]
    return Move(
        name=fsm_transition.name,
        label=fsm_transition.custom.get("label", fsm_transition.name),
        target=target,
        allowed=allowed,
        unmet=unmet,
        needs_reason=guard is guards.reason_required,
        who=fsm_transition.custom.get("who", "program staff"),
        source=integration.stage,
        confirm=allowed
        and (
            target in CONFIRMED_MOVES
            or (target == Stage.REVIEW and not unmet and not facts.evidence_passed)
        ),
        waits_for_program_team=not allowed
        and target in PIPELINE
        and user is not None
        and not is_program_staff(user),
    )


def move_consequences(
    *,
    integration: Integration,
    facts: PipelineFacts,
    move: Move,
    user: User,
    board: bool = False,
) -> list[str]:
    """What a move will do, in plain sentences, for its confirmation: the first sentence says
    what happens, the others what follows from it."""
    name, source, target = integration.name, Stage(move.source).label, move.target_label
    if move.target == Stage.WITHDRAWN:
        lines = [
            f"“{name}” will be withdrawn from the program. This is final: nobody, not even "
            "the program team, can bring it back; a new intake would start over."
        ]
    elif move.target == Stage.REJECTED:
        lines = [
            f"“{name}” will be rejected. This is final: it leaves the pipeline for good, and "
            "the partner reads your reason."
        ]
    elif move.target == Stage.DELISTED:
        lines = [
            f"“{name}” will be delisted: it leaves the public directory at once, and only "
            "program staff can list it again."
        ]
    elif move.target == Stage.REVIEW and not facts.evidence_passed:
        status = facts.evidence_run_status
        lines = [
            f"“{name}” will be submitted for review although its evidence target's latest "
            f"verification run {'did not pass (' + status + ')' if status else 'has not finished'}"
            ". The program team will review it as it is; only they can send it back to "
            "development."
        ]
    else:
        lines = [f"“{name}” will move from {source} to {target}."]
    if integration.stage in LISTED and move.target not in LISTED:
        lines.append("Its badges are suspended while it is not listed.")
    lines.append("The partner's people are told by e-mail.")
    if board:
        back = reverse_transition(source=move.target, target=move.source)
        if back is not None and back.has_perm(integration, user):
            lines.append("You can undo it for a few seconds afterwards.")
        else:
            lines.append(f"It cannot be undone: your role has no move back to {source}.")
    return lines


@dataclass(frozen=True)
class DecisionPreview:
    """What deciding a review round will do, for its confirmation: `lines` in plain sentences
    (the first says what happens), and why it cannot happen now (`blocked`)."""

    title: str
    lines: list[str]
    blocked: list[str]


def review_decision_preview(
    *, review_round: ReviewRound, decision: str, user: User
) -> DecisionPreview:
    """Approving or requesting changes, as reviews.rounds.round_close and
    pipeline.services.review_decide will do it: the same rule on blocking feedback, and for
    changes requested the consequences of the move back to Develop & test."""
    integration = review_round.integration
    name = integration.name
    if not review_round.is_open:
        return DecisionPreview(
            f"Decide the review of “{name}”",
            [f"This review round of “{name}” is already decided."],
            ["There is nothing left to decide in it."],
        )
    facts = facts_of(integration)
    if decision == ReviewRound.Status.APPROVED:
        lines = [
            f"The review of “{name}” will be closed as approved. It stays in Review until the "
            "program team moves it to Release.",
            "The partner's people are told by e-mail, with your summary.",
        ]
        blocked = [unmet.message for unmet in blocking_feedback_unmet(facts.open_blocking)]
        return DecisionPreview(f"Approve “{name}”?", lines, blocked)
    lines = [
        f"The review of “{name}” will be closed with changes requested, and it moves back to "
        f"{Stage.DEVELOP.label}. Your summary goes to the partner with the move."
    ]
    move = integration_move(integration=integration, facts=facts, user=user, to=Stage.DEVELOP)
    if move is None:
        blocked = [
            f"“{name}” is in {integration.get_stage_display()}: only an integration in Review "
            f"goes back to {Stage.DEVELOP.label}."
        ]
        return DecisionPreview(f"Request changes to “{name}”?", lines, blocked)
    _happens, *follows = move_consequences(
        integration=integration, facts=facts, move=move, user=user
    )
    blocked = [unmet.message for unmet in move.unmet]
    return DecisionPreview(f"Request changes to “{name}”?", lines + follows, blocked)


def reverse_transition(*, source: str, target: str) -> Transition | None:
    """The state machine's transition from `source` to `target`, if it has one (no query)."""
    field = Integration._meta.get_field("stage")
    return next(
        (
            t
            for t in field.get_all_transitions(Integration)
            if t.source == source and t.target == target
        ),
        None,
    )


@dataclass(frozen=True)
class UndoOffer:
    """Whether the person who made a stage move may still undo it: `refusal` says why not
    (the few seconds passed, it moved since, the state machine has no way back for their role,
    the way back's guard is unmet), else it is "" and `note` goes in the history."""

    row: StageTransition
    until: datetime
    refusal: str
    note: str

    @property
    def possible(self) -> bool:
        return not self.refusal


def undo_offer(
    *, row: StageTransition | None, user: User | None, now: datetime | None = None
) -> UndoOffer | None:
    """The undo of the stage move `row` for `user`: None when it is not theirs to undo (not a
    stage move, or made by someone else). The move back is a real move through
    `integration_transition`, so its role and guard apply (the note satisfies a guard that
    wants a reason)."""
    if row is None or not row.is_stage or not row.from_stage or user is None:
        return None
    if row.actor_id is None or row.actor_id != user.pk:
        return None
    now = now or timezone.now()
    until = row.at + timedelta(seconds=settings.VIP_UNDO_SECONDS)
    integration = row.integration
    moved, back = Stage(row.to_stage).label, Stage(row.from_stage).label
    note = f"Undoes the move to {moved}."
    latest = (
        integration.history.filter(field=STAGE_FIELD).order_by("-at", "-pk").values_list("pk")[:1]
    )
    if now > until:
        refusal = "The few seconds to undo this move have passed."
    elif integration.stage != row.to_stage or [row.pk] != [pk for (pk,) in latest]:
        refusal = "It has moved again since."
    else:
        way_back = reverse_transition(source=row.to_stage, target=row.from_stage)
        if way_back is None:
            refusal = f"This move cannot be undone: there is no move back from {moved} to {back}."
        elif not way_back.has_perm(integration, user):
            refusal = (
                "This move cannot be undone: only "
                f"{way_back.custom.get('who', 'program staff')} can move it back to {back}."
            )
        else:
            unmet = guards.guard_for(row.to_stage, row.from_stage)(
                integration, facts_of(integration), note
            )
            refusal = (
                f"This move cannot be undone yet: moving back to {back} needs "
                + " ".join(u.message for u in unmet)
                if unmet
                else ""
            )
    return UndoOffer(row=row, until=until, refusal=refusal, note=note)


def _move_order(move: Move) -> tuple[int, int]:
    """Forward along the pipeline first, then back, then off the pipeline."""
    if move.target in PIPELINE:
        return (0, -PIPELINE.index(move.target))
    return (1, 0)


def integration_next_step(
    *, integration: Integration, user: User | None, facts: PipelineFacts
) -> Move | None:
    """The move forward along the pipeline from the current stage, if there is one (only its
    guard is evaluated)."""
    stages = list(PIPELINE)
    if integration.stage not in stages or integration.stage == Stage.SUPPORT:
        return None
    following = stages[stages.index(integration.stage) + 1]
    return next(
        (
            _move(integration, facts, fsm_transition, user)
            for fsm_transition in integration.get_available_stage_transitions()
            if fsm_transition.target == following
        ),
        None,
    )


def dashboard_integrations(*, user: User, search: str = "") -> QuerySet[Integration]:
    """The dashboard: a partner's integrations, or those assigned to a staff member; most
    recently moved first; `search` matches the name, the summary or the partner's name."""
    integrations = integrations_visible_to(user=user)
    if is_program_staff(user):
        integrations = integrations.filter(assignee=user)
    return matching(integrations=integrations, text=search).order_by("-stage_changed_at", "-pk")
