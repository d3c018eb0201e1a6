"""HTML pages for partners and integrations: intake, dashboard, integration page, directory."""

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import push_url

from accounts import services as account_services
from accounts.access import is_program_staff, require, staff_required
from accounts.forms import InvitationForm
from accounts.limits import over_limit
from badges.selectors import badges_context
from config.confirm import Confirmation, confirmation_page, reason_form
from config.errors import DomainError
from config.forms import posted
from config.http import refuse, safe_next, show_domain_error
from integrations import selectors as integration_selectors
from integrations import services as integration_services
from integrations.forms import (
    IntakeForm,
    NewPartnerInlineForm,
    PartnerForm,
    ProgramRecordsForm,
    SimilarWorkForm,
    TransitionForm,
)
from integrations.models import PIPELINE, Category, Partner, Stage
from pipeline import selectors, services
from pipeline.facts import facts_for, facts_of
from reviews import rounds as review_rounds
from reviews import selectors as review_selectors
from reviews.forms import DecisionForm
from reviews.models import ReviewRound
from reviews.views import round_action
from support_sla import selectors as support_selectors
from support_sla import services as support_services
from support_sla.forms import CalendarForm, calendar_form
from support_sla.models import Standing

NEW_PARTNER = "__new__"


# --- Intake ----------------------------------------------------------------------------------


@login_required
def engage(request):
    """The intake webform: pick or create the partner organisation, describe the integration."""
    partners = list(integration_selectors.partners_for_user(user=request.user).order_by("name"))
    chosen = request.POST.get("partner") or (partners[0].slug if partners else NEW_PARTNER)
    form = IntakeForm(posted(request), initial={"contact_email": request.user.email})
    partner_form = NewPartnerInlineForm(request.POST if chosen == NEW_PARTNER else None)
    partner_error, duplicate = "", None
    if request.method == "POST":
        partner = next((p for p in partners if p.slug == chosen), None)
        if chosen != NEW_PARTNER and partner is None:
            partner_error = "Choose one of your organisations or create a new one."
        forms_valid = form.is_valid() and (chosen != NEW_PARTNER or partner_form.is_valid())
        if forms_valid and not partner_error:
            if over_limit(request, action="intake", partner=partner):
                return ratelimit.respond_429(request)
            try:
                with transaction.atomic():
                    if partner is None:
                        partner = services.partner_create(
                            owner=request.user, **partner_form.cleaned_data
                        )
                    integration = integration_services.integration_intake(
                        partner=partner, actor=request.user, data=form.cleaned_data
                    )
            except DomainError as error:
                if error.code == "duplicate_name":
                    duplicate = integration_selectors.integration_named(
                        partner=partner, name=form.cleaned_data["name"]
                    )
                _errors_on_form(request, form, error)
            else:
                messages.success(request, f"Thank you: “{integration.name}” is recorded.")
                if integration.overlaps.exists():
                    messages.warning(
                        request,
                        "Similar work already exists; see “Possible overlaps” below. "
                        "The program team will look at it with you.",
                    )
                if integration.not_encouraged:
                    messages.warning(
                        request,
                        "Storage backend, auto-auth and auto-unseal integrations are not "
                        "encouraged by the program; the program team will contact you.",
                    )
                return redirect("integration_detail", pk=integration.pk)
    return render(
        request,
        "integrations/engage.html",
        {
            "form": form,
            "partner_form": partner_form,
            "partners": partners,
            "chosen": chosen,
            "new_partner": NEW_PARTNER,
            "partner_error": partner_error,
            "duplicate": duplicate,
        },
    )


def _errors_on_form(request, form, error: DomainError) -> None:
    """A rule's refusal on the form: under the fields it names, else as a message."""
    if not error.errors:
        show_domain_error(request, error)
        return
    for field, problems in error.errors.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


SIMILAR_FROM = 3  # characters of a name before the live hint looks for similar work


