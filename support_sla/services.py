"""Writes with rules for support: opening and updating issues (every change that moves the
clock first catches it up to now, then reschedules it), comments, and partners' calendars.

What the measured partner cannot do to its clock (DESIGN.md §7, "Integrity"): pause without
a comment to the reporter, pause an issue staff opened, pause for more than the allowance,
end a breach by resolving and reopening, or move a running clock by editing its calendar."""

from collections import Counter
from datetime import date, datetime
from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import is_member, may_act_for, may_manage, partner_emails, require
from accounts.models import User
from accounts.notifications import notify
from accounts.roles import is_program_staff
from config.errors import DomainError
from integrations.models import Integration, Stage
from support_sla import clocks
from support_sla.models import (
    BusinessCalendar,
    IssueComment,
    IssueStatus,
    Severity,
    SupportIssue,
)
from support_sla.standing import standing_refresh
from support_sla.sweep import catch_up

SUPPORTED_STAGES = [Stage.RELEASE, Stage.SUPPORT, Stage.DELISTED]
# status → the statuses it may change to (reopening starts a new clock cycle).
NEXT_STATUSES = {
    IssueStatus.OPEN: {
        IssueStatus.ACKNOWLEDGED,
        IssueStatus.WAITING_ON_REPORTER,
        IssueStatus.RESOLVED,
    },
    IssueStatus.ACKNOWLEDGED: {IssueStatus.WAITING_ON_REPORTER, IssueStatus.RESOLVED},
    IssueStatus.WAITING_ON_REPORTER: {
        IssueStatus.OPEN,
        IssueStatus.ACKNOWLEDGED,
        IssueStatus.RESOLVED,
    },
    IssueStatus.RESOLVED: {IssueStatus.CLOSED, IssueStatus.OPEN},
    IssueStatus.CLOSED: {IssueStatus.OPEN},
}
EDITABLE = {"title", "description", "severity", "status", "assignee", "comment"}
MIN_WORKING_DAYS = 5  # a calendar keeps at least 5 working days a week
MAX_CLOSURES_A_YEAR = 10  # and at most 10 closure days in any calendar year
_NOT_A_MEMBER = object()


def _check_member_or_staff(user, integration: Integration) -> None:
    require(
        may_act_for(user, integration.partner),
        "Only the integration's partner and program staff can.",
        code="not_member",
    )


def _people(issue: SupportIssue) -> list[str]:
    people = partner_emails(issue.integration.partner)
    return [*people, *([issue.assignee.email] if issue.assignee else [])]


def may_open_issue(integration: Integration) -> bool:
    """Support issues are opened on released, supported or delisted integrations (pages show
    the form only then)."""
    return integration.stage in SUPPORTED_STAGES


def severity_choices(*, issue: SupportIssue, actor) -> list[str]:
    """The severities `actor` may give `issue` besides its own: only program staff make a
    critical issue normal (pages show the severity control only when there is a choice)."""
    return [
        severity
        for severity in Severity.values
        if severity != issue.severity
        and not (
            (issue.severity, severity) == (Severity.CRITICAL, Severity.NORMAL)
            and not is_program_staff(actor)
        )
    ]


def issue_open(
    *, integration: Integration, actor, data: dict, now: datetime | None = None
) -> SupportIssue:
    """Open a support issue on a released, supported or delisted integration; its clock
    starts now (`now`: the demo data's past)."""
    _check_member_or_staff(actor, integration)
    if not may_open_issue(integration):
        raise DomainError(
            "Support issues are opened on released, supported or delisted integrations.",
            code="not_supported_stage",
        )
    title, description = (data.get("title") or "").strip(), (data.get("description") or "")
    severity = data.get("severity")
    errors = {}
    if not title or len(title) > 200:
        errors["title"] = ["Give the issue a title (200 characters at most)."]
    if severity not in Severity.values:
        errors["severity"] = [f"Choose one of: {', '.join(Severity.values)}."]
    if not description.strip() or len(description) > 20_000:
        errors["description"] = ["Describe the issue (20,000 characters at most)."]
    if errors:
        raise DomainError.invalid("The issue has invalid fields.", errors=errors)
    now = now or timezone.now()
    calendar = clocks.calendar_of(integration.partner)
    with transaction.atomic():
        issue = SupportIssue(
            integration=integration,
            title=title,
            description=description.strip(),
            severity=severity,
            reporter=actor,
            opened_by_staff=is_program_staff(actor),
            opened_at=now,
        )
        clocks.start_clock(issue, now, calendar)
        clocks.reschedule(issue, calendar, recorded=set())
        issue.save()
        notify(
            "support_issue_opened",
            to=_people(issue),
            context={"issue": issue},
            key=f"issue:{issue.pk}",
            link=reverse("support_issue", args=[issue.pk]),
            actor=actor,
        )
    return issue


