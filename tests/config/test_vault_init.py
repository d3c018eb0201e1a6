"""scripts/vault_init.py, compose's `vault-init`, against a real OpenBao server configured as
docker-compose.yml configures it (not -dev: raft storage in a folder, uninitialised at first,
sealed after every restart). It initialises and unseals the server, sets up Transit, the
README's policies and one AppRole per process, and hands out logins with which web can
encrypt and not decrypt and the worker decrypt and not encrypt; run again, and after a restart,
it changes nothing but the seal (issue 15 §3)."""

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import hvac
import hvac.exceptions
import pytest
import yaml

from reviews import program_vault
from scripts import vault_init
from tests.vault import PersistentBaoServer

ROOT = Path(__file__).resolve().parents[2]


def compose_vault_config() -> dict:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return json.loads(services["openbao"]["environment"]["BAO_LOCAL_CONFIG"])


def run_init(server, tmp: Path, state: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "vault_init.py"),
            f"--address={server.url}",
            f"--state={state or tmp / 'state'}",
            f"--credentials=web={tmp / 'web'}",
            f"--credentials=worker={tmp / 'worker'}",
            "--timeout=30",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def login(server, directory: Path) -> hvac.Client:
    client = hvac.Client(url=server.url)
    client.auth.approle.login(
        role_id=(directory / "role_id").read_text().strip(),
        secret_id=(directory / "secret_id").read_text().strip(),
    )
    return client


def encrypt(client: hvac.Client, text: str = "c2VjcmV0") -> str:
    return client.secrets.transit.encrypt_data(name="vip-credentials", plaintext=text)["data"][
        "ciphertext"
    ]


def decrypt(client: hvac.Client, ciphertext: str) -> str:
    return client.secrets.transit.decrypt_data(name="vip-credentials", ciphertext=ciphertext)[
        "data"
    ]["plaintext"]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("vault-init")


