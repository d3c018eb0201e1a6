"""Staff pages for reviewing: the kanban board."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.roles import is_program_staff
from integrations import selectors
from integrations.models import PIPELINE, Category, Stage


def _staff_only(request) -> None:
    if not is_program_staff(request.user):
        raise PermissionDenied("The board is for program staff.")


@login_required
def board(request):
    """A column per stage with counts; cards move through the same transition service."""
    _staff_only(request)
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
                "targets": selectors.stage_targets(stage),
            },
        )
    return render(
        request,
        "reviews/board.html",
        {**context, "columns": selectors.board_columns(category=category)},
    )