def issue_update(
    *, issue: SupportIssue, actor, data: dict, now: datetime | None = None
) -> SupportIssue:
    """Change an issue's fields, optionally with a `comment`. A status or severity change
    moves the clock: waiting on the reporter pauses it (with a comment to the reporter; only
    staff pause an issue staff opened; at most the allowance per cycle), leaving that status
    resumes it (the pause extends the budget), resolving stops it, reopening continues the
    cycle within 14 days of the resolution and starts a new one after, a new severity changes
    the budget. Whatever was due before the change is recorded first: recorded warnings and
    breaches are never rewritten."""
    _check_member_or_staff(actor, issue.integration)
    unknown = set(data) - EDITABLE
    if unknown:
        raise DomainError.invalid(f"Unknown fields: {', '.join(sorted(unknown))}.")
    comment = _comment_text(data.get("comment"))
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            SupportIssue.objects.select_for_update(of=("self",))
            .select_related("integration__partner", "integration__assignee", "assignee")
            .get(pk=issue.pk)
        )
        catch_up(locked, now)
        pausing = False
        if "status" in data and data["status"] != locked.status:
            pausing = data["status"] == IssueStatus.WAITING_ON_REPORTER
            _change_status(locked, data["status"], now, actor=actor, comment=comment)
        if "severity" in data:
            if data["severity"] not in Severity.values:
                raise DomainError.invalid(
                    "Unknown severity.", errors={"severity": ["Choose critical or normal."]}
                )
            changed = data["severity"] != locked.severity
            require(
                not changed or data["severity"] in severity_choices(issue=locked, actor=actor),
                "Only program staff can make a critical issue normal.",
                code="staff_only",
            )
            locked.severity = data["severity"]
        for field in ("title", "description"):
            if field in data:
                value = (data[field] or "").strip()
                if not value:
                    raise DomainError.invalid(
                        f"The {field} cannot be empty.", errors={field: ["Required."]}
                    )
                setattr(locked, field, value)
        if "assignee" in data:
            _assign(locked, data["assignee"])
        if comment:
            _comment(locked, actor, comment, now, pausing=pausing)
        clocks.reschedule(locked, clocks.clock_calendar(locked))
        locked.save()
        transaction.on_commit(partial(_refresh_standing, locked.integration_id))
    return locked


def may_pause(*, issue: SupportIssue, actor) -> bool:
    """Only program staff pause an issue that staff opened (pages offer the pause with this)."""
    return not issue.opened_by_staff or is_program_staff(actor)


def _check_pause(issue: SupportIssue, actor, comment: str) -> None:
    require(
        may_pause(issue=issue, actor=actor),
        "Program staff opened this issue: only program staff can wait on its reporter.",
        code="staff_opened_issue",
    )
    if not comment:
        raise DomainError.invalid(
            "Waiting on the reporter needs a comment saying what you need from them.",
            code="pause_needs_comment",
            errors={"comment": ["Say what you need from the reporter."]},
        )
    if clocks.pause_left(issue) <= 0:
        raise DomainError(
            "This SLA cycle was already paused for as long as the program allows; "
            "the clock keeps running.",
            code="pause_limit_reached",
        )


def _change_status(issue: SupportIssue, status: str, now, *, actor, comment: str) -> None:
    if status not in IssueStatus.values:
        raise DomainError.invalid("Unknown status.", errors={"status": ["Unknown status."]})
    if status not in NEXT_STATUSES[issue.status]:
        raise DomainError(
            f"An issue that is {IssueStatus(issue.status).label.lower()} cannot become "
            f"{IssueStatus(status).label.lower()}.",
            code="invalid_status_change",
        )
    if status == IssueStatus.WAITING_ON_REPORTER:
        _check_pause(issue, actor, comment)
    if issue.status == IssueStatus.WAITING_ON_REPORTER:
        clocks.resume(issue, now, clocks.clock_calendar(issue))
    if status == IssueStatus.WAITING_ON_REPORTER:
        clocks.pause(issue, now)
    if status == IssueStatus.RESOLVED:
        issue.resolved_at = now
    if status == IssueStatus.CLOSED:
        issue.closed_at = now
    if status == IssueStatus.OPEN and issue.is_stopped:
        clocks.reopen(issue, now, clocks.calendar_of(issue.integration.partner))
        issue.resolved_at = issue.closed_at = None
    issue.status = status


def _assign(issue: SupportIssue, user) -> None:
    """The assignee is someone on the partner's side (a user, or their e-mail address)."""
    if isinstance(user, str):
        user = (
            User.objects.filter(
                email__iexact=user, memberships__partner=issue.integration.partner
            ).first()
            or _NOT_A_MEMBER
        )
    if user is _NOT_A_MEMBER or (
        user is not None and not is_member(user, issue.integration.partner)
    ):
        raise DomainError.invalid(
            "Assign the issue to someone of the partner.",
            errors={"assignee": ["Not a member of this partner."]},
        )
    issue.assignee = user


