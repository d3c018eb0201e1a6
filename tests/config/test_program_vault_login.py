"""How web and worker log in to the program Vault (issue 15 §3): AppRole, from settings or from
files; and under production settings a root VIP_VAULT_TOKEN is refused: web (config.wsgi) and
the Celery worker do not start, `check --deploy` fails, and the token is never used. A program
Vault that cannot be asked does not stop anything from starting (CI runs `check --deploy` with
no Vault): the first use asks again."""

import os
import socket
import subprocess
import sys

import pytest

from reviews import program_vault
from tests.config.test_settings import PRODUCTION_ENV, ROOT, manage
from tests.vault import BaoServer, app_policy, approle, enable_engine

WEB_POLICY = 'path "transit/encrypt/vip-credentials" { capabilities = ["create", "update"] }'


@pytest.fixture(scope="module")
def program_bao():
    server = BaoServer().start()
    client = server.client()
    enable_engine(client, "transit", "transit")
    app_policy(client, "vip-web", WEB_POLICY)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def web_token(program_bao) -> str:
    """A token with the web process's policy only: what production may use."""
    return program_bao.client().auth.token.create(policies=["vip-web"], ttl="1h")["auth"][
        "client_token"
    ]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIP_VAULT")}
    clean = {k: v for k, v in clean.items() if k not in PRODUCTION_ENV}
    return {**clean, **PRODUCTION_ENV, **env}


def start_web(**env) -> subprocess.CompletedProcess:
    """What each gunicorn worker does first: import config.wsgi."""
    return subprocess.run(
        [sys.executable, "-c", "import config.wsgi; print('started')"],
        cwd=ROOT,
        env=production(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Web -----------------------------------------------------------------------------------


def test_web_refuses_to_start_with_a_root_token(program_bao):
    result = start_web(VIP_VAULT_ADDR=program_bao.url, VIP_VAULT_TOKEN="root")
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert "VIP_VAULT_TOKEN is a root token of the program Vault" in result.stderr
    assert "AppRole" in result.stderr


def test_web_starts_with_a_token_that_is_not_root(program_bao, web_token):
    result = start_web(VIP_VAULT_ADDR=program_bao.url, VIP_VAULT_TOKEN=web_token)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_web_starts_while_the_program_vault_cannot_be_asked():
    result = start_web(
        VIP_VAULT_ADDR=f"http://127.0.0.1:{closed_port()}", VIP_VAULT_TOKEN="anything"
    )
    assert result.returncode == 0, result.stderr
    assert "could not ask the program Vault" in result.stderr


def test_web_starts_with_approle_and_no_token(program_bao):
    result = start_web(
        VIP_VAULT_ADDR=program_bao.url, VIP_VAULT_ROLE_ID="r", VIP_VAULT_SECRET_ID="s"
    )
    assert result.returncode == 0, result.stderr


def test_the_demo_and_the_tests_may_use_a_root_token(program_bao):
    """Development settings: the demo's embedded OpenBao hands out its root token."""
    script = "from reviews import program_vault as p; print(p.refuse_root_token())"
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": "sqlite://:memory:",
        "VIP_VAULT_ADDR": program_bao.url,
        "VIP_VAULT_TOKEN": "root",
    }
    result = manage("shell", "-c", script, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


# --- Worker --------------------------------------------------------------------------------


def start_worker(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--queues=vip-login-test",
            "--loglevel=INFO",
        ],
        cwd=ROOT,
        env=production(REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"), **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_worker_refuses_to_start_with_a_root_token(program_bao):
    result = start_worker(VIP_VAULT_ADDR=program_bao.url, VIP_VAULT_TOKEN="root")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "VIP_VAULT_TOKEN is a root token of the program Vault" in output
    assert "ready." not in output  # it never took a task


# --- check --deploy ------------------------------------------------------------------------


def test_check_deploy_fails_on_a_root_token(program_bao):
    result = manage(
        "check",
        "--deploy",
        **production(VIP_VAULT_ADDR=program_bao.url, VIP_VAULT_TOKEN="root"),
    )
    assert result.returncode != 0
    assert "vip.E001" in result.stderr + result.stdout


def test_check_deploy_passes_where_no_program_vault_answers():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **production(VIP_VAULT_ADDR=f"http://127.0.0.1:{closed_port()}", VIP_VAULT_TOKEN="t"),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "vip.I001" in result.stdout + result.stderr


def test_check_deploy_passes_with_a_token_that_is_not_root(program_bao, web_token):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **production(VIP_VAULT_ADDR=program_bao.url, VIP_VAULT_TOKEN=web_token),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


# --- In the process: the first use asks again; AppRole from files ---------------------------


@pytest.fixture
def program_vault_at(settings, program_bao):
    settings.VIP_VAULT_ADDR = program_bao.url
    settings.VIP_VAULT_ROLE_ID = settings.VIP_VAULT_SECRET_ID = ""
    settings.VIP_VAULT_ROLE_ID_FILE = settings.VIP_VAULT_SECRET_ID_FILE = ""
    program_vault.reset_client()
    yield settings
    program_vault.reset_client()


def test_a_root_token_is_never_used_in_production(program_vault_at):
    """Started while the Vault was down, a process meets the root token at its first use."""
    program_vault_at.VIP_REFUSE_ROOT_VAULT_TOKEN = True
    program_vault_at.VIP_VAULT_TOKEN = "root"
    with pytest.raises(program_vault.ProgramVaultUnavailable, match="root token is refused"):
        program_vault.encrypt({"secret_id": "s"})


def test_approle_login_from_files(program_vault_at, program_bao, tmp_path):
    role_id, secret_id = approle(program_bao.client(), role="vip-web", policies=["vip-web"])
    (tmp_path / "role_id").write_text(role_id + "\n")
    (tmp_path / "secret_id").write_text(secret_id + "\n")
    program_vault_at.VIP_REFUSE_ROOT_VAULT_TOKEN = True
    program_vault_at.VIP_VAULT_TOKEN = ""
    program_vault_at.VIP_VAULT_ROLE_ID_FILE = str(tmp_path / "role_id")
    program_vault_at.VIP_VAULT_SECRET_ID_FILE = str(tmp_path / "secret_id")
    assert program_vault.encrypt({"secret_id": "s"}).startswith("vault:v1:")


def test_an_unreadable_secret_id_file_is_a_clear_error(program_vault_at, tmp_path):
    program_vault_at.VIP_VAULT_TOKEN = ""
    program_vault_at.VIP_VAULT_ROLE_ID_FILE = str(tmp_path / "missing")
    with pytest.raises(program_vault.ProgramVaultUnavailable, match="VIP_VAULT_ROLE_ID_FILE"):
        program_vault.encrypt({"secret_id": "s"})
