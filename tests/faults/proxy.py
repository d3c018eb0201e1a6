"""A TCP proxy on loopback in front of a target Vault that turns faulty when a chosen request
passes through it: the test's `action` runs just before that request is forwarded (seal the
server, stop it, freeze it), and from then on each request can be held back once (a slow
server).

Only plain HTTP requests can be recognised. TLS passes through untouched (the client talks TLS
with the server behind the proxy), so a TLS fault is triggered by connection instead: the
`action` runs before the chosen connection is opened, e.g. to send it to another server."""

import contextlib
import re
import socket
import threading
import time

# The start of an HTTP request (its method and path): where a read begins a new request.
REQUEST_LINE = re.compile(rb"[A-Z]+ /")


class FaultyProxy:
    def __init__(self, backend_port: int) -> None:
        self.backend = ("127.0.0.1", backend_port)
        self.delay = 0.0  # seconds each request is held back
        self._trigger: tuple[bytes, object] | None = None
        self._seen = 0  # matching requests still to let through before the trigger
        self._on_connection: tuple[int, object] | None = None
        self._connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._sockets: list[socket.socket] = []
        self.port = self._listener.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def when(self, marker: bytes, action, occurrence: int = 1) -> None:
        """Run `action()` once, before forwarding the `occurrence`-th request that contains
        `marker`."""
        self._trigger = (marker, action)
        self._seen = occurrence - 1

    def when_connecting(self, number: int, action) -> None:
        """Run `action()` once, before the `number`-th connection reaches the backend."""
        self._on_connection = (number, action)

    def __enter__(self) -> "FaultyProxy":
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._listener.close()
        for sock in self._sockets:
            sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed: the test is over
                return
            self._connections += 1
            trigger = self._on_connection
            if trigger is not None and trigger[0] == self._connections:
                self._on_connection = None
                trigger[1]()
            try:
                upstream = socket.create_connection(self.backend, timeout=5)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                # A request's headers and body are forwarded as they come: without this, the
                # body waits for the server to acknowledge the headers (Nagle's algorithm
                # against the server's delayed ACK), ≈ 40 ms more for a POST.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, requests: bool) -> None:
        try:
            while data := source.recv(65536):
                if requests:
                    self._before_request(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _before_request(self, data: bytes) -> None:
        trigger = self._trigger
        if trigger is not None and trigger[0] in data:
            if self._seen:
                self._seen -= 1
            else:
                self._trigger = None
                trigger[1]()
        # Once a request: a request's body may come in a later read than its headers (urllib3
        # sends them apart), and holding that back too would make a POST twice as slow.
        if self.delay and REQUEST_LINE.match(data):
            time.sleep(self.delay)
