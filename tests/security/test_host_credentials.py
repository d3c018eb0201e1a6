"""The worker host's own Vault credentials never reach a partner's Vault. hvac sends the
host's VAULT_TOKEN (or the ~/.vault-token the Vault CLI leaves behind) whenever a client is made
without a token; every request a run makes to the target is read on the wire here."""

import uuid

import pytest

from tests.faults.proxy import FaultyProxy
from tests.reviews.conftest import checks
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db

HOST_TOKEN = "s.the-worker-hosts-own-vault-token"


@pytest.fixture(params=["VAULT_TOKEN", "~/.vault-token"])
def host_token(request, monkeypatch, tmp_path):
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    if request.param == "VAULT_TOKEN":
        monkeypatch.setenv("VAULT_TOKEN", HOST_TOKEN)
    else:
        monkeypatch.setenv("HOME", str(tmp_path))
        (tmp_path / ".vault-token").write_text(HOST_TOKEN)
    return HOST_TOKEN


def test_a_run_never_sends_the_hosts_vault_token(bao, integration, owner, verify, host_token):
    sent = []
    body = runtime_app(bao, f"admin/host-{uuid.uuid4().hex[:8]}")
    with FaultyProxy(bao.port) as proxy:
        proxy.when(host_token.encode(), lambda: sent.append(True))
        body["url"] = proxy.url
        run = verify(integration, body, owner)
    summary = {key: (r.status, r.message) for key, r in checks(run).items()}
    assert not sent, "the host's token went to the partner's Vault"
    assert run.status == "passed", summary  # namespace.access asks without a token, and works
