"""Shared set-up for benchmarks: a throw-away PostgreSQL database, Redis, real OpenBao servers,
and Django configured like a production process (DEBUG off)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG = "postgres://postgres@127.0.0.1:5432"
# The Redis server benchmarks use (each picks its own database on it, which it flushes).
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379")


def configure(database: str, *, redis_db: int = 14, extra: dict | None = None) -> dict:
    """Recreate `database`, point Django at it and at Redis, migrate. Returns the environment
    (for worker subprocesses)."""
    import psycopg2

    connection = psycopg2.connect(f"{PG}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{database}"')
    connection.close()
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": f"{PG}/{database}",
        "REDIS_URL": f"{REDIS}/{redis_db}",
        "LOG_LEVEL": "WARNING",
        **(extra or {}),
    }
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        check=True,
        env={**os.environ},
    )
    import django

    django.setup()
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    return env


def drop(database: str) -> None:
    import psycopg2
    from django.db import connections

    connections.close_all()
    connection = psycopg2.connect(f"{PG}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    connection.close()


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def bench_integration(*, stage: str = "support", owner=None):
    """A partner and a supported integration to benchmark with (the owner joins the partner)."""
    from accounts.models import Membership
    from integrations.models import Integration, Partner

    partner = Partner.objects.create(name="Bench Partner", slug="bench-partner")
    if owner is not None:
        Membership.objects.create(partner=partner, user=owner, role="owner")
    return Integration.objects.create(
        partner=partner,
        name="Bench Integration",
        category="runtime",
        summary="s",
        description="d",
        vault_editions=["vault_enterprise", "hcp_vault"],
        auth_methods=["approle"],
        contact_email="bench@partner.example",
        stage=stage,
    )


def report(
    benchmark: str, *, figures: list[str], ratio: float, target: str, passed: bool | None
) -> None:
    """One machine-readable line per benchmark result; `bench/run.py` collects them into
    bench/REPORT.md. `passed` is None for a figure that has no target of its own."""
    import json

    line = {
        "benchmark": benchmark,
        "figures": figures,
        "ratio": round(ratio, 2),
        "target": target,
        "passed": passed,
    }
    print("REPORT " + json.dumps(line, ensure_ascii=False), flush=True)
