"""Reads about support: standing, breaches, the issues a user may see, SLA compliance."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import may_act_for, visible_through_partner
from accounts.models import User
from integrations.models import Integration, Partner
from support_sla.clocks import (
    REOPEN_WINDOW,
    clock_of,
    duration_words,
    open_critical_breaches,
    pause_allowance,
    paused_so_far,
)
from support_sla.models import (
    RUNNING,
    BusinessCalendar,
    IssueStatus,
    Severity,
    SlaEvent,
    Standing,
    StandingRecord,
    SupportIssue,
)


def partner_calendar(*, partner: Partner) -> BusinessCalendar:
    """The partner's stored support calendar (Monday to Friday without closures when none
    was stored); lists load it with `select_related("calendar")`."""
    try:
        return partner.calendar
    except BusinessCalendar.DoesNotExist:
        return BusinessCalendar(partner=partner)


def integration_support_standing(*, integration: Integration) -> str:
    """The integration's support standing (DESIGN.md §7) as last recorded by the sweep and by
    every change of its issues (support_sla.standing keeps it current). Lists load it with
    `select_related("standing_record")`."""
    try:
        return integration.standing_record.standing
    except StandingRecord.DoesNotExist:
        return Standing.GOOD


def integration_has_open_breached_critical(*, integration: Integration) -> bool:
    """Is a critical support issue of this integration breached and still open
    (clocks.Clock.breached_critical_open)?"""
    return open_critical_breaches(SlaEvent.objects.filter(issue__integration=integration)).exists()


def _event_in_cycle(kind: str, **more):
    return Exists(
        SlaEvent.objects.filter(issue=OuterRef("pk"), cycle=OuterRef("cycle"), kind=kind, **more)
    )


def issues_with_sla() -> QuerySet[SupportIssue]:
    """Issues annotated with whether this cycle was warned, breached (on a critical clock) or
    escalated, what their clocks read (clocks.recorded_of; for lists: no query per row)."""
    return SupportIssue.objects.select_related(
        "integration__partner", "reporter", "assignee"
    ).annotate(
        was_warned=_event_in_cycle(SlaEvent.Kind.WARNING),
        was_breached=_event_in_cycle(SlaEvent.Kind.BREACH),
        was_escalated=_event_in_cycle(SlaEvent.Kind.ESCALATION),
        was_breached_critical=_event_in_cycle(SlaEvent.Kind.BREACH, severity=Severity.CRITICAL),
    )


def filter_breached(
    *, issues: QuerySet[SupportIssue], breached: bool, now: datetime | None = None
) -> QuerySet[SupportIssue]:
    """Issues whose current cycle is breached (recorded, or running past its due time; the
    same rule as clocks.Clock.breached), or not. `issues` comes from issues_with_sla()."""
    now = now or timezone.now()
    condition = Q(was_breached=True) | Q(status__in=RUNNING, due_at__lte=now)
    return issues.filter(condition) if breached else issues.exclude(condition)


def issues_visible_to(*, user: User) -> QuerySet[SupportIssue]:
    return visible_through_partner(issues_with_sla(), user, "integration__partner")


def search_issues(*, issues: QuerySet[SupportIssue], text: str) -> QuerySet[SupportIssue]:
    """Issues whose title, integration or partner name contains `text`."""
    return issues.filter(
        Q(title__icontains=text)
        | Q(integration__name__icontains=text)
        | Q(integration__partner__name__icontains=text)
    )


def issue_for(*, user: User, pk: int) -> tuple[SupportIssue, bool]:
    """A support issue `user` may see (else 404), and whether they may act on it (comment,
    change it: the integration's people and program staff; which change, the services
    decide)."""
    issue = issues_visible_to(user=user).filter(pk=pk).first()
    if issue is None:
        raise Http404("No such support issue.")
    return issue, may_act_for(user, issue.integration.partner)


def sla_compliance(*, since: datetime | None = None, partner: Partner | None = None) -> dict:
    """met / (met + breached) over the last 90 days, overall and per severity: a clock cycle
    is breached if its breach was recorded in the window, met if it was resolved in the window
    without one."""
    since = since or timezone.now() - timedelta(days=settings.VIP_SLA_STANDING_DAYS)
    issues = SupportIssue.objects.all()
    if partner is not None:
        issues = issues.filter(integration__partner=partner)
    breached = SlaEvent.objects.filter(kind=SlaEvent.Kind.BREACH, at__gte=since, issue__in=issues)
    met = issues.filter(resolved_at__gte=since).exclude(
        Exists(
            SlaEvent.objects.filter(
                issue=OuterRef("pk"), cycle=OuterRef("cycle"), kind=SlaEvent.Kind.BREACH
            )
        )
    )
    result = {}
    for severity in [None, *Severity.values]:
        key = severity or "overall"
        met_count = (met.filter(severity=severity) if severity else met).count()
        breached_count = (breached.filter(severity=severity) if severity else breached).count()
        total = met_count + breached_count
        result[key] = {
            "met": met_count,
            "breached": breached_count,
            "compliance": round(met_count / total, 4) if total else None,
        }
    return result


@dataclass(frozen=True)
class PartnerBreaches:
    slug: str
    name: str
    breaches: int


def breaches_by_partner(*, limit: int = 10, since: datetime | None = None) -> list[PartnerBreaches]:
    """The `limit` partners with the most SLA breaches recorded since `since` (default: the
    standing window, 90 days), most first; one query."""
    since = since or timezone.now() - timedelta(days=settings.VIP_SLA_STANDING_DAYS)
    rows = (
        SlaEvent.objects.filter(kind=SlaEvent.Kind.BREACH, at__gte=since)
        .values(
            slug=F("issue__integration__partner__slug"),
            name=F("issue__integration__partner__name"),
        )
        .annotate(breaches=Count("pk"))
        .order_by("-breaches", "name")[:limit]
    )
    return [PartnerBreaches(**row) for row in rows]


def with_clock(
    *, issues: Iterable[SupportIssue], now: datetime | None = None
) -> list[SupportIssue]:
    """The issues, each with its SLA clock at `now` as `issue.clock` (clocks.Clock, for
    pages)."""
    now = now or timezone.now()
    issues = list(issues)
    for issue in issues:
        issue.clock = clock_of(issue, now)
    return issues


@dataclass(frozen=True)
class PauseUse:
    """How much of its pause allowance an issue's cycle used, in words (when an ongoing
    pause runs out is `Clock.pause_ends_at`)."""

    used: str
    allowed: str


def pause_of(*, issue: SupportIssue) -> PauseUse:
    used, allowed = min(paused_so_far(issue), pause_allowance(issue)), pause_allowance(issue)
    if issue.severity == Severity.CRITICAL:
        words = duration_words(used), duration_words(allowed)
    else:
        words = f"{round(used, 2):g} business days", f"{round(allowed, 2):g} business days"
    return PauseUse(used=words[0] if used else "nothing", allowed=words[1])


def status_change_consequences(
    *, issue: SupportIssue, status: str, now: datetime | None = None
) -> list[str]:
    """What changing `issue`'s status to `status` does to it and its SLA clock, in sentences,
    for the change's confirmation (the rules are support_sla.services' and clocks')."""
    title = issue.title
    if status == IssueStatus.WAITING_ON_REPORTER:
        pause = pause_of(issue=issue)
        return [
            f"The SLA clock of “{title}” pauses while the reporter answers your question.",
            "It runs again when the reporter or program staff comment, or by itself when the "
            f"pauses of this cycle reach the allowance ({pause.used} used of {pause.allowed}).",
        ]
    if status == IssueStatus.RESOLVED:
        return [
            f"“{title}” will be resolved: its SLA clock stops.",
            f"Reopened within {REOPEN_WINDOW.days} days, it continues the same clock (its due "
            "time, and a breach stays a breach); later, a new clock starts.",
        ]
    if status == IssueStatus.CLOSED:
        return [f"“{title}” will be closed: nothing more is expected on it. It can be reopened."]
    if status == IssueStatus.ACKNOWLEDGED:
        if issue.status == IssueStatus.WAITING_ON_REPORTER:
            return [f"“{title}” will be acknowledged: its SLA clock runs again."]
        return [f"“{title}” will be acknowledged: its SLA clock keeps running."]
    if status == IssueStatus.OPEN and issue.is_stopped:
        now = now or timezone.now()
        resolved_at = issue.resolved_at or issue.closed_at
        if resolved_at is not None and now - resolved_at <= REOPEN_WINDOW:
            return [
                f"“{title}” will be reopened: its SLA clock continues where it stopped, with "
                "the same due time."
            ]
        return [f"“{title}” will be reopened: a new SLA clock starts now."]
    if status == IssueStatus.OPEN:
        return [f"“{title}” will be open again: its SLA clock runs again."]
    return [f"“{title}” will be {IssueStatus(status).label.lower()}."]
