"""docker-compose.yml is a working production-like deployment (DESIGN.md §1), and the README
lists the same services.

The README check reads the section that starts with the heading line

    ## Deploy with Docker Compose

and runs to the next heading. In it, a markdown table lists one compose service per row, the
service name in backticks in the first column (a header row and a separator row first):

    ## Deploy with Docker Compose

    | service | what it runs |
    |---|---|
    | `postgres` | PostgreSQL 16; data in the `postgres-data` volume |
    | `redis` | Redis 7: Celery broker and cache |
    | `openbao` | OpenBao, the program Vault (Transit); data in the `openbao-data` volume |
    | `vault-init` | one-shot: initialises and unseals OpenBao, hands out AppRole logins |
    | `web` | migrations, then gunicorn on port 8000; health check on `/healthz` |
    | `worker` | Celery worker; scale with `docker compose up --scale worker=N` |
    | `verifier` | Celery worker of the verification queue, a thread pool |
    | `beat` | Celery beat, exactly one |

The text around the table is free. Only rows whose first cell is a single backticked name count.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
README_FILE = ROOT / "README.md"
README_HEADING = "## Deploy with Docker Compose"
README_ROW = re.compile(r"^\|\s*`([A-Za-z0-9][A-Za-z0-9_.-]*)`\s*\|")

SERVICES = {"postgres", "redis", "openbao", "vault-init", "web", "worker", "verifier", "beat"}
APP_SERVICES = ("web", "worker", "verifier", "beat")
# Who holds which program-Vault login: the verifier decrypts credentials as the worker does.
LOGINS = {"web": {"web"}, "worker": {"worker", "verifier"}}
HEALTHCHECKED = ("postgres", "redis", "openbao", "web")


@pytest.fixture(scope="module")
def services():
    return yaml.safe_load(COMPOSE_FILE.read_text())["services"]


def environment(service: dict) -> dict:
    """A service's environment as a dict, whether compose lists it as a mapping or as K=V."""
    value = service.get("environment") or {}
    if isinstance(value, list):
        return dict(item.split("=", 1) if "=" in item else (item, None) for item in value)
    return value


def readme_services() -> set[str]:
    expected = (
        f"README.md needs a {README_HEADING!r} section with a table whose first column holds "
        "each compose service name in backticks; see this module's docstring for the format."
    )
    if not README_FILE.exists():
        pytest.fail(f"README.md does not exist. {expected}")
    lines = README_FILE.read_text().splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == README_HEADING)
    except StopIteration:
        pytest.fail(f"README.md has no {README_HEADING!r} heading. {expected}")
    names = set()
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        match = README_ROW.match(line.strip())
        if match:
            names.add(match.group(1))
    if not names:
        pytest.fail(f"README.md's {README_HEADING!r} section lists no services. {expected}")
    return names


def test_compose_defines_every_process_of_the_deployment(services):
    missing = SERVICES - set(services)
    assert not missing, f"compose does not define: {sorted(missing)}"


def test_every_service_the_readme_lists_is_defined_in_compose(services):
    undefined = readme_services() - set(services)
    assert not undefined, f"README.md lists services compose does not define: {sorted(undefined)}"


def test_every_compose_service_is_listed_in_the_readme(services):
    unlisted = set(services) - readme_services()
    assert not unlisted, f"README.md does not list these compose services: {sorted(unlisted)}"


@pytest.mark.parametrize("name", HEALTHCHECKED)
def test_service_has_a_healthcheck(services, name):
    healthcheck = services[name].get("healthcheck") or {}
    assert healthcheck.get("test"), f"{name} has no healthcheck test"
    assert not healthcheck.get("disable"), f"{name} disables its healthcheck"


def test_web_healthcheck_asks_the_healthz_endpoint(services):
    assert "/healthz" in str(services["web"]["healthcheck"]["test"])


