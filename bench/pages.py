"""Board and list pages against the size of the program (DESIGN.md §10): a constant number of
queries whatever the data size, and with 10,000 integrations a median response within 2× of
the median with 100.

    .venv/bin/python bench/pages.py [--small 100] [--large 10000] [--requests 60]

Bulk-inserts integrations spread over every stage and category (plus five open support issues
on every supported one); the review queue gets a mix with every second integration in review.
So the lists' first pages are full at both sizes (the board's columns nearly: 11 or 12 of 12
cards at 100), and the ratio measures the data behind a page, not a half-empty page against a
full one. All on a throw-away PostgreSQL database; each page is requested in-process through
Django's test client, DEBUG off, signed in as the role that uses it. Prints, per page and
size, the median time and the number of queries, then the ratio.
"""

import argparse
import time

from _env import configure, drop, median, report

DATABASE = "vip_bench_pages"
ISSUES_PER_SUPPORTED = 5  # 100 integrations: 11 supported, 55 issues (a page is 50)

# (label, URL, role, stage mix): the pages whose cost must not grow with the data.
PAGES = [
    ("board", "/review/board/", "reviewer", "even"),
    ("review queue", "/review/queue/", "reviewer", "review-heavy"),
    ("support queue", "/support/", "reviewer", "even"),
    ("directory", "/directory/", "anonymous", "even"),
    ("integrations list", "/integrations/", "reviewer", "even"),
    ("API integration list", "/api/v1/integrations/", "reviewer", "even"),
]


def stage_of(n: int, mix: str) -> str:
    from integrations.models import Stage

    stages = list(Stage.values)
    if mix == "review-heavy" and n % 2 == 0:
        return Stage.REVIEW
    return stages[n % len(stages)]


def build(total: int, mix: str) -> None:
    """`total` integrations over 1 partner per 20 integrations, every stage and category."""
    from django.db import connection
    from django.utils import timezone

    from integrations.models import Category, Integration, Partner
    from support_sla.models import SupportIssue

    SupportIssue.objects.all().delete()
    Integration.objects.all().delete()
    Partner.objects.all().delete()
    partners = Partner.objects.bulk_create(
        Partner(name=f"Partner {n}", slug=f"partner-{n}") for n in range(max(1, total // 20))
    )
    categories, now = list(Category.values), timezone.now()
    integrations = Integration.objects.bulk_create(
        (
            Integration(
                partner=partners[n % len(partners)],
                name=f"Integration {n}",
                category=categories[n % len(categories)],
                summary="Secrets for workloads",
                description="A benchmark integration.",
                vault_editions=["vault_enterprise", "hcp_vault"],
                auth_methods=["approle"],
                contact_email=f"dev{n}@partner.example",
                stage=stage_of(n, mix),
                stage_changed_at=now,
            )
            for n in range(total)
        ),
        batch_size=2000,
    )
    SupportIssue.objects.bulk_create(
        (
            SupportIssue(
                integration=integration,
                title="Renewal fails",
                description="x",
                severity="major",
                status="open",
                opened_at=now,
                clock_started_at=now,
                due_at=now,
                next_action_at=now,
            )
            for integration in integrations
            if integration.stage == "support"
            for _ in range(ISSUES_PER_SUPPORTED)
        ),
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(client, url: str, requests: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and connections
    times = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - began)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return median(times), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    configure(DATABASE, redis_db=13, extra={"ALLOWED_HOSTS": "testserver"})
    try:
        from django.contrib.auth.models import Group
        from django.test import Client

        from accounts.models import User

        reviewer = User.objects.create_user("reviewer@bench.example", "x")
        reviewer.groups.add(Group.objects.get_or_create(name="reviewers")[0])
        clients = {"anonymous": Client(), "reviewer": Client()}
        clients["reviewer"].force_login(reviewer)
        figures: dict[tuple[str, int], tuple[float, int]] = {}
        for total in (args.small, args.large):
            for mix in dict.fromkeys(page[3] for page in PAGES):
                build(total, mix)
                for label, url, role, _mix in (page for page in PAGES if page[3] == mix):
                    seconds, queries = measure(clients[role], url, args.requests)
                    figures[label, total] = seconds, queries
                    print(
                        f"{label:<22} {total:>6} integrations: median "
                        f"{seconds * 1000:7.1f} ms, {queries} queries"
                    )
        for label, url, _role, _mix in PAGES:
            (small_s, small_q), (large_s, large_q) = (
                figures[label, args.small],
                figures[label, args.large],
            )
            ratio = large_s / small_s
            passed = ratio <= 2 and small_q == large_q
            print(
                f"{label}: ratio {args.large:,} / {args.small:,} = {ratio:.2f} (target ≤ 2.00), "
                f"queries {small_q} → {large_q} {'PASS' if passed else 'FAIL'}"
            )
            report(
                f"{label} ({url})",
                figures=[
                    f"{args.small:,} integrations: {small_s * 1000:.1f} ms, {small_q} queries",
                    f"{args.large:,}: {large_s * 1000:.1f} ms, {large_q} queries",
                ],
                ratio=ratio,
                target="≤ 2.00 and the same number of queries",
                passed=passed,
            )
    finally:
        drop(DATABASE)


if __name__ == "__main__":
    main()
