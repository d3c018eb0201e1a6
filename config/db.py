"""Database expressions the apps' selectors share, written for PostgreSQL (production and the
tests) and SQLite (the demo): elapsed seconds between two datetimes, a median aggregate, and the
number of rows of a correlated subquery."""

import statistics

from django.db.backends.signals import connection_created
from django.db.models import Aggregate, F, FloatField, Func, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce


class SecondsBetween(Func):
    """Seconds from `start` to `end` (two datetime expressions)."""

    arity = 2
    output_field = FloatField()

    def __init__(self, start, end, **extra) -> None:
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
        )


def count_of(queryset: QuerySet) -> Coalesce:
    """The number of rows of `queryset` (correlated with OuterRef), as one scalar subquery:
    `SELECT COUNT(pk) … WHERE …` with no GROUP BY, 0 when there are none."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


class Median(Aggregate):
    """The median of a numeric expression (the mean of the two middle values when even)."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(
            compiler, connection, function="VIP_MEDIAN", template="%(function)s(%(expressions)s)"
        )


class _SqliteMedian:
    def __init__(self) -> None:
        self.values: list[float] = []

    def step(self, value) -> None:
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


def _register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("VIP_MEDIAN", 1, _SqliteMedian)


connection_created.connect(_register_sqlite_functions, dispatch_uid="vip_sqlite_functions")
