"""Writes with rules for support: opening and updating issues (every change that moves the
clock reschedules it), comments, and partners' calendars."""

from datetime import date
from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.access import is_member, may_act_for, may_manage, partner_emails
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
EDITABLE = {"title", "description", "severity", "status", "assignee"}
_NOT_A_MEMBER = object()


def _check_member_or_staff(user, integration: Integration) -> None:
    if not may_act_for(user, integration.partner):
        raise DomainError.forbidden(
            "Only the integration's partner and program staff can.", code="not_member"
        )


def _people(issue: SupportIssue) -> list[str]:
    people = partner_emails(issue.integration.partner)
    return [*people, *([issue.assignee.email] if issue.assignee else [])]


def issue_open(*, integration: Integration, actor, data: dict) -> SupportIssue:
    """Open a support issue on a released, supported or delisted integration; its clock
    starts now."""
    _check_member_or_staff(actor, integration)
    if integration.stage not in SUPPORTED_STAGES:
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
    now = timezone.now()
    calendar = clocks.calendar_of(integration.partner)
    with transaction.atomic():
        issue = SupportIssue(
            integration=integration,
            title=title,
            description=description.strip(),
            severity=severity,
            reporter=actor,
            opened_at=now,
            clock_started_at=now,
        )
        clocks.reschedule(issue, calendar, recorded=set())
        issue.save()
        notify(
            "support_issue_opened",
            to=_people(issue),
            context={"issue": issue},
            key=f"issue:{issue.pk}",
            link=reverse("support_issue", args=[issue.pk]),
        )
    return issue


def issue_update(*, issue: SupportIssue, actor, data: dict) -> SupportIssue:
    """Change an issue's fields. A status or severity change moves the clock: waiting on the
    reporter pauses it, leaving that status resumes it (the pause extends the budget),
    resolving stops it, reopening starts a new cycle, a new severity changes the budget.
    Recorded warnings and breaches are never rewritten."""
    _check_member_or_staff(actor, issue.integration)
    unknown = set(data) - EDITABLE
    if unknown:
        raise DomainError.invalid(f"Unknown fields: {', '.join(sorted(unknown))}.")
    now = timezone.now()
    calendar = clocks.calendar_of(issue.integration.partner)
    with transaction.atomic():
        locked = (
            SupportIssue.objects.select_for_update(of=("self",))
            .select_related("integration__partner", "assignee")
            .get(pk=issue.pk)
        )
        if "status" in data and data["status"] != locked.status:
            _change_status(locked, data["status"], now, calendar)
        if "severity" in data:
            if data["severity"] not in Severity.values:
                raise DomainError.invalid(
                    "Unknown severity.", errors={"severity": ["Choose critical or normal."]}
                )
            downgrade = (locked.severity, data["severity"]) == (Severity.CRITICAL, Severity.NORMAL)
            if downgrade and not is_program_staff(actor):
                raise DomainError.forbidden(
                    "Only program staff can make a critical issue normal.", code="staff_only"
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
        clocks.reschedule(locked, calendar)
        locked.save()
        transaction.on_commit(partial(_refresh_standing, locked.integration_id))
    return locked


def _change_status(issue: SupportIssue, status: str, now, calendar) -> None:
    if status not in IssueStatus.values:
        raise DomainError.invalid("Unknown status.", errors={"status": ["Unknown status."]})
    if status not in NEXT_STATUSES[issue.status]:
        raise DomainError(
            f"An issue that is {IssueStatus(issue.status).label.lower()} cannot become "
            f"{IssueStatus(status).label.lower()}.",
            code="invalid_status_change",
        )
    if issue.status == IssueStatus.WAITING_ON_REPORTER:
        clocks.resume(issue, now, calendar)
    if status == IssueStatus.WAITING_ON_REPORTER:
        clocks.pause(issue, now)
    if status == IssueStatus.RESOLVED:
        issue.resolved_at = now
    if status == IssueStatus.CLOSED:
        issue.closed_at = now
    if status == IssueStatus.OPEN and issue.status in (IssueStatus.RESOLVED, IssueStatus.CLOSED):
        clocks.restart(issue, now)
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


def issue_comment(*, issue: SupportIssue, actor, body: str) -> IssueComment:
    _check_member_or_staff(actor, issue.integration)
    body = (body or "").strip()
    if not body or len(body) > 20_000:
        raise DomainError.invalid(
            "Write a comment (20,000 characters at most).", errors={"body": ["Required."]}
        )
    return IssueComment.objects.create(issue=issue, author=actor, body=body)


def calendar_update(*, partner, actor, working_days: list[int], closures: list[date]) -> None:
    """A partner owner (or staff) edits the working week and closure dates; running clocks of
    the partner's issues are recomputed in the background (recorded events stay)."""
    if not may_manage(actor, partner):
        raise DomainError.forbidden("Only an owner of this partner can change its calendar.")
    days = sorted({int(day) for day in working_days})
    if not days or any(day not in range(7) for day in days):
        raise DomainError.invalid(
            "Choose at least one working day.", errors={"working_days": ["Required."]}
        )
    with transaction.atomic():
        calendar, _ = BusinessCalendar.objects.get_or_create(partner=partner)
        calendar.working_days = days
        calendar.closures = sorted({day.isoformat() for day in closures})
        calendar.save()
        transaction.on_commit(partial(_recompute_later, partner.pk))


def _recompute_later(partner_id: int) -> None:
    from support_sla.tasks import recompute_partner_clocks

    recompute_partner_clocks.delay(partner_id)


def partner_clocks_recompute(*, partner_id: int) -> int:
    """Reschedule the open and paused issues of a partner after its calendar changed."""
    from integrations.models import Partner

    partner = Partner.objects.get(pk=partner_id)
    calendar = clocks.calendar_of(partner)
    count = 0
    for issue_id in SupportIssue.objects.filter(
        integration__partner=partner,
        status__in=[IssueStatus.OPEN, IssueStatus.ACKNOWLEDGED, IssueStatus.WAITING_ON_REPORTER],
    ).values_list("pk", flat=True):
        with transaction.atomic():
            issue = SupportIssue.objects.select_for_update().get(pk=issue_id)
            clocks.reschedule(issue, calendar)
            issue.save(update_fields=["warn_at", "due_at", "escalate_at", "next_action_at"])
        count += 1
    return count
