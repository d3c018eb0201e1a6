"""/healthz reports the database and the broker; 503 when one is down (really down: the
check runs in a fresh process pointed at a port where nothing listens)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

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


def healthz_in_a_fresh_process(**env) -> tuple[int, dict]:
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', HTTP_HOST='127.0.0.1');"
        "print(json.dumps([r.status_code, json.loads(r.content)]))"
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
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    return status, body


@pytest.mark.django_db
def test_healthy(client, settings):
    from tests.vault import BaoServer

    server = BaoServer().start()
    settings.VIP_VAULT_ADDR = server.url
    try:
        response = client.get("/healthz")
    finally:
        server.stop()
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"ok": True},
        "broker": {"ok": True, "transport": "redis"},
        "program_vault": {"ok": True},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_program_vault_down_is_degraded_not_down(client, settings):
    settings.VIP_VAULT_ADDR = f"http://127.0.0.1:{closed_port()}"
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["program_vault"] == {"ok": False, "error": "ConnectionError"}


def test_broker_down_is_503():
    status, body = healthz_in_a_fresh_process(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0")
    assert status == 503
    assert body["status"] == "unavailable"
    assert body["broker"]["ok"] is False
    assert body["database"] == {"ok": True}


def test_database_down_is_503():
    status, body = healthz_in_a_fresh_process(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/vip"
    )
    assert status == 503
    assert body["database"] == {"ok": False, "error": "OperationalError"}
    assert body["broker"]["ok"] is True


def test_the_demo_filesystem_broker_is_reported(tmp_path):
    status, body = healthz_in_a_fresh_process(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL="",
    )
    assert status == 200
    assert body["broker"] == {"ok": True, "transport": "filesystem"}