@login_required
@require_POST
def engage_similar(request):
    """The intake's live hint (htmx, debounced, while the partner types): similar existing work
    for the name, category and description typed so far, found by the same `find_overlaps` as
    the saved intake and shown as the viewer may see it (other partners' unreleased work only
    as a count); and whether the partner already has an integration of that name. Nothing is
    saved. Rate-limited per user: each answer says a little about others' work."""
    form = SimilarWorkForm(request.POST)
    if not form.is_valid() or len(form.cleaned_data["name"]) < SIMILAR_FROM:
        return render(request, "integrations/_similar.html", {"waiting": "name"})
    data = form.cleaned_data
    if not data["category"]:
        return render(request, "integrations/_similar.html", {"waiting": "category"})
    if over_limit(request, action="intake_hint"):
        return render(request, "integrations/_similar.html", {"paused": True}, status=429)
    partner = (
        integration_selectors.partners_for_user(user=request.user)
        .filter(slug=data["partner"])
        .first()
    )
    overlaps = integration_selectors.similar_work_for_viewer(
        user=request.user,
        name=data["name"],
        category=data["category"],
        description=data["description"],
        partner=partner or Partner(name=data["new_partner_name"]),
    )
    duplicate = partner and integration_selectors.integration_named(
        partner=partner, name=data["name"]
    )
    if duplicate:  # said apart, above the rest: it is not similar work, it is refused
        shown = [overlap for overlap in overlaps.shown if overlap.id != duplicate.pk]
        overlaps = integration_selectors.Overlaps(shown=shown, unreleased=overlaps.unreleased)
    return render(
        request,
        "integrations/_similar.html",
        {"overlaps": overlaps, "duplicate": duplicate, "partner": partner},
    )


# --- Dashboard and integration page -------------------------------------------------------


DASHBOARD_PAGE_SIZE = 20


