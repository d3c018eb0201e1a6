"""Overlap detection (`integrations.overlap.find_overlaps`) against the size of a category
(issue 13): the median time of one call with 1,000, 10,000 and 100,000 integrations in one
category. Targets: at most 50 ms at 100,000 (the intake's hint stays live), and 100,000 within
3× of 1,000 (PostgreSQL's first cut reads candidates through its GIN indexes, not the category).

    .venv/bin/python bench/overlap.py [--sizes 1000 10000 100000] [--queries 20] [--repeats 3]

Each size is a throw-away PostgreSQL database's `runtime` category filled with generated
intakes (`tests/overlap_corpus.py`: vendors' product names over a shared technology
vocabulary, descriptions from the sentences such intakes share plus words of their own, one in
ten a variant of an earlier one), then vacuumed and analysed as autovacuum would. The
queries are new intakes of the same generator (a different seed; half of them variants of
existing ones, so there are real matches to find), each timed `--repeats` times; the figure
is the median of all calls. For the first `--compared` queries it also scores the whole
category, as before the first cut, and prints how many gave the same ten matches (less the
letter-by-letter name matches the cut does not look for: `tests.overlap_corpus.whole_category`).
"""

import argparse
import random
import time

from _env import configure, drop, median, report

DATABASE = "vip_bench_overlap"


def fill(size: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from integrations.models import Integration, Partner, Stage
    from tests.overlap_corpus import corpus

    Integration.objects.all().delete()
    Partner.objects.all().delete()
    intakes = corpus(size)
    names = sorted({intake.partner for intake in intakes})
    partners = {
        partner.name: partner
        for partner in Partner.objects.bulk_create(
            Partner(name=name, slug=f"p-{n}") for n, name in enumerate(names)
        )
    }
    stages = [Stage.ENGAGE, Stage.DEVELOP, Stage.REVIEW, Stage.RELEASE, Stage.SUPPORT]
    now = timezone.now()
    Integration.objects.bulk_create(
        (
            Integration(
                partner=partners[intake.partner],
                name=intake.name,
                category="runtime",
                summary="s",
                description=intake.description,
                vault_editions=["vault_enterprise"],
                auth_methods=["approle"],
                contact_email="dev@partner.example",
                stage=stages[n % len(stages)],
                stage_changed_at=now,
            )
            for n, intake in enumerate(intakes)
        ),
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        # As autovacuum would after a load: statistics, and GIN pending lists merged.
        cursor.execute("VACUUM ANALYZE integrations_partner")
        cursor.execute("VACUUM ANALYZE integrations_integration")


def queries(count: int) -> list:
    """New intakes (not saved): half variants of existing integrations, half fresh work."""
    from integrations.models import Integration, Partner
    from tests.overlap_corpus import corpus

    rng = random.Random(7)  # the same existing integrations each time (ids follow the corpus)
    ids = sorted(Integration.objects.values_list("pk", flat=True))
    chosen = rng.sample(ids, min(len(ids), count // 2 or 1))
    existing = list(Integration.objects.select_related("partner").filter(pk__in=chosen))
    fresh = corpus(count, seed=1013)
    made = []
    for n in range(count):
        if n % 2 and existing:
            base = existing.pop()
            words = base.name.split()
            name = " ".join([*words[1:], rng.choice(["Sync", "Operator", "Agent"])])
            made.append((name, Partner(name="Newcomer"), base.description))
        else:
            intake = fresh[n]
            made.append((intake.name, Partner(name=intake.partner), intake.description))
    return [
        Integration(name=name, partner=partner, description=description, category="runtime")
        for name, partner, description in made
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compared", type=int, default=4)
    args = parser.parse_args()
    configure(DATABASE, redis_db=13)
    try:
        from integrations.overlap import find_overlaps
        from tests.overlap_corpus import whole_category

        figures = {}
        for size in args.sizes:
            fill(size)
            intakes = queries(args.queries)
            find_overlaps(intakes[0])  # warm up (connection, statistics, caches)
            times, found = [], 0
            for intake in intakes:
                for _ in range(args.repeats):
                    began = time.perf_counter()
                    matches = find_overlaps(intake)
                    times.append(time.perf_counter() - began)
                found += bool(matches)
            figures[size] = median(times)
            line = (
                f"{size:>7} integrations in one category: {figures[size] * 1000:.1f} ms per call "
                f"(median of {len(times)}; {found} of {len(intakes)} intakes with overlaps)"
            )
            same = sum(
                [(m.id, m.score) for m in find_overlaps(intake)] == whole_category(intake)
                for intake in intakes[: args.compared]
            )
            line += f"; same matches as the whole category for {same} of {args.compared}"
            print(line, flush=True)
        small, large = min(figures), max(figures)
        ratio = figures[large] / figures[small]
        passed = figures[large] <= 0.05 and ratio <= 3
        print(
            f"ratio {large:,} / {small:,}: {ratio:.2f} (target ≤ 3); {large:,}: "
            f"{figures[large] * 1000:.1f} ms (target ≤ 50 ms) {'PASS' if passed else 'FAIL'}"
        )
        report(
            "overlap detection (find_overlaps) per intake",
            figures=[
                f"{size:,} in the category: {figures[size] * 1000:.1f} ms" for size in figures
            ],
            ratio=ratio,
            target=f"≤ 3.00 and ≤ 50 ms at {large:,}",
            passed=passed,
        )
    finally:
        drop(DATABASE)


if __name__ == "__main__":
    main()
