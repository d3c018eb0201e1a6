"""What /healthz reports: the database, the broker and the program Vault.

/healthz is public (load balancers and compose ask it), so asking it must cost little: each
process probes at most once every `VIP_HEALTHZ_CACHE_SECONDS` (5 s) and answers from that
probe meanwhile, and the program Vault is asked with short timeouts (`PROBE_TIMEOUT`), not the
long ones verification runs use. Without that, a few anonymous requests against a slow program
Vault held every web process for 15 s each.
"""

import os
import threading
import time
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from config.celery_app import app as celery_app

PROBE_TIMEOUT = (1.0, 2.0)  # (connect, read) seconds for the program Vault and Redis

_lock = threading.Lock()
_last: dict = {"at": None, "checks": None}


def checks() -> dict:
    """The last probe if it is recent enough, else a new one (one at a time per process)."""
    with _lock:
        at = _last["at"]
        if at is None or time.monotonic() - at >= settings.VIP_HEALTHZ_CACHE_SECONDS:
            _last["checks"] = probe()
            _last["at"] = time.monotonic()
        return _last["checks"]


def forget() -> None:
    """The next `checks()` probes again (tests, after changing what it probes)."""
    with _lock:
        _last["at"] = _last["checks"] = None


def probe() -> dict:
    return {
        "database": database_state(),
        "broker": broker_state(),
        "program_vault": program_vault_state(),
    }


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as error:
        return {"ok": False, "error": error.__class__.__name__}


def broker_state() -> dict:
    url = celery_app.conf.broker_url  # configuring the app also creates the filesystem folders
    if url.startswith("filesystem://"):
        folder = Path(celery_app.conf.broker_transport_options["data_folder_in"])
        if folder.is_dir() and os.access(folder, os.W_OK):
            return {"ok": True, "transport": "filesystem"}
        return {"ok": False, "transport": "filesystem", "error": "broker folder not writable"}
    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=PROBE_TIMEOUT[0], socket_timeout=PROBE_TIMEOUT[1]
        )
        client.ping()
        return {"ok": True, "transport": "redis"}
    except redis.RedisError as error:
        return {"ok": False, "transport": "redis", "error": error.__class__.__name__}


def program_vault_state() -> dict:
    """Is the program Vault reachable, initialised and unsealed? (with short timeouts)"""
    from reviews import program_vault

    return program_vault.state(timeout=PROBE_TIMEOUT)
