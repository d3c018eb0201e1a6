"""A tiny HTTP server that answers a few Vault API paths with recorded answers, and a front
that makes a real OpenBao look like Vault Enterprise to edition detection.

Only for what no OpenBao build here can show: this OpenBao is built without cgo, so it has no
PKCS#11 seal; key management (`keymgmt`, `kmip`) is a Vault Enterprise engine; and it is not
Vault Enterprise. Everything else is tested against real OpenBao servers.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


class FakeVault:
    def __init__(self, answers: dict[str, dict]) -> None:
        self.answers = answers
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                fake.requests.append(path)
                body = fake.answers.get(path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body if body is not None else {"errors": []}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FakeVault":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class EnterpriseFront:
    """Vault Enterprise, as far as edition detection can tell, in front of a real OpenBao.

    Every request goes to the OpenBao server behind it and back unchanged, except the two
    answers edition detection reads: `sys/health` and `sys/seal-status` come back without
    OpenBao's `commit_date`, with a `+ent` version and `enterprise: true`, as a Vault Enterprise
    1.16+ server answers. So a run through it is a real run (logins, namespaces, secrets,
    Enterprise features all on the real server) that detects `vault_enterprise`: what the badge
    tests need, since no Vault Enterprise binary runs here."""

    DETECTED = {"/v1/sys/health", "/v1/sys/seal-status"}

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        front = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = requests.request(
                    self.command,
                    front.upstream + self.path,
                    headers=headers,
                    data=body,
                    timeout=30,
                    allow_redirects=False,
                )
                content = answer.content
                if self.path.split("?")[0] in front.DETECTED and content:
                    content = json.dumps(front.as_enterprise(answer.json())).encode()
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "text/plain"))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = do_DELETE = do_LIST = do_PATCH = _forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @staticmethod
    def as_enterprise(answer: dict) -> dict:
        answer = dict(answer)
        answer.pop("commit_date", None)
        if answer.get("version") and "+ent" not in answer["version"]:
            answer["version"] = f"{answer['version']}+ent"
        if "initialized" in answer and "sealed" in answer and "standby" in answer:
            answer["enterprise"] = True  # sys/health
        return answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> "EnterpriseFront":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
