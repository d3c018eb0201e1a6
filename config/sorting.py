"""Sortable columns of list pages, one rule for every list: `?sort=<key>` or `?sort=-<key>`
(descending) among the keys the page allows; anything else is the page's default. The sort is
done by the database (the query count does not change), and the primary key breaks ties so
pages never shuffle rows between them. `{% sort_header %}` (config/templatetags/vip.py) draws
the column headers; the filters' forms keep `sort` in a hidden field, the pagination keeps it
in the query string."""

from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, QuerySet, Value, When


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool
    default: str  # the page's default, as `value` spells it

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key

    @property
    def is_default(self) -> bool:
        return self.value == self.default


def sort_of(request, columns: dict[str, list[str]], default: str) -> Sort:
    """The sort a request asks for: a key of `columns`, with "-" for descending; else
    `default` (itself such a value)."""
    asked = request.GET.get("sort", "")
    key = asked.removeprefix("-")
    if key not in columns:
        asked, key = default, default.removeprefix("-")
    return Sort(key=key, descending=asked.startswith("-"), default=default)


def sorted_by(queryset: QuerySet, sort: Sort, columns: dict[str, list[str]]) -> QuerySet:
    """`queryset` in the order `sort` names. Each column is one or more fields (a leading "-"
    inverts one: "days in stage" ascending is the latest stage change first): the first
    follows the sort's direction, the others break its ties in their own order; empty values
    come last either way; then the primary key, ascending, as the stable tiebreak."""
    order = []
    for index, field in enumerate(columns[sort.key]):
        name, inverted = field.removeprefix("-"), field.startswith("-")
        expression = F(name)
        if inverted != (sort.descending and index == 0):
            order.append(expression.desc(nulls_last=True))
        else:
            order.append(expression.asc(nulls_last=True))
    return queryset.order_by(*order, "pk")


def position(field: str, values: list, default: int | None = None) -> Case:
    """The position of `field`'s value in `values`, as a database expression, to sort by an
    order that is not alphabetical (stages along the pipeline); `default` for other values
    (none given: after the last)."""
    return Case(
        *(When(**{field: value}, then=Value(index)) for index, value in enumerate(values)),
        default=Value(len(values) if default is None else default),
        output_field=IntegerField(),
    )
