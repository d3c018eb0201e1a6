"""The worker goes only where the target says, and only to public addresses (issue 15, §1):
redirects are never followed, every connection's peer address is checked (DNS rebinding),
IPv6 forms that embed an IPv4 address are refused, nothing that carries credentials follows a
plain-HTTP target off loopback, and a non-Vault body is never quoted."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reviews.verification.egress import address_refusal, resolution_problem
from tests.faults.proxy import FaultyProxy
from tests.reviews.conftest import checks
from tests.vault import runtime_app

pytestmark = pytest.mark.django_db


class Recorder:
    """A small HTTP server standing for a service inside the program's network (or a
    redirecting partner server): answers every request with `status`, `headers` and `body`,
    and records what it got."""

    def __init__(self, status=200, headers=None, body=b"", content_type="text/html"):
        self.received: list[tuple[str, str, bytes]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                recorder.received.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_LIST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


INTERNAL = b"<html>internal config: db_password=hunter2</html>"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("elsewhere", ["internal", "public"])
def test_redirects_are_never_followed(bao, integration, owner, verify, status, elsewhere):
    with Recorder(500, body=INTERNAL) as internal:
        location = (
            f"{internal.url}/v1/auth/approle/login"
            if elsewhere == "internal"
            else "https://other.partner.example/v1/sys/health"
        )
        with Recorder(status, headers={"Location": location}) as partner:
            run = verify(integration, {**runtime_app(bao), "url": partner.url}, owner)
        results = checks(run)
        health = results["server.health"]
        assert health.status == "failed"
        assert health.message == (
            f"Expected the server's health and seal status from {partner.url[7:]}; the server "
            f"answered HTTP {status}, a redirect to {location}, and redirects are never followed."
        )
        login = results["auth.login"]
        assert login.status == "failed" and location in login.message
        assert internal.received == []  # neither the login body nor anything else went there
        assert run.status == "failed"
        assert "db_password" not in run.reason + "".join(r.message for r in results.values())


def test_a_redirect_to_the_program_vault_sends_it_nothing(
    program_bao, integration, owner, verify, bao
):
    # With the token method a redirected request would carry the program Vault's own token.
    with (
        FaultyProxy(program_bao.port) as program,
        Recorder(
            307, headers={"Location": f"{program.url}/v1/sys/mounts/vip-credentials"}
        ) as partner,
    ):
        body = {
            **runtime_app(bao),
            "url": partner.url,
            "auth": {"method": "token", "token": "root"},
        }
        run = verify(integration, body, owner)
        assert run.status == "failed"
        assert program._connections == 0


@pytest.fixture
def rebinding(monkeypatch):
    """A name whose DNS answers a public address when the program checks it, and loopback
    when the connection is made (DNS rebinding), in the worker's own process."""
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        if host == "rebind.partner.test":
            address = "93.184.216.34" if port is None else "127.0.0.1"
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def test_a_rebinding_name_is_caught_at_the_connection(
    bao, integration, owner, verify, settings, rebinding
):
    settings.VIP_ALLOW_PRIVATE_TARGETS = False
    body = {**runtime_app(bao), "url": f"http://rebind.partner.test:{bao.port}"}
    run = verify(integration, body, owner)  # saved: the name checked out as public
    result = checks(run)["server.health"]
    assert (result.status, run.status) == ("error", "error")
    assert result.message == (
        f"Not connecting: rebind.partner.test:{bao.port} was 127.0.0.1 is a private, loopback "
        "or link-local address when the connection was made (every connection of a run is "
        "checked, so a name that changes its address is caught). Nothing was sent."
    )
    assert {r.status for key, r in checks(run).items() if key != "server.health"} == {"skipped"}


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:127.0.0.1",  # IPv4-mapped
        "64:ff9b::7f00:1",  # NAT64
        "64:ff9b:1::a00:1",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "::ffff:8.8.8.8",  # mapped, even of a public address: what it reaches is not ours to say
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "::1",
        "fe80::1%eth0",
        "fc00::1",
    ],
)
def test_addresses_that_are_or_may_hide_private_ones_are_refused(address):
    assert address_refusal(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address):
    assert address_refusal(address) is None


@pytest.mark.parametrize("host", ["[::127.0.0.1]", "[64:ff9b::7f00:1]", "[::ffff:7f00:1]"])
def test_embedded_ipv4_forms_are_refused_when_a_target_is_saved(
    api, owner, integration, bao, settings, host
):
    settings.VIP_ALLOW_PRIVATE_TARGETS = False
    assert resolution_problem(f"http://{host}:8200")
    body = {**runtime_app(bao), "url": f"https://{host}:8200"}
    response = api.as_user(owner).post(
        f"/api/v1/integrations/{integration.pk}/targets/", body, format="json"
    )
    assert response.status_code == 400
    assert "private, loopback or link-local" in response.json()["errors"]["url"][0]


def test_no_credential_is_sent_to_a_plain_http_target_off_loopback(
    bao,
    egress,
    integration,
    owner,
    verify,
    settings,
):
    egress.route("plain.partner.invalid", bao.port)
    settings.VIP_EGRESS_PROXY = egress.url
    asked = len(egress.asked)
    run = verify(
        integration, {**runtime_app(bao), "url": f"http://plain.partner.invalid:{bao.port}"}, owner
    )
    results = checks(run)
    assert results["server.tls"].status == "failed"
    assert "No credential was sent." in results["server.tls"].message
    assert results["auth.login"].status == "skipped"
    assert results["auth.login"].message.startswith("Not run: Expected https;")
    assert run.status == "failed"  # a refusal to go on, not an error of the server
    assert run.reason.startswith("server.tls: Expected https;")
    assert len(egress.asked) - asked == 2  # health and seal status, nothing after


def test_a_non_vault_body_is_never_quoted(integration, owner, verify, bao):
    with Recorder(403, body=INTERNAL) as internal:
        run = verify(integration, {**runtime_app(bao), "url": internal.url}, owner)
    messages = run.reason + "".join(r.message for r in checks(run).values())
    assert "db_password" not in messages and "hunter2" not in messages