def test_web_worker_and_beat_run_the_same_build(services):
    builds = {name: services[name].get("build") for name in APP_SERVICES}
    assert builds["web"], "web has no build"
    assert len({repr(build) for build in builds.values()}) == 1, builds
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(images) == 1, f"web, worker and beat tag different images: {images}"


def test_web_worker_and_beat_share_one_environment(services):
    web = environment(services["web"])
    for name in ("worker", "beat"):
        assert environment(services[name]) == web, f"{name}'s environment differs from web's"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_process_runs_production_settings_against_the_compose_services(services, name):
    env = environment(services[name])
    assert env.get("DJANGO_SETTINGS_MODULE") == "config.settings.production"
    database = urlparse(env.get("DATABASE_URL") or "")
    assert database.scheme in {"postgres", "postgresql"}, env.get("DATABASE_URL")
    assert database.hostname == "postgres", env.get("DATABASE_URL")
    broker = urlparse(env.get("REDIS_URL") or "")
    assert (broker.scheme, broker.hostname) == ("redis", "redis"), env.get("REDIS_URL")
    assert urlparse(env.get("VIP_VAULT_ADDR") or "").hostname == "openbao"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_process_waits_for_healthy_postgres_and_redis(services, name):
    depends_on = services[name].get("depends_on") or {}
    assert isinstance(depends_on, dict), f"{name}: depends_on needs conditions, not a list"
    for backing in ("postgres", "redis"):
        condition = (depends_on.get(backing) or {}).get("condition")
        assert condition == "service_healthy", f"{name} does not wait for {backing} to be healthy"


def test_worker_can_be_scaled(services):
    worker = services["worker"]
    assert "container_name" not in worker, "a fixed container_name stops --scale worker=N"
    assert not worker.get("ports"), "published ports clash between scaled workers"


def test_beat_keeps_its_schedule_outside_the_app_directory(services):
    # The image runs as a non-root user that cannot write /app, beat's default directory.
    assert "--schedule=/tmp/" in str(services["beat"]["command"])


def test_compose_refuses_to_start_without_a_secret_key(services):
    for name in APP_SERVICES:
        value = str(environment(services[name]).get("SECRET_KEY"))
        assert re.fullmatch(r"\$\{SECRET_KEY:?\?[^}]*\}", value), (
            f"{name}: SECRET_KEY must be required (${{SECRET_KEY:?message}}), not {value!r}"
        )


# --- The program Vault: no root token for anyone, storage that survives (issue 15 §3) -------

# What hands out, or is, a root token: the app's token setting, the OpenBao/Vault dev server's
# root token (and its CLI's token variables), dev mode itself.
ROOT_TOKEN_SETTINGS = {
    "VIP_VAULT_TOKEN",
    "BAO_DEV_ROOT_TOKEN_ID",
    "VAULT_DEV_ROOT_TOKEN_ID",
    "BAO_TOKEN",
    "VAULT_TOKEN",
}


def command(service: dict) -> str:
    value = service.get("command") or ""
    return " ".join(value) if isinstance(value, list) else str(value)


def mounts(service: dict) -> dict[str, str]:
    """A service's named volumes and bind mounts: source → target (short syntax)."""
    found = {}
    for item in service.get("volumes") or []:
        if isinstance(item, dict):
            found[item["source"]] = item["target"]
        else:
            source, target = item.split(":")[:2]
            found[source] = target
    return found


def test_no_service_gets_a_root_token(services):
    text = COMPOSE_FILE.read_text()
    for name in ROOT_TOKEN_SETTINGS:
        assert name not in text, f"docker-compose.yml mentions {name}"
    assert "vip-compose-root" not in text
    for name, service in services.items():
        assert not ROOT_TOKEN_SETTINGS & set(environment(service)), name
        assert "-dev" not in command(service).split(), f"{name} runs a dev server"
        assert "-dev-" not in command(service), f"{name} passes dev-server flags"


