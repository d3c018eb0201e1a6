"""/healthz reports the database, the broker and the program Vault; 503 when the database or
the broker is down (really down: the check runs in a fresh process pointed at a port where
nothing listens). Program staff see each probe; anyone else only `ok` or `degraded`. The probe
is cached for a few seconds per process and asks the program Vault with short timeouts."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config import health

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Services that answer: the maintenance database every PostgreSQL server has, and Redis.
UP = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


@pytest.fixture(autouse=True)
def fresh_probe():
    """Each test probes anew (the probe is cached per process)."""
    health.forget()
    yield
    health.forget()


def healthz_in_a_fresh_process(**env) -> tuple[int, dict, dict]:
    """The status and body an anonymous caller gets, and the probe's details."""
    script = (
        "import django, json; django.setup();"
        "from django.test import Client; from config import health;"
        "r = Client().get('/healthz', HTTP_HOST='127.0.0.1');"
        "print(json.dumps([r.status_code, json.loads(r.content), health.checks()]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **UP, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    status, body, checks = json.loads(result.stdout.strip().splitlines()[-1])
    return status, body, checks


@pytest.fixture(scope="module")
def vault():
    from tests.vault import BaoServer

    server = BaoServer().start()
    yield server
    server.stop()


@pytest.mark.django_db
def test_healthy_staff_see_each_probe(client_as, reviewer, settings, vault):
    settings.VIP_VAULT_ADDR = vault.url
    response = client_as(reviewer).get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"ok": True},
        "broker": {"ok": True, "transport": "redis"},
        "program_vault": {"ok": True},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthy_anonymous_callers_see_only_the_status(client, owner, client_as, settings, vault):
    settings.VIP_VAULT_ADDR = vault.url
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client_as(owner).get("/healthz").json() == {"status": "ok"}  # partners too


@pytest.mark.django_db
def test_program_vault_down_is_degraded_not_down(client, client_as, reviewer, settings):
    settings.VIP_VAULT_ADDR = f"http://127.0.0.1:{closed_port()}"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded"}  # no service named, no exception
    body = client_as(reviewer).get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["program_vault"] == {"ok": False, "error": "ConnectionError"}


@pytest.mark.django_db
def test_the_probe_is_cached_for_a_few_seconds(client, settings):
    from tests.vault import BaoServer

    settings.VIP_HEALTHZ_CACHE_SECONDS = 1.5
    server = BaoServer().start()
    settings.VIP_VAULT_ADDR = server.url
    try:
        assert client.get("/healthz").json() == {"status": "ok"}
    finally:
        server.stop()
    # Requests within the window are answered from the last probe: nobody reaches the Vault.
    assert client.get("/healthz").json() == {"status": "ok"}
    time.sleep(1.6)
    assert client.get("/healthz").json() == {"status": "degraded"}


@pytest.mark.django_db
def test_a_frozen_program_vault_answers_within_a_few_seconds(client, settings):
    """A Vault that accepts connections but never answers (stopped with SIGSTOP): the probe
    gives up after its short read timeout, not the 15 s verification runs allow."""
    from tests.vault import BaoServer

    settings.VIP_VAULT_READ_TIMEOUT = 15.0
    server = BaoServer().start()
    settings.VIP_VAULT_ADDR = server.url
    server.freeze()
    try:
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    finally:
        server.thaw()
        server.stop()
    assert response.json() == {"status": "degraded"}
    assert elapsed < 5, elapsed


def test_broker_down_is_503():
    status, body, checks = healthz_in_a_fresh_process(
        REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"
    )
    assert status == 503
    assert body == {"status": "degraded"}
    assert checks["broker"]["ok"] is False
    assert checks["database"] == {"ok": True}


def test_database_down_is_503():
    status, body, checks = healthz_in_a_fresh_process(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/vip"
    )
    assert status == 503
    assert body == {"status": "degraded"}
    assert checks["database"] == {"ok": False, "error": "OperationalError"}
    assert checks["broker"]["ok"] is True


def test_the_demo_filesystem_broker_is_reported(tmp_path):
    status, _body, checks = healthz_in_a_fresh_process(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="",
    )
    assert status == 200
    assert checks["broker"] == {"ok": True, "transport": "filesystem"}
