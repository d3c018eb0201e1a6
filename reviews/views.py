"""HTML pages for reviewing: the review queue, verification targets and runs, and the review
rounds' actions on the integration page (a decision, which moves the stage too, is
pipeline.views.review_round_decide)."""

from allauth.core import ratelimit
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import STAFF_PAGE, is_program_staff, require, staff_required
from accounts.limits import over_limit
from config.confirm import Confirmation, confirmation_page
from config.errors import DomainError
from config.http import refuse, safe_next, show_domain_error
from config.sorting import sort_of, sorted_by
from integrations import selectors
from integrations import services as integration_services
from integrations.models import Category
from reviews import rounds, services
from reviews import selectors as review_selectors
from reviews.forms import (
    PAGE_FIELDS,
    SECRET_PAGE_FIELDS,
    FeedbackForm,
    MountFormSet,
    ReplyForm,
    RoundOpenForm,
    TargetForm,
    WaiverForm,
    target_initial,
)
from reviews.models import RunStatus


def _form_errors(error: DomainError, form: TargetForm, mounts, rows: list[int]) -> None:
    """Put the service's dotted field errors (`auth.secret_id`, `secret_mounts.1.path`,
    `plugin.version`) on the form fields that collected them (PAGE_FIELDS; a mount's on its
    row of the formset); any other is the form's own."""
    for name, problems in error.errors.items():
        parts = name.split(".")
        if parts[0] == "secret_mounts" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])  # among the mounts sent; `rows` maps it back to its form row
            if index < len(rows):
                row = mounts.forms[rows[index]]
                for problem in problems:
                    row.add_error(parts[2] if parts[2] in row.fields else None, problem)
                continue
        for problem in problems:
            form.add_error(PAGE_FIELDS.get(name), problem)
    if not error.errors:
        form.add_error(None, error.message)


def _target_page(request, integration, target=None):
    if request.method == "POST":
        form = TargetForm(request.POST)
        mounts = MountFormSet(request.POST, prefix="mounts")
        if form.is_valid() and mounts.is_valid():
            body = form.body()
            entries = [(row, f.entry()) for row, f in enumerate(mounts.forms)]
            rows = [row for row, entry in entries if entry]
            body["secret_mounts"] = [entry for _, entry in entries if entry]
            try:
                if target is None:
                    target = services.target_create(
                        integration=integration, actor=request.user, data=body
                    )
                else:
                    had_credentials = target.credentials_set
                    target = services.target_update(target=target, actor=request.user, data=body)
                    if had_credentials and not target.credentials_set:  # repointed
                        messages.warning(
                            request,
                            "The target now points elsewhere, so its stored credentials and "
                            "inspector token were dropped: enter them again.",
                        )
            except DomainError as error:
                if error.status == 400:
                    _form_errors(error, form, mounts, rows)
                else:
                    show_domain_error(request, error)
            else:
                messages.success(request, f"Target “{target.name}” saved.")
                return redirect("integration_detail", pk=integration.pk)
    elif target is not None:
        initial, mount_rows = target_initial(target)
        form = TargetForm(initial=initial)
        mounts = MountFormSet(initial=mount_rows, prefix="mounts")
    else:
        form = TargetForm(initial={"namespace": "admin", "kind": "hcp_vault"})
        mounts = MountFormSet(prefix="mounts")
    return _render_target_page(request, integration, target, form, mounts)


def _render_target_page(request, integration, target, form, mounts, status=200, **extra):
    return render(
        request,
        "reviews/target_form.html",
        {"integration": integration, "target": target, "form": form, "mounts": mounts, **extra},
        status=status,
    )


@sensitive_post_parameters(*SECRET_PAGE_FIELDS)
@login_required
def target_new(request, pk: int):
    integration, _ = selectors.integration_for(user=request.user, pk=pk)
    return _target_page(request, integration)


@sensitive_post_parameters(*SECRET_PAGE_FIELDS)
@login_required
def target_edit(request, pk: int):
    target, _ = review_selectors.target_for(user=request.user, pk=pk)
    return _target_page(request, target.integration, target)