def _refresh_standing(integration_id: int) -> None:
    standing_refresh(Integration.objects.get(pk=integration_id))


def _comment_text(body) -> str:
    """The comment sent with an update ("" for none)."""
    body = body.strip() if isinstance(body, str) else ""
    if len(body) > 20_000:
        raise DomainError.invalid(
            "Write a comment (20,000 characters at most).",
            errors={"comment": ["Write a comment (20,000 characters at most)."]},
        )
    return body


def _answers_the_reporter_question(issue: SupportIssue, actor) -> bool:
    """A pause ends when the reporter or program staff answer."""
    return actor.pk == issue.reporter_id or is_program_staff(actor)


def _comment(issue: SupportIssue, actor, body: str, now, *, pausing: bool) -> IssueComment:
    """Add a comment to a locked issue. The comment that pauses the clock asks the reporter;
    any later comment by the reporter or staff answers it and the clock runs again."""
    resumes = not pausing and issue.is_paused and _answers_the_reporter_question(issue, actor)
    if resumes:
        clocks.resume(issue, now, clocks.clock_calendar(issue))
        issue.status = IssueStatus.ACKNOWLEDGED
    clock = IssueComment.Clock.PAUSED if pausing else ""
    return IssueComment.objects.create(
        issue=issue,
        author=actor,
        body=body,
        created_at=now,
        clock=IssueComment.Clock.RESUMED if resumes else clock,
    )


def issue_comment(
    *, issue: SupportIssue, actor, body: str, now: datetime | None = None
) -> IssueComment:
    """Comment on an issue; on a paused one, the reporter's or staff's comment resumes the
    clock."""
    _check_member_or_staff(actor, issue.integration)
    body = (body or "").strip()
    if not body or len(body) > 20_000:
        raise DomainError.invalid(
            "Write a comment (20,000 characters at most).", errors={"body": ["Required."]}
        )
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            SupportIssue.objects.select_for_update(of=("self",))
            .select_related("integration__partner", "integration__assignee", "assignee")
            .get(pk=issue.pk)
        )
        catch_up(locked, now)
        comment = _comment(locked, actor, body, now, pausing=False)
        clocks.reschedule(locked, clocks.clock_calendar(locked))
        locked.save()
    return comment


# --- Calendars ---------------------------------------------------------------------------


def calendar_errors(*, working_days: list[int], closures: list[date]) -> dict[str, list[str]]:
    """What is wrong with a support calendar (field errors; empty when it is valid). The one
    rule every door uses: at least 5 working days a week (Python weekday numbers 0-6), at
    most 10 closure days in any calendar year."""
    errors = {}
    days = set(working_days)
    if not days <= set(range(7)):
        errors["working_days"] = ["Working days are weekdays from Monday to Sunday."]
    elif len(days) < MIN_WORKING_DAYS:
        errors["working_days"] = [f"Keep at least {MIN_WORKING_DAYS} working days a week."]
    per_year = Counter(day.year for day in set(closures))
    crowded = sorted(year for year, count in per_year.items() if count > MAX_CLOSURES_A_YEAR)
    if crowded:
        years = ", ".join(f"{year} has {per_year[year]}" for year in crowded)
        errors["closures"] = [f"At most {MAX_CLOSURES_A_YEAR} closure days a year ({years})."]
    return errors


def calendar_values(*, working_days: list[int], closures: list[date]) -> tuple[list, list]:
    """The calendar as stored (sorted working days, sorted ISO dates), or a 400 with field
    errors."""
    errors = calendar_errors(working_days=working_days, closures=closures)
    if errors:
        raise DomainError.invalid("The support calendar is not allowed.", errors=errors)
    return sorted(set(working_days)), sorted({day.isoformat() for day in closures})


def calendar_update(
    *,
    partner,
    actor,
    working_days: list[int] | None = None,
    closures: list[date] | None = None,
) -> BusinessCalendar:
    """A partner owner (or staff) edits the working week and closure dates (either or both).
    The change applies to clocks that start after it: running clocks keep their calendar."""
    require(may_manage(actor, partner), "Only an owner of this partner can change its calendar.")
    with transaction.atomic():
        calendar, _ = BusinessCalendar.objects.select_for_update().get_or_create(partner=partner)
        if working_days is None:
            working_days = calendar.working_days
        if closures is None:
            closures = [date.fromisoformat(day) for day in calendar.closures]
        calendar.working_days, calendar.closures = calendar_values(
            working_days=working_days, closures=closures
        )
        calendar.save()
    return calendar
