"""A standard runtime verification against a real OpenBao, and the server.* checks."""

import pytest

from tests.reviews.conftest import checks
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


def test_a_well_built_runtime_integration_passes(bao, namespace, integration, owner, verify):
    run = verify(integration, runtime_app(bao, namespace), owner)
    results = checks(run)
    assert run.status == "passed", [(k, r.status, r.message) for k, r in results.items()]
    assert list(results) == [
        "server.health",
        "server.edition",
        "server.tls",
        "auth.non_token_method",
        "auth.login",
        "namespace.access",
        "auth.short_lived_token",
        "auth.least_privilege",
        "secrets.kv-v2 apps-kv",
        "secrets.transit apps-transit",
        "seal.hsm",
        "enterprise.features",
        "token.revoke",
    ]
    assert (run.detected_version, run.detected_edition) == ("2.7.2", "openbao")
    assert results["server.tls"].status == "skipped"  # loopback http in development
    assert results["server.tls"].required is False
    assert results["enterprise.features"].details["features"] == ["namespaces"]
    assert all(r.duration_ms >= 0 for r in results.values())
    assert run.started_at <= run.finished_at


def statuses(run) -> dict:
    return {key: result.status for key, result in checks(run).items()}


def test_an_unreachable_server_is_an_error_and_the_rest_is_skipped(bao, integration, owner, verify):
    from tests.vault import free_port_pair

    body = runtime_app(bao)
    body["url"] = f"http://127.0.0.1:{free_port_pair()}"
    run = verify(integration, body, owner)
    results = checks(run)
    assert run.status == "error"
    assert results["server.health"].status == "error"
    assert "connection was refused" in results["server.health"].message
    assert run.reason == results["server.health"].message
    later = [r for key, r in results.items() if key != "server.health"]
    assert {r.status for r in later} == {"skipped"}
    assert "Traceback" not in run.reason


def test_https_with_the_declared_ca_passes_tls(bao_tls, integration, owner, verify):
    body = runtime_app(bao_tls)
    run = verify(integration, body, owner)
    results = checks(run)
    assert run.status == "passed", {k: (r.status, r.message) for k, r in results.items()}
    assert results["server.tls"].status == "passed"
    assert results["server.tls"].required is True


def test_an_untrusted_certificate_is_a_tls_error(bao_tls, integration, owner, verify):
    body = runtime_app(bao_tls)
    body["ca_cert"] = ""  # the server's CA is not in the system's trust store
    run = verify(integration, body, owner)
    assert run.status == "error"
    assert run.reason.startswith("TLS verification failed for 127.0.0.1")
    assert statuses(run)["server.tls"] == "skipped"


def test_plain_http_off_loopback_fails_tls():
    from reviews.verification.base import RunContext
    from reviews.verification.server import server_tls

    outcome = server_tls(
        RunContext(
            run_id=1,
            category="runtime",
            kind="vault_enterprise",
            url="http://vault.partner.example:8200",
        ),
        None,
    )
    assert outcome.status == "failed"
    assert "in clear" in outcome.message
    loopback = server_tls(
        RunContext(
            run_id=1, category="runtime", kind="vault_enterprise", url="http://localhost:8200"
        ),
        None,
    )
    assert (loopback.status, loopback.applicable) == ("skipped", False)


def test_a_server_that_never_answers_times_out(integration, owner, verify, settings, bao):
    import socket

    settings.VIP_VAULT_READ_TIMEOUT = 0.5
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        body = runtime_app(bao)
        body["url"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
        run = verify(integration, body, owner)
    assert run.status == "error"
    assert "did not answer within 0.5 seconds" in run.reason


def test_a_sealed_server_is_an_error(integration, owner, verify):
    from tests.vault import BaoServer

    server = BaoServer().start()
    try:
        body = runtime_app(server)
        server.seal()
        run = verify(integration, body, owner)
        assert run.status == "error"
        assert "sealed" in run.reason
        server.unseal()
        integration.targets.update(archived_at=None)
        again = verify(integration, body, owner)
        assert again.status == "passed"
    finally:
        server.stop()


def test_a_run_uses_one_connection_for_all_its_clients(
    bao_tls, namespace, integration, owner, verify
):
    # Across the internet every new connection is a TLS handshake (several round trips): the
    # run's clients (no token, the app's token) share one session and its connection.
    from tests.faults.proxy import FaultyProxy

    with FaultyProxy(bao_tls.port) as proxy:
        body = {**runtime_app(bao_tls, namespace), "url": f"https://127.0.0.1:{proxy.port}"}
        run = verify(integration, body, owner)
        assert run.status == "passed", run.reason
        assert proxy._connections == 1