@login_required
def dashboard(request):
    """A partner's integrations with stage progress, checklist, next step and what blocks it;
    paginated and searchable, a fixed number of queries per page."""
    user = request.user
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(
        selectors.dashboard_integrations(user=user, search=search), DASHBOARD_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    facts = facts_for(page.object_list)
    rows = [
        {
            "integration": integration,
            "checklist": selectors.integration_checklist(
                integration=integration, facts=facts[integration.pk]
            ),
            "next_step": selectors.integration_next_step(
                integration=integration, user=user, facts=facts[integration.pk]
            ),
            "progress": _progress(integration.stage),
            "hidden_from_directory": selectors.hidden_from_directory(integration=integration),
        }
        for integration in page.object_list
    ]
    return render(
        request,
        "integrations/dashboard.html",
        {"rows": rows, "page": page, "search": search, "pipeline": PIPELINE},
    )


def _progress(stage: str) -> int:
    if stage not in PIPELINE:
        return 0
    return round(100 * (PIPELINE.index(stage) + 1) / len(PIPELINE))


RECENT_RUNS = 10
RECENT_ISSUES = 20


@login_required
def integration_detail(request, pk: int):
    integration, _ = integration_selectors.integration_for(user=request.user, pk=pk)
    records = None
    if is_program_staff(request.user):
        records = ProgramRecordsForm(
            initial={
                "demo_done_at": integration.demo_done_at,
                "mnda_signed_at": integration.partner.mnda_signed_at,
                "agreement_executed_at": integration.partner.agreement_executed_at,
                "plugin_portal_url": integration.plugin_portal_url,
                "assignee": integration.assignee_id,
            }
        )
    return _detail_page(request, integration, records)


def _detail_page(request, integration, records_form, status: int = 200):
    standing = support_selectors.integration_support_standing(integration=integration)
    facts = facts_of(integration)
    return render(
        request,
        "integrations/detail.html",
        {
            "integration": integration,
            "checklist": selectors.integration_checklist(integration=integration, facts=facts),
            "history": integration.history.select_related("actor").order_by("-at", "-pk"),
            "overlaps": integration_selectors.overlaps_for_viewer(
                integration=integration, user=request.user
            ),
            "moves": [
                move
                for move in selectors.integration_moves(
                    integration=integration, user=request.user, facts=facts
                )
                if move.shown
            ],
            "progress": _progress(integration.stage),
            "pipeline": PIPELINE,
            "records_form": records_form,
            "standing": standing,
            "standing_failing": standing == Standing.FAILING,
            "standing_label": Standing(standing).label,
            "standing_reason": getattr(getattr(integration, "standing_record", None), "reason", ""),
            "hidden_from_directory": selectors.hidden_from_directory(integration=integration),
            "support_issues": support_selectors.with_clock(
                issues=support_selectors.issues_with_sla().filter(integration=integration)[
                    :RECENT_ISSUES
                ]
            ),
            "support_issue_count": integration.support_issues.count(),
            "may_open_issue": support_services.may_open_issue(integration),
            "targets": review_selectors.targets_of(integration=integration),
            "has_evidence_target": facts.has_evidence_target,
            "may_choose_evidence": review_selectors.may_choose_evidence(
                user=request.user, integration=integration
            ),
            "runs": integration.runs.select_related("target")[:RECENT_RUNS],
            "run_count": integration.runs.count(),
            "partner_evidence": review_selectors.evidence_of(integration=integration)[:RECENT_RUNS],
            "review_rounds": review_selectors.rounds_for_integration_page(integration=integration),
            "review_open_unmet": review_rounds.round_open_unmet(integration),
            **badges_context(integration=integration, user=request.user),
            **review_selectors.waivers_context(integration=integration, user=request.user),
        },
        status=status,
    )


@login_required
def integration_edit(request, pk: int):
    integration, _ = integration_selectors.integration_for(user=request.user, pk=pk)
    form = IntakeForm(posted(request), instance=integration)
    if request.method == "POST" and form.is_valid():
        changed = {field: form.cleaned_data[field] for field in form.changed_data}
        stored, _ = integration_selectors.integration_for(
            user=request.user, pk=pk
        )  # not the form's
        try:
            integration_services.integration_update(
                integration=stored,
                actor=request.user,
                data=changed,
            )
        except DomainError as error:  # what the rule refused, under the fields it refused
            _errors_on_form(request, form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("integration_detail", pk=pk)
    return render(
        request,
        "integrations/edit.html",
        {
            "integration": integration,
            "form": form,
            "reviewed_fields_locked": not is_program_staff(request.user)
            and integration_selectors.integration_reached_review(integration=integration),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def integration_transition(request, pk: int):
    """Every stage change from a page (integration page, board, dashboard) comes through here.
    GET is its confirmation (a dialog, or a page without JavaScript) for the moves that ask
    first; POST moves. `undo=1` (the board) offers to undo the move for a few seconds."""
    integration, _ = integration_selectors.integration_for(user=request.user, pk=pk)
    if request.method == "GET":
        return _transition_confirmation(request, integration)
    form = TransitionForm(request.POST)
    back = safe_next(request, reverse("integration_detail", args=[pk]))
    if not form.is_valid():
        messages.error(request, "The note is too long (2,000 characters at most).")
        return redirect(back)
    to, note = form.cleaned_data["to"], form.cleaned_data["note"].strip()
    if to == Stage.WITHDRAWN and not note:
        messages.error(request, "Say why the integration is withdrawn: nothing was changed.")
        return redirect(back)
    try:
        row = services.integration_transition(
            integration=integration, to=to, actor=request.user, note=note
        )
    except DomainError as error:
        show_domain_error(request, error)
    else:
        messages.success(
            request, f"“{integration.name}” moved to {Stage(integration.stage).label}."
        )
        if request.POST.get("undo") == "1":
            messages.info(request, str(row.pk), extra_tags="undo")
    return redirect(back)


def _transition_confirmation(request, integration):
    """What a move will do, asked before it happens: the reason it needs (reject, delist,
    withdraw) or an optional note, and what blocks it if it cannot happen yet. A move the
    viewer's role cannot make is refused here as it is on POST."""
    to = request.GET.get("to", "")
    detail = reverse("integration_detail", args=[integration.pk])
    back = safe_next(request, detail)
    board = request.GET.get("undo") == "1"
    facts = facts_of(integration)
    move = selectors.integration_move(
        integration=integration, facts=facts, user=request.user, to=to
    )
    if move is None:
        confirmation = Confirmation(
            title=f"Move “{integration.name}”",
            sentence=(
                f"An integration in {integration.get_stage_display()} cannot move to "
                f"{Stage(to).label if to in Stage.values else 'that stage'}."
            ),
            action="",
            button="",
            back=back,
            blocked=["Choose one of the moves its stage offers."],
        )
        return confirmation_page(request, confirmation)
    require(move.allowed, f"Only {move.who} can make this move.")
    sentence, *details = selectors.move_consequences(
        integration=integration, facts=facts, move=move, user=request.user, board=board
    )
    note = request.GET.get("note", "")
    confirmation = Confirmation(
        title=f"{move.label}: “{integration.name}”?",
        sentence=sentence,
        details=details,
        action=reverse("integration_transition", args=[integration.pk]),
        button=move.label,
        back=back,
        hidden={"to": move.target, "next": back, **({"undo": "1"} if board else {})},
        reason=reason_form(
            name="note",
            label="Reason (the partner will read it)" if move.asks_reason else "Note (optional)",
            required=move.asks_reason,
            initial=note,
        ),
        blocked=[unmet.message for unmet in move.unmet],
        danger=move.target in selectors.CONFIRMED_MOVES or move.confirm,
    )
    return confirmation_page(request, confirmation)


@login_required
@require_POST
def integration_undo(request, pk: int):
    """The board's "Undo" of a move just made (pipeline.services.integration_undo)."""
    integration, _ = integration_selectors.integration_for(user=request.user, pk=pk)
    back = safe_next(request, reverse("review_board"))
    row_id = request.POST.get("row", "")
    row = (
        integration.history.filter(pk=int(row_id)).first()
        if row_id.isdecimal() and len(row_id) < 19
        else None
    )
    if row is None:
        messages.error(request, "There is no such move to undo.")
        return redirect(back)
    try:
        services.integration_undo(row=row, actor=request.user)
    except DomainError as error:
        refuse(request, error)
    else:
        integration.refresh_from_db()
        messages.success(
            request,
            f"Undone: “{integration.name}” is back in {Stage(integration.stage).label}.",
        )
    return redirect(back)


@login_required
@require_POST
def integration_records(request, pk: int):
    """Staff record demo, MNDA, agreement, plugin portal URL and assignee."""
    integration, _ = integration_selectors.integration_for(user=request.user, pk=pk)
    require(
        is_program_staff(request.user),
        "Only program staff record the MNDA and the agreement.",
        code="staff_only",
    )
    form = ProgramRecordsForm(request.POST)
    if not form.is_valid():
        # The page again, with the errors under the fields that have them (htmx shows the
        # integration page's address, not this POST-only one).
        return push_url(
            _detail_page(request, integration, form, status=400),
            reverse("integration_detail", args=[pk]),
        )
    data = form.cleaned_data
    with transaction.atomic():
        integration_services.integration_update(
            integration=integration,
            actor=request.user,
            data={key: data[key] for key in ("demo_done_at", "plugin_portal_url", "assignee")},
        )
        services.partner_update(
            partner=integration.partner,
            actor=request.user,
            data={key: data[key] for key in ("mnda_signed_at", "agreement_executed_at")},
        )
    messages.success(request, "Program records saved.")
    return redirect("integration_detail", pk=pk)


@login_required
@require_POST
def integration_acknowledge_overlaps(request, pk: int):
    integration, _ = integration_selectors.integration_for(user=request.user, pk=pk)
    try:
        integration_services.integration_acknowledge_overlaps(
            integration=integration, actor=request.user
        )
    except DomainError as error:
        refuse(request, error)
    else:
        messages.success(request, "Overlaps acknowledged.")
    return redirect("integration_detail", pk=pk)


@login_required
@require_POST
def integration_recheck_overlaps(request, pk: int):
    """Staff score the overlaps again (a partner's edits never do: see the service)."""
    integration, _ = integration_selectors.integration_for(user=request.user, pk=pk)
    try:
        overlaps = integration_services.integration_recheck_overlaps(
            integration=integration, actor=request.user
        )
    except DomainError as error:
        refuse(request, error)
    else:
        count = len(overlaps)
        messages.success(
            request, f"Overlaps re-checked: {count} possible overlap{pluralize(count)} found."
        )
    return redirect("integration_detail", pk=pk)


# --- Partner team page ---------------------------------------------------------------------


PARTNER_PAGE_SIZE = 20


@login_required
def partner_detail(request, slug: str):
    """Members, invitations and details of one partner (edit and invite: owners)."""
    partner, may_write = integration_selectors.partner_for(user=request.user, slug=slug)
    form = PartnerForm(posted(request), instance=partner) if may_write else None
    if request.method == "POST":
        require(may_write, "Only an owner of this partner can change it.")
        if form.is_valid():
            try:
                services.partner_update(
                    partner=Partner.objects.get(pk=partner.pk),
                    actor=request.user,
                    data={field: form.cleaned_data[field] for field in form.changed_data},
                )
            except DomainError as error:
                refuse(request, error)
            else:
                messages.success(request, "Partner details saved.")
                return redirect("partner_detail", slug=partner.slug)
    return partner_page(request, partner, may_write, form=form)


def partner_page(request, partner, may_write: bool, *, form=None, calendar=None, status=200):
    """The partner page; `form` and `calendar` are bound forms to show again with errors
    (support_sla's calendar view re-renders it when a calendar is refused)."""
    search = request.GET.get("q", "").strip()[:100]
    integrations = partner.integrations.order_by("name", "pk")
    if search:
        integrations = integrations.filter(name__icontains=search)
    integrations = Paginator(integrations, PARTNER_PAGE_SIZE).get_page(request.GET.get("page"))
    if may_write and form is None:
        form = PartnerForm(instance=partner)
    return render(
        request,
        "integrations/partner_detail.html",
        {
            "partner": partner,
            "form": form,
            "may_write": may_write,
            "memberships": partner.memberships.select_related("user").order_by("user__email"),
            "invitations": partner.invitations.filter(accepted_at__isnull=True),
            "invitation_form": InvitationForm() if may_write else None,
            "calendar_form": (calendar or calendar_form(partner)) if may_write else None,
            "calendar": support_selectors.partner_calendar(partner=partner),
            "integrations": integrations,
            "search": search,
        },
        status=status,
    )


@login_required
@require_POST
def calendar_edit(request, slug: str):
    """The partner page's calendar form. A refused calendar shows the partner page again
    (400) with the errors under the fields."""
    partner, may_write = integration_selectors.partner_for(user=request.user, slug=slug)
    form = CalendarForm(request.POST)
    if form.is_valid():
        try:
            support_services.calendar_update(
                partner=partner,
                actor=request.user,
                working_days=form.cleaned_data["working_days"],
                closures=form.cleaned_data["closures"],
            )
        except DomainError as error:
            if error.status == 403 or not error.errors:
                show_domain_error(request, error)
                return redirect("partner_detail", slug=slug)
            for field, messages_ in error.errors.items():
                form.add_error(field if field in form.fields else None, messages_)
        else:
            messages.success(
                request,
                "Support calendar saved; it applies to SLA clocks that start from now on.",
            )
            return redirect("partner_detail", slug=slug)
    if not may_write:
        messages.error(request, "Only an owner of this partner can change its calendar.")
        return redirect("partner_detail", slug=slug)
    return push_url(
        partner_page(request, partner, may_write, calendar=form, status=400),
        reverse("partner_detail", args=[slug]),
    )


@login_required
@require_POST
def partner_invite(request, slug: str):
    partner, _ = integration_selectors.partner_for(user=request.user, slug=slug)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("partner_detail", slug=slug)
    if over_limit(request, action="invite", partner=partner):
        return ratelimit.respond_429(request)
    try:
        invitation, _link = account_services.partner_invite(
            partner=partner,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
        )
    except DomainError as error:
        show_domain_error(request, error)
    else:
        messages.success(request, f"Invitation sent to {invitation.email}.")
    return redirect("partner_detail", slug=slug)


# --- Public directory ----------------------------------------------------------------------


def directory(request):
    search = request.GET.get("q", "").strip()[:100]
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    page = Paginator(
        selectors.directory_integrations(search=search, category=category), 24
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "integrations/directory.html",
        {"page": page, "search": search, "category": category, "categories": Category.choices},
    )


def directory_partner(request, slug: str):
    partner, integrations = selectors.directory_partner_for(slug=slug)
    return render(
        request,
        "integrations/directory_partner.html",
        {"partner": partner, "integrations": integrations},
    )


# --- The review board and decisions -------------------------------------------------------


@login_required
@staff_required(message="The board is for program staff.")
def board(request):
    """A column per stage with counts; cards move through the same transition service."""
    category = request.GET.get("category", "")
    if category not in Category.values:
        category = ""
    stage = request.GET.get("stage", "")
    context = {"category": category, "categories": Category.choices, "pipeline": PIPELINE}
    if stage in PIPELINE:
        page = Paginator(
            selectors.integrations_in_stage(stage=stage, category=category), 100
        ).get_page(request.GET.get("page"))
        return render(
            request,
            "reviews/board_stage.html",
            {
                **context,
                "stage": Stage(stage),
                "page": page,
                "targets": selectors.stage_targets(stage=stage),
            },
        )
    return render(
        request,
        "reviews/board.html",
        {**context, "columns": selectors.board_columns(category=category)},
    )


# --- Targets -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def review_round_decide(request, pk: int):
    """GET asks first (config/confirm.py), with the decision summary as the dialog's field;
    POST decides."""
    review_round, may_decide = review_selectors.round_for(user=request.user, pk=pk)
    if request.method == "GET":
        require(may_decide, "Only the program team decides review rounds.")
        return _decision_confirmation(request, review_round)
    form = DecisionForm(request.POST)
    done = "Review round decided."
    if form.is_valid():
        done = f"Review round decided: {ReviewRound.Status(form.cleaned_data['decision']).label}."
    return round_action(
        request,
        review_round.integration_id,
        form,
        lambda data: services.review_decide(
            review_round=review_round,
            actor=request.user,
            decision=data["decision"],
            summary=data["summary"],
        ),
        done,
    )


def _decision_confirmation(request, review_round: ReviewRound):
    decision = request.GET.get("decision", "")
    back = reverse("integration_detail", args=[review_round.integration_id]) + "#review-rounds"
    if decision not in review_rounds.DECISIONS:
        confirmation = Confirmation(
            title=f"Decide the review of “{review_round.integration.name}”",
            sentence="That is not a decision a review can take.",
            action="",
            button="",
            back=back,
            blocked=["Choose Approve or Request changes."],
        )
        return confirmation_page(request, confirmation)
    preview = selectors.review_decision_preview(
        review_round=review_round, decision=decision, user=request.user
    )
    sentence, *details = preview.lines
    approve = decision == ReviewRound.Status.APPROVED
    confirmation = Confirmation(
        title=preview.title,
        sentence=sentence,
        details=details,
        action=reverse("review_round_decide", args=[review_round.pk]),
        button="Approve" if approve else "Request changes",
        back=back,
        hidden={"decision": decision},
        reason=reason_form(
            name="summary",
            label="Decision summary (the partner will read it)",
            required=False,
            max_length=DecisionForm.base_fields["summary"].max_length,
        ),
        blocked=preview.blocked,
        danger=not approve,
    )
    return confirmation_page(request, confirmation)