@sensitive_post_parameters(*SECRET_PAGE_FIELDS)
@login_required
@require_POST
def target_test_connection(request, pk: int):
    """The target form's "Test connection": `server.health`, `server.edition` and `auth.login`
    against what is typed, nothing saved (reviews.services.target_test_connection). For htmx
    the result alone, shown under the button; without JavaScript the form again with it."""
    integration, _ = selectors.integration_for(user=request.user, pk=pk)
    target = None
    target_id = request.POST.get("target", "")
    if target_id.isdecimal() and len(target_id) < 19:
        target, _ = review_selectors.target_for(user=request.user, pk=int(target_id))
        if target.integration_id != integration.pk:
            raise Http404("No such target.")
    data = request.POST.copy()
    data["name"] = data.get("name", "").strip() or "Connection test"  # a test needs no name
    form = TargetForm(data)
    result, status = None, 200
    if form.is_valid():
        if over_limit(request, action="test_connection"):
            if not request.htmx:
                return ratelimit.respond_429(request)
            form.add_error(None, "Too many connection tests in a short time. Try again later.")
            status = 429
        else:
            try:
                result = services.target_test_connection(
                    integration=integration, actor=request.user, data=form.body(), target=target
                )
            except DomainError as error:
                _form_errors(error, form, MountFormSet(prefix="mounts"), [])
                status = error.status
    context = {
        "connection_test": result,
        "connection_problems": [
            (form.fields[name].label if name in form.fields else "", problem)
            for name, problems in form.errors.items()
            for problem in problems
        ],
        "stored_credentials": target is not None and target.credentials_set,
    }
    if request.htmx:
        return render(request, "reviews/_connection_test.html", context, status=status)
    mounts = MountFormSet(request.POST, prefix="mounts")
    mounts.is_valid()
    return _render_target_page(request, integration, target, form, mounts, status, **context)


@login_required
@require_http_methods(["GET", "POST"])
def target_delete(request, pk: int):
    """GET asks first (config/confirm.py), POST deletes."""
    target, _ = review_selectors.target_for(user=request.user, pk=pk)
    if request.method == "GET":
        sentence, *details = review_selectors.target_delete_consequences(target=target)
        open_run = review_selectors.open_run_of(target=target)
        return confirmation_page(
            request,
            Confirmation(
                title=f"Delete the target “{target.name}”?",
                sentence=sentence,
                details=details,
                action=reverse("target_delete", args=[pk]),
                button="Delete the target",
                back=reverse("integration_detail", args=[target.integration_id]),
                blocked=["Cancel the queued or running verification first."] if open_run else [],
            ),
        )
    try:
        services.target_archive(target=target, actor=request.user)
    except DomainError as error:
        show_domain_error(request, error)
    else:
        messages.success(request, f"Target “{target.name}” deleted; its runs are kept.")
    return redirect("integration_detail", pk=target.integration_id)


@login_required
@require_POST
def target_make_primary(request, pk: int):
    """The "Make evidence target" button of a target."""
    target, _ = review_selectors.target_for(user=request.user, pk=pk)
    try:
        services.target_make_primary(target=target, actor=request.user)
    except DomainError as error:
        refuse(request, error)
    else:
        messages.success(request, f"“{target.name}” is now the evidence target.")
    return redirect("integration_detail", pk=target.integration_id)


# --- Runs ------------------------------------------------------------------------------------


@login_required
@require_POST
def run_start(request, pk: int):
    """The "Run verification" button of a target."""
    target, _ = review_selectors.target_for(user=request.user, pk=pk)
    try:
        run = services.run_request(target=target, actor=request.user)
    except DomainError as error:
        show_domain_error(request, error)
        return redirect("integration_detail", pk=target.integration_id)
    return redirect("run_detail", pk=run.pk)


def _run_context(run) -> dict:
    results = run.results.select_related("waiver__granted_by")
    return {"run": run, "results": results, "run_label": f"Run {run.pk}"}


RUNS_PAGE_SIZE = 25


