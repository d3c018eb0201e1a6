"""The program's own Vault (whose Transit engine encrypts partners' credentials) stopped,
sealed, slow, or stopped between the two encryptions of one save, while a partner saves a
target on the page or through the API: a clear error, and nothing half-saved (no target row,
no changed field, no history or notification)."""

import pytest

from accounts.models import Notification
from integrations.models import StageTransition
from reviews import program_vault, services
from reviews.models import VerificationTarget
from tests.faults.proxy import FaultyProxy
from tests.vault import BaoServer, enable_engine, runtime_app, target_form

pytestmark = pytest.mark.django_db

MESSAGE = "The program&#x27;s Vault cannot be reached, so nothing was saved."
ENCRYPT = b"/v1/transit/encrypt/"
NO_MOUNTS = {"mounts-TOTAL_FORMS": "0"}  # the credentials are what these tests save


@pytest.fixture
def program(settings):
    """A program Vault of this test's own, reached through a proxy that can break it."""
    server = BaoServer().start()
    enable_engine(server.client(), "transit", "transit")
    with FaultyProxy(server.port) as proxy:
        settings.VIP_VAULT_ADDR, settings.VIP_VAULT_TOKEN = proxy.url, "root"
        settings.VIP_VAULT_ROLE_ID = ""
        program_vault.reset_client()
        yield server, proxy
    program_vault.reset_client()
    server.stop()


@pytest.fixture(params=["stopped", "sealed", "slow", "stopped mid-save"])
def program_fault(request, program, settings):
    """Break the program Vault; return a function that breaks it at the right moment."""
    server, proxy = program
    if request.param == "stopped":
        return server.stop
    if request.param == "sealed":
        return server.seal
    if request.param == "slow":
        settings.VIP_VAULT_READ_TIMEOUT = 0.5
        return lambda: setattr(proxy, "delay", 2.0)
    # The app credentials are encrypted; the program Vault stops before the inspector token's.
    return lambda: proxy.when(ENCRYPT, server.stop, occurrence=2)


@pytest.fixture
def body(bao):
    return {**runtime_app(bao), "inspector_token": "s.inspector-for-the-fault-test"}


def rows() -> dict:
    return {
        "targets": list(VerificationTarget.objects.values()),
        "history": StageTransition.objects.count(),
        "notifications": Notification.objects.count(),
    }


def test_saving_a_new_target_on_the_page_is_a_clear_error(
    program_fault, body, integration, owner, client_as
):
    program_fault()
    before = rows()
    response = client_as(owner).post(
        f"/integrations/{integration.pk}/targets/new/", target_form(body, name="new", **NO_MOUNTS)
    )
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert rows() == before


def test_saving_a_new_target_through_the_api_is_a_503(program_fault, body, integration, owner, api):
    program_fault()
    before = rows()
    response = api.as_user(owner).post(
        f"/api/v1/integrations/{integration.pk}/targets/", body, format="json"
    )
    assert response.status_code == 503
    assert response.json()["code"] == "program_vault_unavailable"
    assert response.json()["message"].startswith(MESSAGE.replace("&#x27;", "'"))
    assert rows() == before


def test_changing_a_targets_credentials_changes_nothing(
    program_fault, body, integration, owner, api, client_as
):
    target = services.target_create(integration=integration, actor=owner, data=body)
    program_fault()
    before = rows()
    changed = {
        **body,
        "name": "renamed",
        "auth": {**body["auth"], "secret_id": "a-new-secret-id"},
        "inspector_token": "s.a-new-inspector-token",
    }
    response = api.as_user(owner).patch(f"/api/v1/targets/{target.pk}/", changed, format="json")
    assert response.status_code == 503
    page = client_as(owner).post(
        f"/targets/{target.pk}/edit/", target_form(changed, name="renamed", **NO_MOUNTS)
    )
    assert MESSAGE in page.content.decode()
    assert rows() == before  # the old name and the old ciphertexts, untouched
