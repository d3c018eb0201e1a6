"""`manage.py demo_ready`, the last process of `make demo`: once web, worker and Vault answer,
one framed block with the address, the accounts and the demo cluster with AppRole credentials
that log in (and the command that mints more)."""

import os
import subprocess
from types import SimpleNamespace

import hvac
import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command

from config.celery_app import app as celery_app
from pipeline.management.commands import demo_ready
from reviews.management.commands.demo_vault import Command as DemoVault
from tests.vault import BAO, ROOT_TOKEN, BaoServer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def demo_bao(settings):
    """A fresh OpenBao set up as `make demo` sets up its own (program Vault and the demo
    partner's namespace, AppRole and mounts)."""
    server = BaoServer().start()
    settings.VIP_VAULT_ADDR, settings.VIP_VAULT_TOKEN = server.url, ROOT_TOKEN
    simulated = SimpleNamespace(url="https://127.0.0.1:8210", ca_pem="")  # no demo targets here
    DemoVault()._configure(hvac.Client(url=server.url, token=ROOT_TOKEN), simulated)
    yield server
    server.stop()


def login(server, role_id: str, secret_id: str) -> dict:
    client = hvac.Client(url=server.url, namespace="admin")
    return client.auth.approle.login(role_id=role_id, secret_id=secret_id)["auth"]


def test_the_printed_credentials_and_command_give_a_working_approle_login(demo_bao):
    assert demo_ready.vault_answers()
    role_id, secret_id = demo_ready.app_credentials(demo_ready.demo_partner())
    assert "partner-app" in login(demo_bao, role_id, secret_id)["policies"]
    lines = demo_ready.ready_lines(role_id, secret_id)
    command = next(line for line in lines if "bao write" in line).strip()
    assert command.startswith(".venv/bin/bao write -namespace=admin -f ")
    minted = subprocess.run(
        [BAO, "write", "-field=secret_id", *command.split()[2:]],  # flags before the path
        env={**os.environ, "BAO_ADDR": demo_bao.url, "BAO_TOKEN": ROOT_TOKEN},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert minted and minted != secret_id
    assert login(demo_bao, role_id, minted)["client_token"]


def test_the_block_comes_once_web_worker_and_vault_answer(
    demo_bao, live_server, settings, not_eager, capsys
):
    settings.SITE_URL = live_server.url
    assert not demo_ready.worker_answers()  # no worker yet: it would keep waiting
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        call_command("demo_ready", once=True)
    block = capsys.readouterr().out.strip().splitlines()
    assert block[0].startswith("┌") and block[-1].startswith("└")
    assert len({len(line) for line in block}) == 1  # a frame: every line as wide
    text = "\n".join(block)
    assert f"VIP Tracker is ready: {live_server.url}/" in text
    for email in ["owner@acme.example", "member@globex.example", "reviewer@vip.example"]:
        assert email in text
    assert "password for all: vip-demo-password" in text
    assert f"URL {demo_bao.url} · namespace admin" in text
    assert "role_id" in text and "secret_id" in text
    assert "partner-kv (KV v2, writable prefix vip)" in text
