"""Real OpenBao servers for verification tests (one set per test process), and the program
Vault whose Transit engine encrypts credentials."""

import uuid

import pytest

from reviews import program_vault
from tests.standin import EgressProxy, PlatformStandIn
from tests.vault import BaoServer, enable_engine

AUDIT_CONFIG = """
audit "file" "file" {
  options {
    file_path = "{dir}/audit.log"
  }
}
"""


@pytest.fixture(scope="session")
def program_bao():
    server = BaoServer().start()
    enable_engine(server.client(), "transit", "transit")
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def program_vault_settings(settings, program_bao):
    """Credentials are encrypted by a real program Vault in every test of this package."""
    settings.VIP_VAULT_ADDR = program_bao.url
    settings.VIP_VAULT_TOKEN = "root"
    settings.VIP_VAULT_ROLE_ID = ""
    program_vault.reset_client()
    yield
    program_vault.reset_client()


@pytest.fixture(scope="session")
def bao():
    server = BaoServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bao_tls():
    server = BaoServer(tls=True).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def bao_audit():
    server = BaoServer(config=AUDIT_CONFIG).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def enterprise(bao):
    """The partner's OpenBao answering as Vault Enterprise (tests.standin)."""
    with PlatformStandIn(bao, "vault_enterprise") as standin:
        yield standin


@pytest.fixture(scope="session")
def community(bao):
    """The partner's OpenBao answering as Vault Community: no namespaces."""
    with PlatformStandIn(bao, "vault_community") as standin:
        yield standin


@pytest.fixture(scope="session")
def egress():
    """The egress proxy workers reach partners through (VIP_EGRESS_PROXY in `hcp`)."""
    with EgressProxy() as proxy:
        yield proxy


@pytest.fixture(scope="session")
def hcp_standin(bao, egress):
    with PlatformStandIn(bao, "hcp_vault") as standin:
        egress.route(standin.hostname, standin.port)
        yield standin


@pytest.fixture
def hcp(hcp_standin, egress, settings):
    """The partner's OpenBao answering as an HCP Vault cluster at a *.hashicorp.cloud name,
    which only the egress proxy can reach: runs go through it, as in production."""
    settings.VIP_EGRESS_PROXY = egress.url
    return hcp_standin


@pytest.fixture
def namespace():
    """A fresh child of `admin` per test, so tests sharing a server do not meet."""
    return f"admin/t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def verify(django_capture_on_commit_callbacks):
    """Save a target as a partner would and run a verification of it (eager Celery: the task
    runs in this process after commit). Returns the finished run."""
    from reviews import services

    def run(integration, body, actor):
        target = services.target_create(integration=integration, actor=actor, data=body)
        with django_capture_on_commit_callbacks(execute=True):
            created = services.run_request(target=target, actor=actor)
        created.refresh_from_db()
        return created

    return run


@pytest.fixture
def rerun(django_capture_on_commit_callbacks):
    """Run a verification of an existing target again (eager Celery). Returns the finished run."""
    from reviews import services

    def run(target, actor):
        with django_capture_on_commit_callbacks(execute=True):
            created = services.run_request(target=target, actor=actor)
        created.refresh_from_db()
        return created

    return run


def checks(run) -> dict:
    """{check id (or "id subject"): result} of a run."""
    return {f"{r.check_id} {r.subject}".strip(): r for r in run.results.order_by("position")}
