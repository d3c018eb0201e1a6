"""Every failed check says what was expected and what the server answered, in words: never
"None", never an exception's repr, never a raw body that is not a Vault answer."""

import re

import hvac.exceptions
import pytest
import requests

from reviews.verification.base import RunContext, server_said
from reviews.verification.registry import CATALOGUE
from reviews.verification.runner import classify
from tests.factories import IntegrationFactory
from tests.reviews.conftest import checks
from tests.vault import app_policy, approle, free_port_pair, runtime_app

pytestmark = pytest.mark.django_db

REPR = re.compile(
    r"\b\w*(Error|Exception|Timeout|Path|Request|Forbidden)\(|Traceback|<[\w.]+ object at 0x|<\w+: "
)


def assert_in_words(message: str) -> None:
    assert message, "a check without a message"
    assert "None" not in message, message
    assert not REPR.search(message), message
    assert "\n" not in message and "\t" not in message, message


def misconfigured(bao, namespace):
    """Targets a partner gets wrong in every way the checks can see."""
    good = runtime_app(bao, namespace)
    client = bao.client(namespace=namespace)
    app_policy(client, "mounts", 'path "sys/mounts/*" { capabilities = ["update"] }')
    broad_id, broad_secret = approle(
        client, role="broad", policies=("app", "mounts"), ttl="48h", max_ttl="48h"
    )
    yield "wrong secret", {**good, "auth": {**good["auth"], "secret_id": "0" * 36}}
    yield "wrong namespace", {**good, "namespace": namespace + "x"}
    yield "wrong kind", {**good, "kind": "hcp_vault", "url": "https://x.vault.hashicorp.cloud"}
    yield (
        "missing mounts",
        {
            **good,
            "secret_mounts": [
                {"path": "no-kv", "type": "kv-v2", "writable_prefix": "vip"},
                {"path": "no-kv1", "type": "kv-v1", "writable_prefix": "vip"},
                {"path": "apps-transit", "type": "transit", "key": "no-key"},
                {"path": "no-pki", "type": "pki", "role": "r", "common_name": "a.example"},
                {"path": "no-totp", "type": "totp", "key": "k"},
                {"path": "no-ssh", "type": "ssh", "role": "r", "valid_principals": "app"},
                {"path": "no-db", "type": "database", "role": "r"},
            ],
        },
    )
    yield (
        "broad and long-lived",
        {
            **good,
            "auth": {**good["auth"], "role_id": broad_id, "secret_id": broad_secret},
        },
    )
    yield "root token", {**good, "auth": {"method": "token", "token": "root"}}
    yield "bad token", {**good, "auth": {"method": "token", "token": "s.not-a-token"}}
    yield (
        "plugin",
        {
            **good,
            "plugin": {
                "name": "vault-plugin-missing",
                "type": "secret",
                "version": "v1.0.0",
                "mount_path": "missing",
                "probe": {"operation": "list", "path": "things", "expect": ["keys"]},
            },
            "inspector_token": "s.not-an-inspector",
        },
    )
    yield "unreachable", {**good, "url": f"http://127.0.0.1:{free_port_pair()}"}


def test_no_message_of_a_misconfigured_target_says_none_or_shows_a_repr(
    bao, namespace, partner, owner, verify
):
    plugin = IntegrationFactory(partner=partner, category="secrets_engine")
    seen = 0
    for name, body in misconfigured(bao, namespace):
        run = verify(plugin, {**body, "name": name}, owner)
        assert run.status in ("failed", "error"), name
        assert_in_words(run.reason)
        for result in checks(run).values():
            assert_in_words(result.message)
            seen += result.status in ("failed", "error")
    assert seen >= 20


def test_failed_checks_say_what_was_expected_and_what_the_server_answered(
    bao, namespace, integration, owner, verify
):
    body = runtime_app(bao, namespace)
    body["secret_mounts"] = [{"path": "no-kv", "type": "kv-v2", "writable_prefix": "vip"}]
    result = checks(verify(integration, body, owner))["secrets.kv-v2 no-kv"]
    assert result.message == (
        "Expected a round-trip on the kv-v2 mount; the server answered HTTP 403 (permission "
        "denied): “permission denied”."
    )


@pytest.mark.parametrize(
    "exc,answer",
    [
        (hvac.exceptions.InvalidPath(None, errors=[]), "HTTP 404 (nothing at that path) without"),
        (
            hvac.exceptions.Forbidden("x", errors=["1 error occurred:\n\t* permission denied\n\n"]),
            "HTTP 403 (permission denied): “permission denied”",
        ),
        (
            hvac.exceptions.InternalServerError(text="<html>db_password=x</html>"),
            "HTTP 500 (internal error) and a body that is not a Vault answer",
        ),
        (hvac.exceptions.UnexpectedError(None), "an unexpected HTTP status without"),
        (hvac.exceptions.InvalidRequest(errors=["a" * 500]), "…”"),
    ],
)
def test_the_servers_answer_in_words(exc, answer):
    said = server_said(exc)
    assert answer in said
    assert_in_words(said)
    assert "db_password" not in said


@pytest.mark.parametrize(
    "exc",
    [
        requests.exceptions.ChunkedEncodingError("boom"),
        requests.exceptions.ConnectionError("refused"),
        KeyError("data"),
        TypeError("'NoneType' object is not subscriptable"),
        RuntimeError("something else"),
        hvac.exceptions.VaultDown(None),
    ],
)
def test_unexpected_exceptions_are_words_too(exc):
    ctx = RunContext(run_id=1, category="runtime", kind="openbao", url="http://127.0.0.1:1")
    outcome = classify(ctx, exc, "the server's health")
    assert_in_words(outcome.message)
    assert "NoneType" not in outcome.message and "data" not in outcome.message


def test_every_check_says_what_it_expects():
    for check in CATALOGUE:
        assert check.expects and "None" not in check.expects, check.id