@login_required
def integration_runs(request, pk: int):
    """Every verification run of an integration, newest first, filtered by status."""
    integration, _ = selectors.integration_for(user=request.user, pk=pk)
    status = request.GET.get("status", "")
    if status not in RunStatus.values:
        status = ""
    runs = integration.runs.select_related("target", "requested_by")
    if status:
        runs = runs.filter(status=status)
    return render(
        request,
        "reviews/runs.html",
        {
            "integration": integration,
            "page": Paginator(runs, RUNS_PAGE_SIZE).get_page(request.GET.get("page")),
            "status": status,
            "statuses": RunStatus.choices,
        },
    )


@login_required
def run_detail(request, pk: int):
    run, _ = review_selectors.run_for(user=request.user, pk=pk)
    return render(request, "reviews/run_detail.html", _run_context(run))


@login_required
def run_progress(request, pk: int):
    """The live part of the run page, polled by htmx while the run is open; opened directly
    (not by htmx), the run page itself."""
    run, _ = review_selectors.run_for(user=request.user, pk=pk)
    if not request.htmx:
        return redirect("run_detail", pk=pk)
    return render(request, "reviews/_run_progress.html", _run_context(run))


@login_required
@require_POST
def run_cancel(request, pk: int):
    run, _ = review_selectors.run_for(user=request.user, pk=pk)
    try:
        services.run_cancel(run=run, actor=request.user)
    except DomainError as error:
        show_domain_error(request, error)
    return redirect("run_detail", pk=pk)


# --- Partner-run evidence --------------------------------------------------------------------


@login_required
def evidence_detail(request, pk: int):
    evidence, may_accept = review_selectors.evidence_for(user=request.user, pk=pk)
    return render(
        request,
        "reviews/evidence_detail.html",
        {
            "evidence": evidence,
            "integration": evidence.integration,
            "may_accept": may_accept and evidence.accepted_at is None,
        },
    )


@login_required
@require_POST
def evidence_accept(request, pk: int):
    """The evidence page's "Accept in place of a program run" form (program staff)."""
    evidence, may_accept = review_selectors.evidence_for(user=request.user, pk=pk)
    require(may_accept, STAFF_PAGE, code="staff_only")
    try:
        services.evidence_accept(
            evidence=evidence, actor=request.user, justification=request.POST.get("justification")
        )
    except DomainError as error:
        show_domain_error(request, error)
    else:
        messages.success(request, "The evidence stands in for a program run for release.")
    return redirect("evidence_detail", pk=pk)


# --- Waivers ---------------------------------------------------------------------------------


@login_required
@require_POST
def waiver_grant(request, pk: int):
    """The integration page's "Waive a check" form (program staff)."""
    integration, _ = selectors.integration_for(user=request.user, pk=pk)
    require(is_program_staff(request.user), STAFF_PAGE, code="staff_only")
    form = WaiverForm(request.POST, targets=review_selectors.targets_of(integration=integration))
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        target = review_selectors.targets_of(integration=integration).get(
            pk=form.cleaned_data["target"]
        )
        try:
            waiver = services.waiver_grant(
                target=target,
                actor=request.user,
                check=form.cleaned_data["check"],
                justification=form.cleaned_data["justification"],
            )
        except DomainError as error:
            show_domain_error(request, error)
        else:
            messages.success(request, f"{waiver.check_id} is waived on “{target.name}”.")
    return redirect(f"{reverse('integration_detail', args=[pk])}#waivers-heading")


@login_required
@require_POST
def waiver_end(request, pk: int):
    waiver, may_end = review_selectors.waiver_for(user=request.user, pk=pk)
    require(may_end, STAFF_PAGE, code="staff_only")
    try:
        services.waiver_end(waiver=waiver, actor=request.user)
    except DomainError as error:
        show_domain_error(request, error)
    else:
        messages.success(request, f"The waiver of {waiver.check_id} has ended.")
    return redirect(
        f"{reverse('integration_detail', args=[waiver.target.integration_id])}#waivers-heading"
    )


# --- Review queue ------------------------------------------------------------------------------

QUEUE_PAGE_SIZE = 50
# The review queue's sortable columns (config/sorting.py); by default the longest waiting first.
QUEUE_SORTS = {
    "name": ["name"],
    "category": ["category", "stage_changed_at"],
    "days": ["-stage_changed_at"],
    "run": ["latest_run_status", "stage_changed_at"],
    "feedback": ["open_feedback", "stage_changed_at"],
    "assignee": ["assignee__email", "stage_changed_at"],
}
QUEUE_DEFAULT_SORT = "-days"


