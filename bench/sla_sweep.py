"""SLA sweep cost against the number of open issues (target: 100,000 open issues within 1.5×
of 1,000, with 100 due in each; DESIGN.md §10).

    .venv/bin/python bench/sla_sweep.py [--small 1000] [--large 100000] [--due 100]

Bulk-inserts open issues with their clocks on a throw-away PostgreSQL database, `due` of them
with a warning due now, then times one sweep (which records the warnings and notifies) in each.
"""

import argparse
import time
from datetime import timedelta

from _env import bench_integration, configure, drop, median, report

DATABASE = "vip_bench_sla"


def build(integration, reporter, total: int, due: int, now) -> None:
    from support_sla.models import SlaEvent, SupportIssue

    SupportIssue.objects.all().delete()
    SlaEvent.objects.all().delete()
    rows = []
    for n in range(total):
        is_due = n < due
        opened = now - timedelta(hours=40 if is_due else 1)
        rows.append(
            SupportIssue(
                integration=integration,
                title=f"issue {n}",
                description="x",
                severity="critical",
                status="open",
                reporter=reporter,
                opened_at=opened,
                clock_started_at=opened,
                warn_at=opened + timedelta(hours=36),
                due_at=opened + timedelta(hours=48),
                escalate_at=opened + timedelta(hours=96),
                next_action_at=opened + timedelta(hours=36),
            )
        )
    SupportIssue.objects.bulk_create(rows, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE support_sla_supportissue")


def time_sweep(now, repeats: int) -> tuple[float, int]:
    from django.db import transaction

    from support_sla import sweep
    from support_sla.models import SlaEvent, SupportIssue

    times, events = [], 0
    for _ in range(repeats):
        began = time.perf_counter()
        result = sweep.sla_sweep(now=now)
        times.append(time.perf_counter() - began)
        events = result.events
        # Undo, so the next repeat does the same work.
        with transaction.atomic():
            ids = list(SlaEvent.objects.values_list("issue_id", flat=True))
            SlaEvent.objects.all().delete()
            for issue in SupportIssue.objects.filter(pk__in=ids):
                SupportIssue.objects.filter(pk=issue.pk).update(next_action_at=issue.warn_at)
    return median(times), events


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    configure(DATABASE, redis_db=12, extra={"EMAIL_URL": "dummymail://"})
    try:
        from django.utils import timezone

        from accounts.models import User

        integration = bench_integration()
        reporter = User.objects.create_user("bench@partner.example", "x")
        now = timezone.now()
        figures = {}
        for total in (args.small, args.large):
            build(integration, reporter, total, args.due, now)
            seconds, events = time_sweep(now, args.repeats)
            assert events == args.due, f"expected {args.due} warnings, got {events}"
            figures[total] = seconds
            print(
                f"{total:>7} open issues, {args.due} due: one sweep {seconds * 1000:.1f} ms "
                f"(median of {args.repeats})"
            )
        ratio = figures[args.large] / figures[args.small]
        verdict = "PASS" if ratio <= 1.5 else "FAIL"
        print(f"ratio {args.large:,} / {args.small:,}: {ratio:.2f} (target ≤ 1.50) {verdict}")
        report(
            f"SLA sweep, {args.due} due",
            figures=[f"{total:,} open issues: {figures[total] * 1000:.1f} ms" for total in figures],
            ratio=ratio,
            target="≤ 1.50",
            passed=ratio <= 1.5,
        )
    finally:
        drop(DATABASE)


if __name__ == "__main__":
    main()