@pytest.mark.parametrize("name", ["web", "worker", "verifier"])
def test_web_and_worker_log_in_with_approle_from_their_own_files(services, name):
    env = environment(services[name])
    files = {env.get("VIP_VAULT_ROLE_ID_FILE"), env.get("VIP_VAULT_SECRET_ID_FILE")}
    assert None not in files, f"{name} has no AppRole files"
    folders = {str(Path(path).parent) for path in files}
    volume = next(source for source, target in mounts(services[name]).items() if target in folders)
    assert volume in yaml.safe_load(COMPOSE_FILE.read_text())["volumes"]
    assert volume in mounts(services["vault-init"]), "vault-init does not write that volume"
    holders = next(group for group in LOGINS.values() if name in group)
    others = [other for other in services if other not in (*holders, "vault-init")]
    assert not [other for other in others if volume in mounts(services[other])], (
        f"{name}'s Vault login is mounted by another service too"
    )
    depends_on = services[name]["depends_on"]
    assert depends_on["vault-init"]["condition"] == "service_completed_successfully"


def test_web_and_worker_hold_different_logins(services):
    assert mounts(services["web"]).keys() != mounts(services["worker"]).keys()
    assert not mounts(services["beat"]), "beat never talks to the program Vault"


def test_the_program_vault_keeps_its_data_in_a_volume(services):
    openbao = services["openbao"]
    assert command(openbao).split()[:2] == ["bao", "server"]
    assert re.search(r"-config=\S+", command(openbao))
    config = json.loads(environment(openbao)["BAO_LOCAL_CONFIG"])
    ((kind, storage),) = config["storage"].items()
    assert kind in {"raft", "file"}, f"storage {kind} is not persistent"
    volume = next(
        (source for source, target in mounts(openbao).items() if target == storage["path"]),
        None,
    )
    assert volume, f"nothing is mounted at the storage path {storage['path']}"
    assert volume in yaml.safe_load(COMPOSE_FILE.read_text())["volumes"], "not a named volume"


def test_only_vault_init_holds_the_unseal_key_and_root_token(services):
    init = services["vault-init"]
    state = re.search(r"--state[= ](\S+)", command(init)).group(1)
    volume = next(source for source, target in mounts(init).items() if target == state)
    assert volume in yaml.safe_load(COMPOSE_FILE.read_text())["volumes"]
    holders = [name for name, service in services.items() if volume in mounts(service)]
    assert holders == ["vault-init"]
    assert "scripts/vault_init.py" in command(init)
    assert str(init.get("restart", "no")) == "no", "vault-init runs once per `up`"


def test_the_readme_says_where_the_root_token_is(services):
    section = README_FILE.read_text().split(README_HEADING, 1)[1].split("\n## ", 1)[0]
    assert "vault-init-state" in section and "root token" in section
    assert "only `vault-init` mounts" in section


def compose_command() -> list[str] | None:
    """Docker's Compose plugin, else Compose v1 (Debian's `docker-compose`, which .ci/run
    installs), or None."""
    if shutil.which("docker"):
        plugin = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, timeout=60
        )
        if plugin.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def compose_config(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*compose_command(), "-f", str(path), "config", "--quiet"],
        cwd=ROOT,
        env={"SECRET_KEY": "only-for-validation", "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_docker_compose_config_validates(tmp_path):
    """`docker compose config` parses and validates the file as Compose itself does (and
    refuses a broken copy, so the validation is real)."""
    if compose_command() is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed here")
    result = compose_config(COMPOSE_FILE)
    assert result.returncode == 0, result.stderr
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE_FILE.read_text().replace("depends_on:", "depends_onn:", 1))
    assert compose_config(broken).returncode != 0


def test_verification_runs_have_their_own_thread_pool_workers(services):
    verifier, worker = command(services["verifier"]), command(services["worker"])
    assert "-Q verification" in verifier and "--pool threads" in verifier
    assert "--concurrency ${VIP_VERIFY_CONCURRENCY" in verifier
    assert "-Q celery" in worker  # beat's jobs, the sweep and notifications
