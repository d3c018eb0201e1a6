"""A tiny HTTP server that answers a few Vault API paths with recorded answers.

Only for what no OpenBao build here can show: this OpenBao is built without cgo, so it has no
PKCS#11 seal, and key management (`keymgmt`, `kmip`) is a Vault Enterprise engine. Everything
else is tested against real OpenBao servers.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