@login_required
@staff_required
def review_queue(request):
    """Integrations in review, longest waiting first, with their latest run and open feedback."""
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    assignee = request.GET.get("assignee", "")
    if assignee not in ("me", "unassigned") and not assignee.isdecimal():
        assignee = ""
    search = request.GET.get("q", "").strip()[:100]
    queue = review_selectors.review_queue(
        user=request.user, category=category, assignee=assignee, search=search
    )
    sort = sort_of(request, QUEUE_SORTS, QUEUE_DEFAULT_SORT)
    queue = sorted_by(queue, sort, QUEUE_SORTS)
    return render(
        request,
        "reviews/queue.html",
        {
            "sort": sort,
            "page": Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page")),
            "category": category,
            "categories": Category.choices,
            "assignee": assignee,
            "search": search,
            "staff_users": review_selectors.program_staff_users(),
        },
    )


@login_required
@require_POST
def review_assign(request, pk: int):
    """A reviewer takes an integration ("Assign me")."""
    integration, _ = selectors.integration_for(user=request.user, pk=pk)
    try:
        integration_services.integration_update(
            integration=integration, actor=request.user, data={"assignee": request.user}
        )
    except DomainError as error:
        refuse(request, error)
    else:
        messages.success(request, f"“{integration.name}” is assigned to you.")
    return redirect(safe_next(request, reverse("review_queue")))


# --- Review rounds (the integration page's actions) --------------------------------------------


def rounds_context(integration) -> dict:
    """What templates/reviews/_rounds.html needs (besides `is_program_staff`)."""
    return {
        "integration": integration,
        "review_rounds": review_selectors.rounds_for_integration_page(integration=integration),
        "review_open_unmet": rounds.round_open_unmet(integration),
    }


@login_required
def review_rounds(request, pk: int):
    """The review rounds of an integration on their own (the part the integration page shows),
    for htmx; opened directly, the integration page at its rounds."""
    integration, _ = selectors.integration_for(user=request.user, pk=pk)
    if not request.htmx:
        return redirect(reverse("integration_detail", args=[pk]) + "#review-rounds")
    return render(request, "reviews/_rounds.html", rounds_context(integration))


def round_action(request, integration_id: int, form: forms.Form, act, done: str):
    """Validate `form`, call `act(cleaned_data)`, and go back to the integration's rounds."""
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
    else:
        try:
            act(form.cleaned_data)
        except DomainError as error:
            refuse(request, error)
        else:
            messages.success(request, done)
    return redirect(reverse("integration_detail", args=[integration_id]) + "#review-rounds")


@login_required
@require_POST
def review_round_open(request, pk: int):
    integration, _ = selectors.integration_for(user=request.user, pk=pk)
    return round_action(
        request,
        integration.pk,
        RoundOpenForm(request.POST),
        lambda data: rounds.round_open(
            integration=integration, actor=request.user, summary=data["summary"]
        ),
        "Review round opened.",
    )


@login_required
@require_POST
def review_feedback_add(request, pk: int):
    review_round, _ = review_selectors.round_for(user=request.user, pk=pk)
    return round_action(
        request,
        review_round.integration_id,
        FeedbackForm(request.POST),
        lambda data: rounds.feedback_add(
            review_round=review_round,
            actor=request.user,
            body=data["body"],
            blocking=data["blocking"],
        ),
        "Feedback added; the partner has been told.",
    )


@login_required
@require_POST
def review_feedback_reply(request, pk: int):
    item, _ = review_selectors.feedback_for(user=request.user, pk=pk)
    return round_action(
        request,
        item.round.integration_id,
        ReplyForm(request.POST),
        lambda data: rounds.feedback_reply(item=item, actor=request.user, body=data["body"]),
        "Reply sent.",
    )


@login_required
@require_POST
def review_feedback_resolve(request, pk: int):
    item, _ = review_selectors.feedback_for(user=request.user, pk=pk)
    return round_action(
        request,
        item.round.integration_id,
        forms.Form(request.POST),
        lambda data: rounds.feedback_resolve(item=item, actor=request.user),
        "Feedback resolved.",
    )
