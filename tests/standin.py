"""Stand-ins for the platforms no binary exists for here (Vault Enterprise, HCP Vault, Vault
Community), and the egress proxy production workers reach partners through.

`PlatformStandIn` is a small TLS reverse proxy in front of a real OpenBao server. It answers
`sys/health` and `sys/seal-status` as the other platform does (DESIGN.md §4.1) and passes every
other request through, so logins, tokens, policies, mounts and namespaces are OpenBao's own:
- `vault_enterprise`: version `1.19.2+ent`, `enterprise: true`, a seal status without
  OpenBao's `commit_date`;
- `hcp_vault`: the same with an awskms recovery seal, served under a `*.hashicorp.cloud` name
  that only the `EgressProxy` can reach (set it as VIP_EGRESS_PROXY);
- `vault_community`: version `1.19.2`, and it drops `X-Vault-Namespace`, as Vault Community
  does (no namespaces: every request lands in the root namespace).

`EgressProxy` is a forward HTTP proxy (CONNECT for https, absolute-form requests for http)
that knows a few names (`route(name, port)`) and refuses every other destination, as an
egress proxy's address policy would. It records what it was asked for.
"""

import contextlib
import http.client
import json
import secrets
import socket
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.pki import server_ca_and_cert
from tests.vault import BaoServer

VERSION = "1.19.2"
BUILD_DATE = "2025-04-02T15:43:01Z"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
}


def _as_platform(platform: str, path: str, body: dict) -> dict:
    """`sys/health` or `sys/seal-status` as `platform` answers them."""
    enterprise = platform in ("vault_enterprise", "hcp_vault")
    version = f"{VERSION}+ent" if enterprise else VERSION
    body = {**body, "version": version}
    if path == "/v1/sys/health":
        body["enterprise"] = enterprise
    else:  # seal status: Vault has a build date where OpenBao has a commit date
        body.pop("commit_date", None)
        body["build_date"] = BUILD_DATE
        if platform == "hcp_vault":
            body.update(type="awskms", recovery_seal=True, storage_type="raft")
    return body


class PlatformStandIn:
    """A real OpenBao server answering as `platform` (see the module's docstring)."""

    # `openbao` answers as OpenBao itself does: the server, at another name and over TLS.
    PLATFORMS = ("vault_enterprise", "hcp_vault", "vault_community", "openbao")

    def __init__(
        self,
        backend: BaoServer,
        platform: str,
        *,
        hostname: str = "",
        port: int = 0,
        keep_alive: bool = True,
    ) -> None:
        assert platform in self.PLATFORMS, platform
        assert not backend.tls, "the stand-in speaks TLS itself; its backend is plain http"
        self.backend = backend
        self.platform = platform
        if hostname == "hashicorp.cloud" or (not hostname and platform == "hcp_vault"):
            hostname = (
                f"vip-{secrets.token_hex(4)}.vault.{secrets.token_hex(3)}.aws.hashicorp.cloud"
            )
        self.hostname = hostname or "127.0.0.1"
        self.requests: list[tuple[str, str, str]] = []  # (method, path, namespace header)
        self._port = port  # 0: any free one
        self.keep_alive = keep_alive  # False: one request per connection (HTTP/1.0)
        self._server: ThreadingHTTPServer | None = None

    tls = True

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def client(self, **kwargs):
        """An operator's client on the real server behind (setting up is not verifying)."""
        return self.backend.client(**kwargs)

    @property
    def url(self) -> str:
        return f"https://{self.hostname}:{self.port}"

    def start(self) -> "PlatformStandIn":
        pki = server_ca_and_cert(self.hostname, "127.0.0.1")
        self.ca_pem = pki["ca"]
        folder = Path(tempfile.mkdtemp(prefix="vip-standin-"))
        (folder / "cert.pem").write_text(pki["cert"])
        (folder / "key.pem").write_text(pki["key"])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler())
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "PlatformStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if standin.keep_alive else "HTTP/1.0"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {
                    name: value
                    for name, value in self.headers.items()
                    if name.lower() not in HOP_BY_HOP
                }
                namespace = self.headers.get("X-Vault-Namespace", "")
                if standin.platform == "vault_community":  # no namespaces in Community
                    headers.pop("X-Vault-Namespace", None)
                standin.requests.append((self.command, self.path, namespace))
                upstream = http.client.HTTPConnection("127.0.0.1", standin.backend.port, timeout=30)
                try:
                    upstream.request(self.command, self.path, body=body, headers=headers)
                    response = upstream.getresponse()
                    payload = response.read()
                    content_type = response.getheader("Content-Type", "")
                    status = response.status
                finally:
                    upstream.close()
                path = self.path.split("?")[0]
                rewritten = standin.platform != "openbao"
                if rewritten and path in ("/v1/sys/health", "/v1/sys/seal-status") and payload:
                    payload = json.dumps(
                        _as_platform(standin.platform, path, json.loads(payload))
                    ).encode()
                self.send_response(status)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_LIST = _forward

            def log_message(self, *args):
                pass

        return Handler


class EgressProxy:
    """A forward proxy that reaches only the names it was given (`route`), like an egress
    proxy's address policy; everything else is answered 403."""

    def __init__(self) -> None:
        self.routes: dict[str, int] = {}
        self.asked: list[str] = []  # "host:port" of every CONNECT or absolute-form request
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, hostname: str, port: int) -> None:
        """Send `hostname` (any port asked) to 127.0.0.1:`port`."""
        self.routes[hostname] = port

    def __enter__(self) -> "EgressProxy":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed: the test is over
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.closing(client):
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(65536)
                if not chunk:
                    return
                head += chunk
            head, rest = head.split(b"\r\n\r\n", 1)
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, target, version = request_line.split(" ", 2)
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
            else:  # http://host:port/path
                authority = target.split("://", 1)[1].split("/", 1)[0]
                host, _, port = authority.partition(":")
            self.asked.append(f"{host}:{port or 80}")
            backend = self.routes.get(host)
            if backend is None:
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            with contextlib.closing(socket.create_connection(("127.0.0.1", backend))) as upstream:
                if method == "CONNECT":
                    client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    if rest:
                        upstream.sendall(rest)
                else:  # one request per connection: the next may be for another host
                    path = "/" + target.split("://", 1)[1].partition("/")[2]
                    kept = [
                        line
                        for line in header_lines
                        if line.split(":", 1)[0].strip().lower()
                        not in ("connection", "proxy-connection", "keep-alive")
                    ]
                    upstream.sendall(
                        "\r\n".join(
                            [f"{method} {path} {version}", *kept, "Connection: close"]
                        ).encode("latin-1")
                        + b"\r\n\r\n"
                        + rest
                    )
                self._pump(client, upstream)

    @staticmethod
    def _pump(client: socket.socket, upstream: socket.socket) -> None:
        def copy(source, sink):
            try:
                while data := source.recv(65536):
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=copy, args=(upstream, client), daemon=True)
        back.start()
        copy(client, upstream)
        back.join(timeout=60)
