"""Every web process of ours serves a badge's change of status at once (DESIGN.md §6): two real
gunicorn processes, each with its own per-process copy of the rendered badge, warmed green; a
revocation in a third process (this one); then twenty reads of the SVG from each: never green."""

import subprocess
import sys

import pytest
import requests

from badges import rendering, services
from integrations.models import Stage
from tests.badges.helpers import recorded_run
from tests.factories import IntegrationFactory
from tests.processes import ROOT, process_env, wait_for
from tests.vault import free_port_pair

GREEN = b"#4c1"


def start_web(port: int) -> subprocess.Popen:
    """gunicorn, one sync worker (one process, one per-process copy), on this test's database
    and Redis cache (the same cache key prefix)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=process_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def web_processes():
    ports = [free_port_pair(), free_port_pair()]
    processes = [start_web(port) for port in ports]
    yield [f"http://127.0.0.1:{port}" for port in ports]
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=30)


def answers(base: str, path: str) -> bytes | None:
    try:
        response = requests.get(base + path, timeout=5)
    except requests.ConnectionError:
        return None
    return response.content if response.status_code == 200 else None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_revocation_is_served_by_every_web_process_at_once(partner, admin, web_processes):
    integration = IntegrationFactory(partner=partner, stage=Stage.SUPPORT)
    recorded_run(integration)
    badge = services.badge_issue(integration=integration, kind="hcp_vault_verified", actor=admin)
    rendering.forget(badge.public_id)
    svg = f"/badges/{badge.public_id}.svg"
    for base in web_processes:
        wait_for(lambda base=base: answers(base, svg), timeout=60)
        for _ in range(3):  # each process now holds its own green copy
            assert GREEN in answers(base, svg)

    services.badge_revoke(badge=badge, actor=admin, reason="Misused on the website.")

    for _ in range(20):
        for base in web_processes:
            body = answers(base, svg)
            assert body is not None and GREEN not in body
            assert b"HCP Vault Verified: revoked" in body
