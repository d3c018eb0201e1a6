"""`make demo`'s last word: once the web process, the worker and the demo Vault all answer,
print the address, the demo accounts and the demo cluster (with fresh AppRole credentials and
the command that mints more) in one framed block, after the start-up logs that pushed the
first list of accounts off screen. Then wait until the demo stops (honcho stops every process
when one ends)."""

import threading
import time

import hvac
import requests
from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import EmailState, Notification
from config.celery_app import app
from pipeline.management.commands.demo_data import account_lines
from reviews.management.commands.demo_vault import (
    DEMO_MOUNTS,
    DEMO_NAMESPACE,
    DEMO_ROLE,
    STANDIN_PORT,
    app_credentials,
)
from reviews.models import OPEN_RUN_STATUSES, VerificationRun

POLL_SECONDS = 1.0
REMIND_EVERY = 30.0  # seconds between "still waiting for …" lines
SETTLE_AT_MOST = 60.0  # seconds to let the worker finish the start-up work before printing
MOUNT_WORDS = {
    "kv-v2": lambda mount: f"KV v2, writable prefix {mount['writable_prefix']}",
    "transit": lambda mount: f"Transit, key {mount['key']}",
}


def web_answers() -> bool:
    """The web process serves /healthz and every service it probes is up."""
    try:
        response = requests.get(f"{settings.SITE_URL.rstrip('/')}/healthz", timeout=2)
        return response.status_code == 200 and response.json().get("status") == "ok"
    except (requests.RequestException, ValueError):
        return False


def worker_answers() -> bool:
    """A Celery worker replies to a ping through the broker."""
    try:
        return bool(app.control.ping(timeout=1.0))
    except Exception:  # the broker is not there yet, or answers nonsense while starting
        return False


def demo_partner() -> hvac.Client:
    return hvac.Client(
        url=settings.VIP_VAULT_ADDR,
        token=settings.VIP_VAULT_TOKEN,
        namespace=DEMO_NAMESPACE,
        timeout=2,
    )


def vault_answers() -> bool:
    """The demo Vault is up and demo_vault has configured the demo partner's AppRole."""
    try:
        return bool(demo_partner().read(f"auth/approle/role/{DEMO_ROLE}/role-id"))
    except (hvac.exceptions.VaultError, requests.RequestException):
        return False


CHECKS = {"web": web_answers, "worker": worker_answers, "Vault": vault_answers}


def settled() -> bool:
    """The worker has done the start-up work: the demo targets' first runs finished and their
    e-mails went out (the console prints them), so the block comes after them, not above."""
    return not (
        VerificationRun.objects.filter(status__in=OPEN_RUN_STATUSES).exists()
        or Notification.objects.filter(email_state=EmailState.PENDING).exists()
    )


def framed(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "─" * (width + 2)
    body = [f"│ {line.ljust(width)} │" for line in lines]
    return "\n".join([f"┌{rule}┐", *body, f"└{rule}┘"])


def ready_lines(role_id: str, secret_id: str) -> list[str]:
    site = settings.SITE_URL.rstrip("/")
    vault = settings.VIP_VAULT_ADDR
    mounts = [f"{mount['path']} ({MOUNT_WORDS[mount['type']](mount)})" for mount in DEMO_MOUNTS]
    return [
        f"VIP Tracker is ready: {site}/",
        "",
        *account_lines(),
        "",
        "Add a target yourself: the demo cluster (OpenBao, not simulated)",
        f"  Kind OpenBao · URL {vault} · namespace {DEMO_NAMESPACE}",
        "  Auth method AppRole · mount path approle",
        f"    role_id    {role_id}",
        f"    secret_id  {secret_id}  (valid 24 hours)",
        f"  Secret mounts: {'; '.join(mounts)}",
        "  Another secret_id (the role_id stays the same):",
        f"    BAO_ADDR={vault} BAO_TOKEN={settings.VIP_VAULT_TOKEN} \\",
        f"      .venv/bin/bao write -namespace={DEMO_NAMESPACE} -f "
        f"auth/approle/role/{DEMO_ROLE}/secret-id",
        f"  The same server answers at https://127.0.0.1:{STANDIN_PORT} as Vault Enterprise "
        "(simulated).",
        "",
        "Ctrl-C stops everything.",
    ]


class Command(BaseCommand):
    help = "Wait for the demo's web, worker and Vault, then print how to use it; keep running."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Exit after printing (instead of waiting)."
        )

    def handle(self, *args, once=False, **options):
        started = last_reminder = time.monotonic()
        waiting = dict(CHECKS)
        while waiting:
            waiting = {name: check for name, check in waiting.items() if not check()}
            if not waiting:
                break
            if time.monotonic() - last_reminder >= REMIND_EVERY:
                last_reminder = time.monotonic()
                self.stdout.write(
                    f"Still waiting for: {', '.join(waiting)} "
                    f"({round(last_reminder - started)} s since the demo started)."
                )
                self.stdout.flush()
            time.sleep(POLL_SECONDS)
        deadline = time.monotonic() + SETTLE_AT_MOST
        while not settled() and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        time.sleep(POLL_SECONDS)  # the worker's last lines reach the console first
        role_id, secret_id = app_credentials(demo_partner())
        self.stdout.write("\n" + framed(ready_lines(role_id, secret_id)) + "\n")
        self.stdout.flush()
        if not once:
            threading.Event().wait()  # until honcho stops the demo