@pytest.fixture(scope="module")
def server():
    server = PersistentBaoServer(compose_vault_config()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def first_run(server, tmp):
    """The first `docker compose up`: the server has never been initialised."""
    assert server.health()["initialized"] is False
    result = run_init(server, tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_first_run_initialises_and_unseals(server, tmp, first_run):
    health = server.health()
    assert health["initialized"] is True and health["sealed"] is False
    init = json.loads((tmp / "state" / "init.json").read_text())
    assert set(init) == {"keys", "root_token"}
    assert stat.S_IMODE((tmp / "state" / "init.json").stat().st_mode) == 0o600
    assert "initialised" in first_run.stdout and "unsealed" in first_run.stdout


def test_it_prints_no_secret(tmp, first_run):
    init = json.loads((tmp / "state" / "init.json").read_text())
    output = first_run.stdout + first_run.stderr
    for secret in [*init["keys"], init["root_token"]]:
        assert secret not in output
    for process in ("web", "worker"):
        assert (tmp / process / "secret_id").read_text().strip() not in output


def test_each_process_gets_its_own_login_readable_by_its_owner_only(tmp, first_run):
    for process in ("web", "worker"):
        for name in ("role_id", "secret_id"):
            path = tmp / process / name
            assert stat.S_IMODE(path.stat().st_mode) == 0o400, path
    assert (tmp / "web" / "role_id").read_text() != (tmp / "worker" / "role_id").read_text()


def test_web_can_encrypt_and_not_decrypt(server, tmp, first_run):
    web = login(server, tmp / "web")
    assert web.auth.token.lookup_self()["data"]["policies"] == ["default", "vip-web"]
    ciphertext = encrypt(web)
    with pytest.raises(hvac.exceptions.Forbidden):
        decrypt(web, ciphertext)


def test_the_worker_can_decrypt_and_not_encrypt(server, tmp, first_run):
    ciphertext = encrypt(login(server, tmp / "web"))
    worker = login(server, tmp / "worker")
    assert worker.auth.token.lookup_self()["data"]["policies"] == ["default", "vip-worker"]
    assert decrypt(worker, ciphertext) == "c2VjcmV0"
    with pytest.raises(hvac.exceptions.Forbidden):
        encrypt(worker)


def test_neither_can_manage_the_vault(server, tmp, first_run):
    for process in ("web", "worker"):
        client = login(server, tmp / process)
        paths = ["sys/mounts", "sys/policies/acl/vip-web", "auth/approle/role/vip-web"]
        answer = client.sys.get_capabilities(paths=paths)["data"]
        assert {capability for path in paths for capability in answer[path]} == {"deny"}


def test_the_program_vault_client_logs_in_from_the_files(server, tmp, first_run, settings):
    """What web and worker do in compose (VIP_VAULT_ROLE_ID_FILE, VIP_VAULT_SECRET_ID_FILE)."""
    settings.VIP_VAULT_ADDR, settings.VIP_VAULT_TOKEN = server.url, ""
    settings.VIP_VAULT_ROLE_ID = settings.VIP_VAULT_SECRET_ID = ""
    settings.VIP_REFUSE_ROOT_VAULT_TOKEN = True
    try:
        settings.VIP_VAULT_ROLE_ID_FILE = str(tmp / "web" / "role_id")
        settings.VIP_VAULT_SECRET_ID_FILE = str(tmp / "web" / "secret_id")
        program_vault.reset_client()
        ciphertext = program_vault.encrypt({"secret_id": "s3cret"})
        settings.VIP_VAULT_ROLE_ID_FILE = str(tmp / "worker" / "role_id")
        settings.VIP_VAULT_SECRET_ID_FILE = str(tmp / "worker" / "secret_id")
        program_vault.reset_client()
        assert program_vault.decrypt(ciphertext) == {"secret_id": "s3cret"}
    finally:
        program_vault.reset_client()


def test_a_second_run_changes_nothing(server, tmp, first_run):
    before = {
        path.relative_to(tmp): path.read_text()
        for path in tmp.rglob("*")
        if path.is_file() and path.name in ("init.json", "role_id", "secret_id")
    }
    ciphertext = encrypt(login(server, tmp / "web"))
    result = run_init(server, tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "already unsealed" in result.stdout
    assert "kept its secret ID" in result.stdout and "issued" not in result.stdout
    after = {name: (tmp / name).read_text() for name in before}
    assert after == before
    assert decrypt(login(server, tmp / "worker"), ciphertext) == "c2VjcmV0"


def test_after_a_restart_it_unseals_and_everything_is_still_there(server, tmp, first_run):
    ciphertext = encrypt(login(server, tmp / "web"))
    server.restart()
    assert server.health()["sealed"] is True  # as after every restart of the container
    result = run_init(server, tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "unsealed" in result.stdout and "initialised" not in result.stdout
    assert server.health()["sealed"] is False
    # The key, the policies and the logins survived: the storage is persistent.
    assert decrypt(login(server, tmp / "worker"), ciphertext) == "c2VjcmV0"


def test_a_secret_id_that_no_longer_works_is_replaced(server, tmp, first_run):
    secret_file = tmp / "worker" / "secret_id"
    secret_file.chmod(0o600)
    secret_file.write_text("not-a-valid-secret-id\n")
    result = run_init(server, tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "worker: issued a new secret ID" in result.stdout
    assert login(server, tmp / "worker").is_authenticated()


def test_an_initialised_server_without_its_state_is_refused(server, tmp, first_run):
    result = run_init(server, tmp, state=tmp / "another-volume")
    assert result.returncode == 1
    assert "is initialised but" in result.stdout
    assert not (tmp / "another-volume" / "init.json").exists()


def test_the_policies_are_the_readmes():
    """The script writes the policy the README documents, line for line."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"\*\*The program Vault's policy\.\*\*.*?```hcl\n(.*?)```", readme, re.S)
    documented = [" ".join(line.split("#")[0].split()) for line in block.group(1).splitlines()]
    assert sorted(filter(None, documented)) == sorted(
        " ".join(rules.split()) for rules in vault_init.POLICIES.values()
    )
