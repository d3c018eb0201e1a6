"""SLA sweep cost (DESIGN.md §10, issue 13), two measures on a throw-away PostgreSQL database:

1. Against the number of open issues: 1,000 and 100,000 open critical issues, 100 of them
   with a warning due now; one sweep in each (median of --repeats, undone in between). Target:
   100,000 within 1.5× of 1,000: the sweep finds due work through the partial index on
   `next_action_at`, so open issues that are not due cost nothing.
2. A backlog, as after a broker or database outage: 100,000 open issues of which 10,000 are
   due at once: all past their warning, every tenth past its breach too (11,000 events and
   as many notifications; the standings of the 100 integrations they belong to, of 100
   partners, recomputed). One sweep: its time per due clock (target ≤ 1 ms) and its longest
   transaction (target ≤ 1 s: the sweep works in batches of `support_sla.sweep.BATCH`).

    .venv/bin/python bench/sla_sweep.py [--small 1000] [--large 100000] [--due 100]
                                        [--backlog 10000] [--batch 200]

Issues are bulk-inserted with their clocks. Every partner has an owner, so each warning and
breach writes a notification row (rendered), and after each batch commits the outbox hands
each row to the broker (Redis; no worker consumes them here, as if the workers were busy).
Mail is not sent. The sweep runs in this process, as the beat task would in a worker.
"""

import argparse
import time
from datetime import timedelta

from _env import configure, drop, median, report

DATABASE = "vip_bench_sla"


def reset() -> None:
    from accounts.models import Notification
    from support_sla.models import SlaEvent, StandingRecord, SupportIssue

    SlaEvent.objects.all().delete()
    SupportIssue.objects.all().delete()
    StandingRecord.objects.all().delete()
    Notification.objects.all().delete()


def make_integrations(count: int) -> list:
    """`count` supported integrations, each of its own partner with an owner."""
    from accounts.models import Membership, User
    from integrations.models import Integration, Partner

    partners = Partner.objects.bulk_create(
        Partner(name=f"Bench Partner {n}", slug=f"bench-partner-{n}") for n in range(count)
    )
    owners = User.objects.bulk_create(
        User(email=f"owner{n}@partner.example", password="!") for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(partner=partner, user=owner, role="owner")
        for partner, owner in zip(partners, owners, strict=True)
    )
    return Integration.objects.bulk_create(
        Integration(
            partner=partner,
            name=f"Bench Integration {n}",
            category="runtime",
            summary="s",
            description="d",
            vault_editions=["vault_enterprise", "hcp_vault"],
            auth_methods=["approle"],
            contact_email="bench@partner.example",
            stage="support",
        )
        for n, partner in enumerate(partners)
    )


def build(integrations, reporter, total: int, due: int, now, *, breached_every: int = 0) -> None:
    """`total` open critical issues over `integrations`; the first `due` have their warning
    due (and every `breached_every`th of them its breach too); the others were opened an hour
    ago."""
    from django.db import connection

    from support_sla.models import SupportIssue

    reset()
    rows = []
    for n in range(total):
        breached = breached_every and n % breached_every == 0
        hours = (49 if breached else 40) if n < due else 1
        opened = now - timedelta(hours=hours)
        rows.append(
            SupportIssue(
                integration=integrations[n % len(integrations)],
                title=f"issue {n}",
                description="x",
                severity="critical",
                status="open",
                reporter=reporter,
                opened_at=opened,
                clock_started_at=opened,
                clock_calendar={
                    "time_zone": "UTC",
                    "working_days": [0, 1, 2, 3, 4],
                    "country": "",
                    "subdivision": "",
                    "closures": [],
                },
                warn_at=opened + timedelta(hours=36),
                due_at=opened + timedelta(hours=48),
                escalate_at=opened + timedelta(hours=96),
                next_action_at=opened + timedelta(hours=36),
            )
        )
    SupportIssue.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE support_sla_supportissue")


def time_sweep(now, repeats: int) -> tuple[float, int]:
    from django.db import transaction

    from accounts.models import Notification
    from support_sla import sweep
    from support_sla.models import SlaEvent, StandingRecord, SupportIssue

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
            Notification.objects.all().delete()
            StandingRecord.objects.all().delete()
            for issue in SupportIssue.objects.filter(pk__in=ids):
                SupportIssue.objects.filter(pk=issue.pk).update(next_action_at=issue.warn_at)
    return median(times), events


def backlog(integrations, reporter, args, now) -> None:
    from support_sla import sweep

    build(integrations, reporter, args.large, args.backlog, now, breached_every=10)
    began = time.perf_counter()
    result = sweep.sla_sweep(now=now, batch=args.batch)
    seconds = time.perf_counter() - began
    expected = args.backlog + len(range(0, args.backlog, 10))
    assert result.events == expected, f"expected {expected} events, got {result.events}"
    assert (result.issues, result.failures) == (args.backlog, 0)
    per_clock = seconds / args.backlog * 1000
    longest = result.longest_batch
    print(
        f"{args.large:>7} open issues, {args.backlog} due at once: one sweep {seconds:.2f} s, "
        f"{per_clock:.3f} ms per due clock (target ≤ 1 ms); {result.batches} batches of "
        f"{args.batch}, longest transaction {longest * 1000:.0f} ms (target ≤ 1 s)"
    )
    passed = per_clock <= 1.0 and longest <= 1.0
    print(f"backlog: {'PASS' if passed else 'FAIL'}")
    report(
        f"SLA sweep, {args.backlog:,} due at once ({args.large:,} open)",
        figures=[
            f"one sweep: {seconds:.2f} s, {result.events:,} events",
            f"per due clock: {per_clock:.3f} ms",
            f"longest transaction: {longest * 1000:.0f} ms ({result.batches} batches)",
        ],
        ratio=per_clock,
        target="≤ 1 ms per due clock, longest transaction ≤ 1 s",
        passed=passed,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=None, help="default: the sweep's own")
    args = parser.parse_args()
    configure(DATABASE, redis_db=12, extra={"EMAIL_URL": "dummymail://"})
    try:
        from django.utils import timezone

        from accounts.models import User
        from support_sla import sweep

        args.batch = args.batch or sweep.BATCH
        integrations = make_integrations(100)
        reporter = User.objects.create_user("bench@partner.example", "x")
        now = timezone.now()
        figures = {}
        for total in (args.small, args.large):
            build(integrations, reporter, total, args.due, now)
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
        backlog(integrations, reporter, args, now)
    finally:
        drop(DATABASE)


if __name__ == "__main__":
    main()
