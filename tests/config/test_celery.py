"""The Celery app: broker by environment, JSON only, late acks, limits, a beat schedule."""

import os
import subprocess
import sys
from pathlib import Path

from config.celery_app import app

ROOT = Path(__file__).resolve().parents[2]


def broker_for(env: dict) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from config.celery_app import app;"
            "print(app.conf.broker_url)",
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.local", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_redis_broker_when_redis_url_is_set():
    assert broker_for({"REDIS_URL": "redis://127.0.0.1:6379/3"}) == "redis://127.0.0.1:6379/3"


def test_filesystem_broker_otherwise():
    assert broker_for({}) == "filesystem://"


def test_safe_task_defaults():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit > conf.task_soft_time_limit > 0
    assert conf.worker_prefetch_multiplier == 1


def test_every_scheduled_task_exists():
    app.loader.import_default_modules()
    assert app.conf.beat_schedule
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
