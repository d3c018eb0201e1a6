"""HTML pages for support: the queue, an issue with its clock, opening issues. (The calendar
is edited on the partner page: pipeline.views.calendar_edit.)"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import is_program_staff, require
from config.confirm import Confirmation, confirmation_page, reason_form
from config.errors import DomainError
from config.forms import posted
from config.http import show_domain_error
from config.sorting import position, sort_of, sorted_by
from integrations.models import Stage
from integrations.selectors import integration_for
from support_sla import selectors, services
from support_sla.forms import (
    CommentForm,
    IssueForm,
    PauseForm,
    SeverityForm,
    StatusForm,
)
from support_sla.models import STOPPED, IssueStatus, Severity, Standing, StandingRecord

QUEUE_PAGE = 50
# The support queue's sortable columns (config/sorting.py); by default the least time left first.
QUEUE_SORTS = {
    "issue": ["title", "due_at"],
    "severity": ["severity", "due_at"],
    "status": ["status_position", "due_at"],
    "due": ["due_at"],
}
QUEUE_DEFAULT_SORT = "due"


@login_required
def support_queue(request):
    """Open issues, least time remaining first, with each clock; filters."""
    issues = selectors.issues_visible_to(user=request.user)
    status = request.GET.get("status", "active")
    if status == "active":
        issues = issues.exclude(status__in=STOPPED)
    elif status in IssueStatus.values:
        issues = issues.filter(status=status)
    severity = request.GET.get("severity", "")
    if severity in Severity.values:
        issues = issues.filter(severity=severity)
    partner = request.GET.get("partner", "")
    if partner:
        issues = issues.filter(integration__partner__slug=partner)
    integration = request.GET.get("integration", "")
    if integration.isdecimal() and len(integration) < 19:
        issues = issues.filter(integration_id=int(integration))
    else:
        integration = ""
    search = request.GET.get("q", "").strip()[:100]
    if search:
        issues = selectors.search_issues(issues=issues, text=search)
    breached = request.GET.get("breached") == "1"
    if breached:
        issues = selectors.filter_breached(issues=issues, breached=True)
    sort = sort_of(request, QUEUE_SORTS, QUEUE_DEFAULT_SORT)
    issues = sorted_by(
        issues.annotate(status_position=position("status", IssueStatus.values)), sort, QUEUE_SORTS
    )
    page = Paginator(issues, QUEUE_PAGE).get_page(request.GET.get("page"))
    proposals = []
    if is_program_staff(request.user):
        proposals = StandingRecord.objects.filter(
            standing=Standing.FAILING, integration__stage=Stage.SUPPORT
        ).select_related("integration__partner")
    return render(
        request,
        "support_sla/queue.html",
        {
            "page": page,
            "issues": selectors.with_clock(issues=page.object_list),
            "status": status,
            "severity": severity,
            "partner": partner,
            "integration": integration,
            "search": search,
            "breached": breached,
            "statuses": IssueStatus.choices,
            "severities": Severity.choices,
            "delisting_proposals": proposals,
            "sort": sort,
        },
    )


@login_required
def issue_detail(request, pk: int):
    issue, _ = selectors.issue_for(user=request.user, pk=pk)
    (issue,) = selectors.with_clock(issues=[issue])
    next_statuses = services.NEXT_STATUSES[issue.status]
    pausable = IssueStatus.WAITING_ON_REPORTER in next_statuses and services.may_pause(
        issue=issue, actor=request.user
    )
    return render(
        request,
        "support_sla/issue.html",
        {
            "issue": issue,
            "comments": issue.comments.select_related("author"),
            "events": issue.events.order_by("at"),
            # Waiting on the reporter has its own form: it needs a comment.
            "next_statuses": [
                (value, _status_action(issue, value))
                for value in IssueStatus.values
                if value in next_statuses and value != IssueStatus.WAITING_ON_REPORTER
            ],
            "pausable": pausable,
            "pause": selectors.pause_of(issue=issue),
            "comment_form": CommentForm(),
            # Only the severities this viewer may choose: none shown is no control at all.
            "severities": [
                (value, Severity(value).label)
                for value in services.severity_choices(issue=issue, actor=request.user)
            ],
        },
    )


@login_required
def issue_new(request, pk: int):
    integration, _ = integration_for(user=request.user, pk=pk)
    if not services.may_open_issue(integration):
        # No form to fill in only to be refused: say when issues can be opened.
        return render(
            request, "support_sla/issue_new.html", {"integration": integration, "form": None}
        )
    form = IssueForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.issue_open(
                integration=integration, actor=request.user, data=form.cleaned_data
            )
        except DomainError as error:
            show_domain_error(request, error)
        else:
            messages.success(request, "Issue opened; its SLA clock is running.")
            return redirect("support_issue", pk=issue.pk)
    return render(request, "support_sla/issue_new.html", {"integration": integration, "form": form})


def _update(request, pk: int, form_class, fields: list[str], done: str):
    issue, _ = selectors.issue_for(user=request.user, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            services.issue_update(
                issue=issue,
                actor=request.user,
                data={field: form.cleaned_data[field] for field in fields},
            )
        except DomainError as error:
            show_domain_error(request, error)
        else:
            messages.success(request, done)
    else:
        messages.error(request, "Choose a valid value.")
    return redirect("support_issue", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def issue_status(request, pk: int):
    """GET asks first (config/confirm.py): what the new status does to the clock, and the
    question to the reporter when it pauses it; POST changes it."""
    if request.method == "GET":
        issue, _ = selectors.issue_for(user=request.user, pk=pk)
        return _status_confirmation(request, issue)
    return _update(request, pk, StatusForm, ["status", "comment"], "Status changed.")


def _status_confirmation(request, issue):
    status = request.GET.get("status", "")
    back = reverse("support_issue", args=[issue.pk])
    label = IssueStatus(status).label.lower() if status in IssueStatus.values else status
    if status not in services.NEXT_STATUSES[issue.status]:
        return confirmation_page(
            request,
            Confirmation(
                title=f"Change the status of “{issue.title}”",
                sentence=f"An issue that is {issue.get_status_display().lower()} cannot "
                f"become {label or 'that'}.",
                action="",
                button="",
                back=back,
                blocked=["Choose one of the statuses the issue page offers."],
            ),
        )
    pausing = status == IssueStatus.WAITING_ON_REPORTER
    require(
        not pausing or services.may_pause(issue=issue, actor=request.user),
        "Program staff opened this issue: only they can pause it.",
        code="staff_opened_issue",
    )
    sentence, *details = selectors.status_change_consequences(issue=issue, status=status)
    comment = PauseForm.base_fields["comment"]
    return confirmation_page(
        request,
        Confirmation(
            title=f"{STATUS_ACTIONS.get(status, IssueStatus(status).label)}: “{issue.title}”?",
            sentence=sentence,
            details=details,
            action=reverse("support_issue_status", args=[issue.pk]),
            button=STATUS_ACTIONS.get(status, IssueStatus(status).label),
            back=back,
            hidden={"status": status},
            reason=reason_form(
                name="comment",
                label=comment.label if pausing else "Comment (optional)",
                help_text=comment.help_text if pausing else "Posted on the issue.",
                required=pausing,
                max_length=20_000,
            ),
            danger=status in STOPPED,
        ),
    )


# The button of each status change, in words (reopening has its own).
STATUS_ACTIONS = {
    IssueStatus.ACKNOWLEDGED: "Acknowledge",
    IssueStatus.WAITING_ON_REPORTER: "Wait on the reporter",
    IssueStatus.RESOLVED: "Resolve",
    IssueStatus.CLOSED: "Close",
    IssueStatus.OPEN: "Reopen",
}


def _status_action(issue, status: str) -> str:
    """The issue page's button for a status change: back to open from waiting on the
    reporter resumes the clock."""
    if status == IssueStatus.OPEN and issue.is_paused:
        return "Resume the clock"
    return STATUS_ACTIONS[status]


@login_required
@require_POST
def issue_severity(request, pk: int):
    return _update(
        request, pk, SeverityForm, ["severity"], "Severity changed; the clock is recomputed."
    )


@login_required
@require_POST
def issue_comment(request, pk: int):
    issue, _ = selectors.issue_for(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.issue_comment(issue=issue, actor=request.user, body=form.cleaned_data["body"])
        except DomainError as error:
            show_domain_error(request, error)
    else:
        messages.error(request, "Write a comment first.")
    return redirect("support_issue", pk=pk)
