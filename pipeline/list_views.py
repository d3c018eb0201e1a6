"""HTML pages about many integrations at once: the integrations list and its CSV export (any
signed-in user: their partners' integrations; staff: all) and the program metrics (staff)."""

import csv
from collections.abc import Iterator
from datetime import UTC

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import staff_required
from config.sorting import sort_of, sorted_by
from integrations import selectors as integration_selectors
from integrations.filters import IntegrationFilter
from integrations.models import Category, Integration, Stage
from pipeline import metrics, selectors
from pipeline.metrics_api import ProgramMetricsSerializer
from support_sla.selectors import integration_support_standing

LIST_PAGE = 50
EXPORT_CHUNK = 500
CSV_COLUMNS = [
    "id",
    "name",
    "partner",
    "partner_slug",
    "category",
    "stage",
    "days_in_stage",
    "stage_changed_at",
    "badges",
    "support_standing",
]
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# The integrations list's sortable columns (config/sorting.py); the CSV export follows them.
LIST_SORTS = {
    "name": ["name"],
    "partner": ["partner__name", "name"],
    "category": ["category", "name"],
    "stage": ["stage_position", "name"],
    "days": ["stage_days", "name"],
    "standing": ["standing_position", "name"],
}
LIST_DEFAULT_SORT = "name"


def _filters(request) -> IntegrationFilter:
    return IntegrationFilter(
        request.GET, queryset=selectors.integrations_listing(user=request.user)
    )


def _listing(request, filters: IntegrationFilter):
    sort = sort_of(request, LIST_SORTS, LIST_DEFAULT_SORT)
    return sort, sorted_by(filters.qs, sort, LIST_SORTS)


@login_required
def integration_list(request):
    """Every integration the viewer may see: searchable, filterable, paginated."""
    filters = _filters(request)
    sort, integrations = _listing(request, filters)
    page = Paginator(integrations, LIST_PAGE).get_page(request.GET.get("page"))
    for integration in page:
        integration.support_standing = integration_support_standing(integration=integration)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "integrations/list.html",
        {
            "page": page,
            "filters": filters,
            "values": {name: request.GET.get(name, "") for name in filters.filters},
            "filtered": any(request.GET.get(name) for name in filters.filters),
            "stages": Stage.choices,
            "categories": Category.choices,
            "partners": integration_selectors.partners_for_user(user=request.user)
            .order_by("name")
            .values("slug", "name"),
            "export_query": query.urlencode(),
            "sort": sort,
        },
    )


def csv_cell(value):
    """A cell a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def integration_csv_row(integration: Integration) -> list:
    return [
        csv_cell(value)
        for value in (
            integration.pk,
            integration.name,
            integration.partner.name,
            integration.partner.slug,
            integration.category,
            integration.stage,
            integration.stage_days,
            integration.stage_changed_at.astimezone(UTC)
            .isoformat(timespec="seconds")
            .replace("+00:00", "Z"),
            "; ".join(f"{badge.kind}:{badge.status}" for badge in integration.live_badges),
            integration_support_standing(integration=integration),
        )
    ]


def _csv_lines(integrations) -> Iterator[str]:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    for integration in integrations.iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow(integration_csv_row(integration))


@login_required
def integration_export(request):
    """The integrations list with the same filters as a CSV file, streamed row by row."""
    filters = _filters(request)
    if not filters.is_valid():
        problems = "; ".join(
            f"{name}: {' '.join(errors)}" for name, errors in filters.errors.items()
        )
        return HttpResponseBadRequest(
            f"Invalid filter — {problems}", content_type="text/plain; charset=utf-8"
        )
    _, integrations = _listing(request, filters)
    response = StreamingHttpResponse(
        _csv_lines(integrations), content_type="text/csv; charset=utf-8"
    )
    filename = f"integrations-{timezone.now():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@staff_required(message="The program metrics are for program staff.")
def program_metrics(request):
    """Program metrics with charts, each with its numbers as a table (program staff)."""
    figures = metrics.program_metrics()
    return render(
        request,
        "integrations/program.html",
        {"metrics": figures, "chart_data": ProgramMetricsSerializer(figures).data},
    )
