"""Other processes on this test's database: a Django script or a Celery worker started with
`subprocess`, configured like the test process but with Celery going through a real broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

from tests.vault import free_port_pair

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The URL of the database this test process uses (pytest-django's test database)."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def process_env(**overrides: str) -> dict:
    """The environment of a process that shares this test's database, Celery not eager."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(),
        "VIP_CELERY_EAGER": "false",
        **overrides,
    }


def run_with_broker_down(script: str) -> subprocess.CompletedProcess:
    """Run `script` (Python, after django.setup()) in a process whose broker (Redis) is a port
    nobody listens on."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script],
        cwd=ROOT,
        env=process_env(REDIS_URL=f"redis://127.0.0.1:{free_port_pair()}/0"),
        capture_output=True,
        text=True,
        timeout=120,
    )


def wait_for(predicate, timeout: float = 30.0):
    """What `predicate()` returns once it is truthy (another process got there), polled every
    50 ms; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")
