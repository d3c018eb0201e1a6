"""Reads about partners and integrations: who sees what, overlaps, names taken."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Floor
from django.http import Http404

from accounts.access import may_act_for, may_manage, visible_through_partner
from accounts.models import User
from accounts.roles import is_program_staff
from config.db import SecondsBetween
from integrations.models import (
    LISTED,
    REVIEWED_STAGES,
    STAGE_FIELD,
    Integration,
    IntegrationOverlap,
    Partner,
    Stage,
    StageTransition,
)
from integrations.overlap import find_overlaps


def partners_for_user(*, user: User | AnonymousUser) -> QuerySet[Partner]:
    if is_program_staff(user):
        return Partner.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Partner.objects.none()
    return Partner.objects.filter(memberships__user=user)


def integrations_visible_to(*, user: User | AnonymousUser) -> QuerySet[Integration]:
    """Staff see every integration; partner users only their partners'; others nothing."""
    queryset = Integration.objects.select_related("partner", "assignee", "standing_record")
    return visible_through_partner(queryset, user)


def days_between(*, start: Combinable, end: Combinable) -> Cast:
    """Whole days from `start` to `end` (database expressions): the one rule for "days in
    stage". The integrations list, its CSV export and the program metrics all count with it;
    `Integration.days_in_stage` is the same rule for one object already in memory."""
    return Cast(
        Floor(SecondsBetween(start, end) / Value(86_400.0, output_field=FloatField())),
        IntegerField(),
    )


def integration_for(*, user: User, pk: int) -> tuple[Integration, bool]:
    """The integration `user` may see (else 404) and whether they may change it: whoever sees
    an integration may edit its intake answers (its partner's people and program staff); what
    each role may do beyond that, the services decide."""
    integration = integrations_visible_to(user=user).filter(pk=pk).first()
    if integration is None:
        raise Http404("No such integration.")
    return integration, may_act_for(user, integration.partner)


def partner_for(*, user: User, slug: str) -> tuple[Partner, bool]:
    """The partner `user` belongs to (staff: any; else 404) and whether they may change it."""
    partner = partners_for_user(user=user).filter(slug=slug).first()
    if partner is None:
        raise Http404("No such partner.")
    may_write = may_manage(user, partner)
    return partner, may_write


def reached_review(*, stage: str, ever_in_review: bool) -> bool:
    """Is the integration in review or past it, or was it ever in review? From then on only
    program staff change what the review verified (its `REVIEWED_FIELDS` and its evidence
    target)."""
    return stage in REVIEWED_STAGES or ever_in_review


def _review_moves(integration):
    """The history's moves into review (`integration` may be an OuterRef)."""
    return StageTransition.objects.filter(
        integration=integration, field=STAGE_FIELD, to_stage=Stage.REVIEW
    )


def integration_reached_review(*, integration: Integration) -> bool:
    return (
        reached_review(stage=integration.stage, ever_in_review=False)
        or _review_moves(integration).exists()
    )


def integration_facts(*, integration: OuterRef) -> dict:
    """What the pipeline asks of an integration's own records, as database expressions of
    `integration` (an `OuterRef("pk")`): whether it was ever in review (for `reached_review`)
    and whether similar existing integrations were found."""
    return {
        "ever_in_review": Exists(_review_moves(integration)),
        "has_overlaps": Exists(IntegrationOverlap.objects.filter(integration=integration)),
    }


def matching(*, integrations: QuerySet[Integration], text: str) -> QuerySet[Integration]:
    """`integrations` whose name, summary or partner's name contains `text` (any case): what
    every integration list's search box means. All of them when `text` is blank."""
    text = text.strip()
    if not text:
        return integrations
    return integrations.filter(
        Q(name__icontains=text) | Q(summary__icontains=text) | Q(partner__name__icontains=text)
    )


@dataclass(frozen=True)
class OverlapView:
    """An overlap a viewer may see by name: any for program staff; for partners, released work
    and their own partners' work."""

    id: int
    name: str
    partner: str
    stage: str
    score: float


@dataclass(frozen=True)
class Overlaps:
    """What one viewer sees of an integration's overlaps: the ones they may see by name, and
    how many others are some other partner's unreleased work (a count, nothing more: no name,
    no partner, no score, so the intake tells nobody what others are building)."""

    shown: list[OverlapView]
    unreleased: int

    def __bool__(self) -> bool:
        return bool(self.shown) or self.unreleased > 0


def overlaps_for_viewer(*, integration: Integration, user: User) -> Overlaps:
    """The overlaps found at intake (or staff's last re-check), as `user` may see them."""
    return overlaps_seen_by(
        user=user,
        found=[
            (overlap.similar, overlap.score)
            for overlap in integration.overlaps.select_related("similar__partner")
        ],
    )


def overlaps_seen_by(*, user: User, found: list[tuple[Integration, float]]) -> Overlaps:
    """The one rule for what a viewer sees of similar work: program staff everything; a partner
    user released work and their own partners' work by name, and of other partners'
    unreleased work only how much there is."""
    staff = is_program_staff(user)
    own_partner_ids = (
        set() if staff else set(partners_for_user(user=user).values_list("pk", flat=True))
    )
    shown, unreleased = [], 0
    for similar, score in found:
        if staff or similar.stage in LISTED or similar.partner_id in own_partner_ids:
            shown.append(
                OverlapView(
                    id=similar.pk,
                    name=similar.name,
                    partner=similar.partner.name,
                    stage=similar.stage,
                    score=score,
                )
            )
        else:
            unreleased += 1
    return Overlaps(shown=shown, unreleased=unreleased)


def similar_work_for_viewer(
    *, user: User, name: str, category: str, description: str, partner: Partner
) -> Overlaps:
    """The intake's live hint: what `find_overlaps` finds for an intake not saved yet (the
    same scoring as the saved intake), as `user` may see it. `partner` may be unsaved (a new
    organisation typed into the form): its name still counts as the partner's own word."""
    draft = Integration(partner=partner, name=name, category=category, description=description)
    matches = find_overlaps(draft)
    found = Integration.objects.select_related("partner").in_bulk([match.id for match in matches])
    return overlaps_seen_by(
        user=user, found=[(found[match.id], match.score) for match in matches if match.id in found]
    )


def integration_named(
    *, partner: Partner, name: str, exclude: Integration | None = None
) -> Integration | None:
    """The partner's integration with this name (letter case and surrounding spaces aside),
    if any: a second one is refused (integrations.services). Withdrawn and rejected work is
    over, so its name may be used again."""
    same = Integration.objects.filter(partner=partner, name__iexact=name.strip()).exclude(
        stage__in=[Stage.WITHDRAWN, Stage.REJECTED]
    )
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    return same.order_by("pk").first()
