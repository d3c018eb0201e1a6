"""Where the worker may connect, and how it never goes anywhere else (DESIGN.md §11, issue 15).

A partner controls its target's name, its DNS and its answers. So:
- an address is public only if it is globally routable and not one of the IPv6 forms that
  embed an IPv4 address (mapped, compatible, 6to4, NAT64, Teredo), whose embedded address could
  be anything (`address_refusal`);
- the name is resolved when a target is saved and when a run starts (`resolution_problem`), and
  the address of every socket a run actually connects is checked again after `connect()`
  (`PublicOnlyAdapter`): a name that answers a public address first and loopback next
  (DNS rebinding) is caught at the connection;
- redirects are never followed (`refuse_redirects`): a partner's server answering
  `307 Location: http://127.0.0.1:…` gets a failed check naming the Location, and nothing is
  sent there.
Behind an egress proxy (VIP_EGRESS_PROXY) the worker connects only to the proxy, which applies
the address policy itself; these checks then do not apply to the proxy's own address.

Plain Python (requests, urllib3): the engine stays importable without Django.
"""

import ipaddress
import socket
from urllib.parse import urlparse

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import NewConnectionError

NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
PRIVATE = "a private, loopback or link-local address"


def address_refusal(address: str) -> str | None:
    """Why the worker must not connect to `address` (an IP address as text), or None."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return f"{address} is not an IP address"
    if ip.version == 6 and (
        ip.ipv4_mapped
        or ip.sixtofour
        or ip.teredo
        or ip in IPV4_COMPATIBLE
        or any(ip in network for network in NAT64)
    ):
        return f"{address} embeds an IPv4 address (mapped, compatible, 6to4, NAT64 or Teredo)"
    if not ip.is_global:
        return f"{address} is {PRIVATE}"
    return None


def resolution_problem(url: str) -> str | None:
    """Why the program should not connect to `url`: its host does not resolve, or resolves to
    an address `address_refusal` refuses (the program's own services could be reached)."""
    host = urlparse(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return f"{host} does not resolve to an address."
    for address in sorted(addresses):
        if address_refusal(address):
            return f"{host} is {PRIVATE}; use a public address."
    return None


class RefusedAddress(NewConnectionError):
    """A run's connection reached an address the policy refuses; nothing was sent on it."""


class _PublicOnly:
    """Checks the peer address of each new socket, before TLS or any byte of a request."""

    def _new_conn(self):
        sock = super()._new_conn()
        peer = sock.getpeername()[0]
        if refusal := address_refusal(peer):
            sock.close()
            raise RefusedAddress(self, f"connected to {refusal}")
        return sock


class _PublicHTTPConnection(_PublicOnly, HTTPConnection):
    pass


class _PublicHTTPSConnection(_PublicOnly, HTTPSConnection):
    pass


class _PublicHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _PublicHTTPConnection


class _PublicHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _PublicHTTPSConnection


class PublicOnlyAdapter(HTTPAdapter):
    """A transport that connects only to public addresses, checked on every connection."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _PublicHTTPPool,
            "https": _PublicHTTPSPool,
        }


def refused_address(exc: BaseException) -> str | None:
    """The refusal inside a requests ConnectionError, if a connection was refused by policy."""
    seen = exc
    for _ in range(5):
        if isinstance(seen, RefusedAddress):
            return str(seen).split("connected to ", 1)[-1]
        reason = getattr(seen, "reason", None)
        nested = seen.args[0] if getattr(seen, "args", None) else None
        seen = reason if reason is not None else nested
        if not isinstance(seen, BaseException):
            return None
    return None


class Redirected(Exception):
    """The partner's server answered with a redirect (never followed)."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(location)
        self.status = status
        self.location = "".join(ch for ch in location if ch.isprintable())[:200] or "nowhere"


def refuse_redirects(response: requests.Response, *args, **kwargs) -> None:
    """A response hook: a redirect ends the request before requests could follow it."""
    if response.is_redirect or response.status_code in (301, 302, 303, 307, 308):
        raise Redirected(response.status_code, response.headers.get("Location", ""))


def guard(session: requests.Session, *, public_only: bool) -> None:
    """What every run's session gets: no redirects, and (without an egress proxy, outside
    development) a transport that refuses non-public peers on every connection."""
    session.hooks["response"].append(refuse_redirects)
    if public_only:
        session.mount("http://", PublicOnlyAdapter())
        session.mount("https://", PublicOnlyAdapter())
