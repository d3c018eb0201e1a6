"""A partner's test Vault that fails in the middle of a run (sealed, stopped, slow, frozen)
or whose TLS is broken: the check that meets the fault is `error` with a plain-language
message, the run is `error` with that reason, every later check is `skipped`, and the run
ends within the configured timeouts instead of hanging (DESIGN.md §4)."""

import pytest

from tests.faults.proxy import FaultyProxy
from tests.reviews.conftest import checks
from tests.standin import PlatformStandIn
from tests.vault import BaoServer, runtime_app

pytestmark = pytest.mark.django_db

LOGIN = b"/v1/auth/approle/login"  # the first request of auth.login, after server.health


def run_through(proxy, server, integration, owner, verify):
    """The finished run, and how long it worked (from its own timestamps: saving the target
    beforehand is not the run's time, and varies with the machine's load)."""
    body = runtime_app(server)
    body["url"] = proxy.url
    run = verify(integration, body, owner)
    return run, (run.finished_at - run.started_at).total_seconds()


def assert_error_at_login(run, reason: str) -> None:
    results = checks(run)
    summary = {key: (r.status, r.message) for key, r in results.items()}
    assert run.status == "error", summary
    assert reason in run.reason, run.reason
    assert results["server.health"].status == "passed", summary  # it was up when the run began
    assert results["auth.login"].status == "error", summary
    assert results["auth.login"].message == run.reason
    later = list(results)[list(results).index("auth.login") + 1 :]
    assert {results[key].status for key in later} == {"skipped"}, summary
    assert "Traceback" not in run.reason


def test_a_target_sealed_mid_run_ends_the_run_in_error(target_bao, integration, owner, verify):
    with FaultyProxy(target_bao.port) as proxy:
        proxy.when(LOGIN, target_bao.seal)
        run, _ = run_through(proxy, target_bao, integration, owner, verify)
    assert_error_at_login(run, "sealed")


def test_a_target_stopped_mid_run_ends_the_run_in_error(target_bao, integration, owner, verify):
    with FaultyProxy(target_bao.port) as proxy:
        proxy.when(LOGIN, target_bao.stop)
        run, _ = run_through(proxy, target_bao, integration, owner, verify)
    assert_error_at_login(run, "Could not connect to 127.0.0.1")


def test_a_target_that_turns_slow_mid_run_times_out(
    target_bao,
    integration,
    owner,
    verify,
    settings,
):
    settings.VIP_VAULT_READ_TIMEOUT = 0.5
    with FaultyProxy(target_bao.port) as proxy:
        proxy.when(LOGIN, lambda: setattr(proxy, "delay", 3.0))
        run, took = run_through(proxy, target_bao, integration, owner, verify)
    assert_error_at_login(run, "did not answer within 0.5 seconds")
    assert took < 3.0  # two read timeouts (the login, token.revoke), not one per check


def test_a_target_frozen_mid_run_times_out(target_bao, integration, owner, verify, settings):
    settings.VIP_VAULT_READ_TIMEOUT = 0.5
    with FaultyProxy(target_bao.port) as proxy:
        proxy.when(LOGIN, target_bao.freeze)
        run, took = run_through(proxy, target_bao, integration, owner, verify)
    assert_error_at_login(run, "did not answer within 0.5 seconds")
    assert took < 3.0


def test_plain_http_behind_an_https_address_is_a_tls_error(target_bao, integration, owner, verify):
    body = runtime_app(target_bao)
    body["url"] = target_bao.url.replace("http://", "https://")
    run = verify(integration, body, owner)
    results = checks(run)
    assert run.status == "error"
    assert run.reason.startswith("TLS verification failed for 127.0.0.1"), run.reason
    assert results["server.health"].status == "error"
    assert {r.status for key, r in results.items() if key != "server.health"} == {"skipped"}


def test_a_wrong_ca_bundle_is_a_tls_error(bao_tls, integration, owner, verify):
    other = BaoServer(tls=True).start()  # another server's CA: valid PEM, wrong signer
    try:
        body = runtime_app(bao_tls)
        body["ca_cert"] = other.ca_pem
        body["kind"] = "vault_community"
        run = verify(integration, body, owner)
    finally:
        other.stop()
    assert run.status == "error"
    assert run.reason.startswith("TLS verification failed for 127.0.0.1"), run.reason
    assert checks(run)["server.health"].status == "error"


def test_a_target_whose_tls_breaks_mid_run_ends_the_run_in_error(
    bao, bao_tls, integration, owner, verify
):
    """The certificate changes between two of the run's connections (another server, signed
    by a CA the target does not declare): that connection fails TLS verification, and the run
    ends `error` there instead of going on in clear or hanging. The target answers one request
    per connection (a run reuses its connections otherwise), so the run's third request, its
    login, makes a new connection."""
    target = PlatformStandIn(bao, "openbao", keep_alive=False)
    with target, FaultyProxy(target.port) as proxy:
        impostor = ("127.0.0.1", bao_tls.port)
        proxy.when_connecting(3, lambda: setattr(proxy, "backend", impostor))
        body = runtime_app(bao)
        body.update(url=f"https://127.0.0.1:{proxy.port}", ca_cert=target.ca_pem)
        run = verify(integration, body, owner)
    results = checks(run)
    summary = {key: (r.status, r.message) for key, r in results.items()}
    assert results["server.health"].status == "passed", summary  # the first connection was fine
    assert run.status == "error", summary
    assert run.reason.startswith("TLS verification failed for 127.0.0.1"), run.reason
    broken = [key for key, r in results.items() if r.status == "error"]
    assert len(broken) == 1, summary
    later = list(results)[list(results).index(broken[0]) + 1 :]
    assert {results[key].status for key in later} == {"skipped"}, summary
