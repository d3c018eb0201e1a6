"""What every check shares: the run's context, the outcome of a check, and the Check itself."""

import ipaddress
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

import hvac
import hvac.exceptions
import requests

from reviews.verification import egress

PASSED, FAILED, SKIPPED, ERROR = "passed", "failed", "skipped", "error"

# How each Vault error status reads in a check's message.
_STATUS_WORDS = [
    (hvac.exceptions.InvalidRequest, "HTTP 400 (invalid request)"),
    (hvac.exceptions.Unauthorized, "HTTP 401 (not authenticated)"),
    (hvac.exceptions.Forbidden, "HTTP 403 (permission denied)"),
    (hvac.exceptions.InvalidPath, "HTTP 404 (nothing at that path)"),
    (hvac.exceptions.RateLimitExceeded, "HTTP 429 (too many requests)"),
    (hvac.exceptions.InternalServerError, "HTTP 500 (internal error)"),
    (hvac.exceptions.BadGateway, "HTTP 502 (bad gateway)"),
]
_MULTIERROR = re.compile(r"^\d+ errors? occurred:\s*")
_EXCERPT = 300


def _tidy(error: str) -> str:
    """One Vault error as a line of words: without Go's multi-error frame ("1 error occurred:
    * permission denied"), control characters or runs of blanks."""
    text = _MULTIERROR.sub("", error)
    text = "".join(ch if ch.isprintable() else " " for ch in text).replace(" * ", "; ")
    return " ".join(text.split()).strip(" *;")


def server_said(exc: hvac.exceptions.VaultError) -> str:
    """What a Vault server answered, in words: the HTTP status, and a short excerpt of its
    errors when it answered like Vault (JSON with `errors`); never the raw body of something
    else."""
    status = next(
        (words for kind, words in _STATUS_WORDS if isinstance(exc, kind)),
        "an unexpected HTTP status",
    )
    errors = [_tidy(e) for e in exc.errors or [] if isinstance(e, str)]
    errors = [e for e in errors if e]
    if errors:
        excerpt = "; ".join(errors)
        if len(excerpt) > _EXCERPT:
            excerpt = excerpt[: _EXCERPT - 1] + "…"
        return f"{status}: “{excerpt}”"
    if exc.text and exc.text.strip():
        return f"{status} and a body that is not a Vault answer"
    return f"{status} without an error message"


@dataclass
class Outcome:
    status: str
    message: str = ""
    details: dict = field(default_factory=dict)
    # A skipped check counts against the run when it was required and could not run for want
    # of something (a token, inspector credentials); not when it does not apply here at all.
    applicable: bool = True
    # The run goes no further (an error always stops it; a failure may, e.g. plain HTTP off
    # loopback: nothing that sends credentials may follow).
    stop: bool = False


def passed(message: str = "", **details) -> Outcome:
    return Outcome(PASSED, message, details)


def failed(message: str, *, stop: bool = False, **details) -> Outcome:
    return Outcome(FAILED, message, details, stop=stop)


def skipped(message: str, *, applicable: bool = True, **details) -> Outcome:
    return Outcome(SKIPPED, message, details, applicable=applicable)


def error(message: str) -> Outcome:
    return Outcome(ERROR, message)


@dataclass
class RunContext:
    """Everything a run knows: the target as declared, the decrypted secrets, and what earlier
    checks found. Built in the worker; it never leaves it."""

    run_id: int
    category: str
    kind: str
    url: str
    namespace: str = ""
    ca_pem: str = ""
    auth_method: str = "approle"
    auth_mount: str = "approle"
    auth_role: str = ""
    credentials: dict | None = None
    inspector_token: str | None = None
    secret_mounts: list[dict] = field(default_factory=list)
    plugin: dict | None = None
    # Login through a plugin's auth mount: `auth/<auth_mount>/<login_path>` (method `plugin`).
    login_path: str = "login"
    timeout: tuple[float, float] = (5.0, 15.0)
    time_limit: float = 180.0  # seconds a run may take; checks not started by then are not run
    deadline: float | None = None  # time.monotonic() to stop at (set when the checks start)
    allow_private: bool = True
    egress_proxy: str = ""
    max_token_ttl: int = 86_400
    max_token_lifetime: int = 768 * 3600
    # Required checks a reviewer waived on this target: check id → the waiver's words.
    waived: dict[str, str] = field(default_factory=dict)
    # Found along the way.
    app_token: str | None = None
    token_minted: bool = False
    _token_info: dict | None = None
    version: str = ""
    edition: str = ""  # the platform detected (server.health), never the declared kind
    features: list[str] = field(default_factory=list)
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)
    _tempdir: tempfile.TemporaryDirectory | None = None
    _clients: dict = field(default_factory=dict)
    _session: requests.Session | None = None

    # --- Clients ------------------------------------------------------------------------------

    def _file(self, name: str, content: str) -> str:
        """A private temporary file (CA bundle, client certificate) for requests to read."""
        if self._tempdir is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="vip-run-")
        path = os.path.join(self._tempdir.name, name)
        if not os.path.exists(path):
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(content)
        return path

    @property
    def verify(self) -> str | bool:
        return self._file("ca.pem", self.ca_pem) if self.ca_pem else True

    def client(
        self, *, namespace: bool = True, token: str | None = None, cert: bool = False
    ) -> hvac.Client:
        """A client for the target: in the declared namespace unless told otherwise (health
        and seal status are not served inside namespaces). Clients are kept for the run, so
        its requests reuse their connections."""
        key = (namespace, token, cert)
        if key not in self._clients:
            self._clients[key] = self._new_client(namespace=namespace, token=token, cert=cert)
        return self._clients[key]

    def _new_client(self, *, namespace: bool, token: str | None, cert: bool) -> hvac.Client:
        client_cert = None
        if cert and self.credentials:
            client_cert = (
                self._file("client.pem", self.credentials["client_cert"]),
                self._file("client.key", self.credentials["client_key"]),
            )
        return hvac.Client(
            url=self.url,
            # Never None: hvac would then send the worker host's own VAULT_TOKEN (or
            # ~/.vault-token) and VAULT_CLIENT_CERT to the partner's server.
            token=token or "",
            namespace=(self.namespace or None) if namespace else None,
            verify=self.verify,
            cert=client_cert or False,
            timeout=self.timeout,
            allow_redirects=False,
            session=self._run_session(),
        )

    def _run_session(self) -> requests.Session:
        """One HTTP session for all of the run's clients: they share its connections, so a run
        across the internet pays for one TLS handshake, not one per client (hvac sends each
        client's token and namespace as headers of its own requests)."""
        if self._session is None:
            session = requests.Session()
            session.verify = self.verify  # hvac prefers the session's over its own argument
            egress.guard(session, public_only=self.public_only)
            if self.egress_proxy:
                # Every request goes through the egress proxy (CONNECT for https: TLS stays end
                # to end, verified against the target's CA and host name); it resolves names.
                session.proxies = {"http": self.egress_proxy, "https": self.egress_proxy}
            else:
                # Proxy settings from the environment, read once for the run rather than on
                # every request (requests re-reads the whole environment per request otherwise).
                session.proxies = requests.utils.get_environ_proxies(self.url)
            session.trust_env = False
            self._session = session
        return self._session

    def app_client(self) -> hvac.Client:
        return self.client(token=self.app_token)

    def token_info(self) -> dict:
        """`lookup-self` of the app's token in the declared namespace, asked once a run: what
        the server says about the token (namespace, TTLs, policies, where it was created)."""
        if self._token_info is None:
            self._token_info = self.app_client().auth.token.lookup_self()["data"]
        return self._token_info

    def inspector_client(self, *, namespace: bool = True) -> hvac.Client:
        return self.client(token=self.inspector_token, namespace=namespace)

    def close(self) -> None:
        self._clients.clear()
        if self._session is not None:
            self._session.close()
            self._session = None
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    # --- What earlier checks said --------------------------------------------------------------

    def outcome(self, check_id: str) -> Outcome | None:
        found = self.outcomes.get(check_id)
        return found[-1] if found else None

    def has_passed(self, check_id: str) -> bool:
        found = self.outcome(check_id)
        return found is not None and found.status == PASSED

    @property
    def public_only(self) -> bool:
        """Connect only to public addresses, checked by the program itself: outside
        development, and unless an egress proxy applies the policy."""
        return not self.allow_private and not self.egress_proxy

    @property
    def host(self) -> str:
        return urlparse(self.url).hostname or ""

    @property
    def is_loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


@dataclass(frozen=True)
class EngineSettings:
    """What a run needs to know of where it runs: the Django side passes its settings in
    (reviews.services.engine_settings), `vip-verify` uses these defaults or its options."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    allow_private: bool = True
    egress_proxy: str = ""
    max_token_ttl: int = 24 * 3600
    max_token_lifetime: int = 768 * 3600
    time_limit: float = 180.0


def context_for(
    target,
    *,
    run_id: int,
    category: str,
    credentials: dict | None,
    inspector_token: str | None,
    settings: EngineSettings,
    waived: dict[str, int] | None = None,
) -> RunContext:
    """A run's context from a target's cleaned fields (`target[...]`: the stored target's
    columns, or reviews.targets.clean_target's `fields`), its decrypted secrets, the category
    of the integration, and the deployment's settings."""
    method = target["auth_method"]
    return RunContext(
        run_id=run_id,
        category=category,
        kind=target["kind"],
        url=target["url"],
        namespace=target.get("namespace") or "",
        ca_pem=target.get("ca_cert") or "",
        auth_method=method,
        auth_mount=target.get("auth_mount_path") or method,
        auth_role=target.get("auth_role") or "",
        login_path=target.get("auth_login_path") or "login",
        credentials=credentials,
        inspector_token=inspector_token,
        secret_mounts=target.get("secret_mounts") or [],
        plugin=target.get("plugin"),
        timeout=(settings.connect_timeout, settings.read_timeout),
        allow_private=settings.allow_private,
        egress_proxy=settings.egress_proxy,
        max_token_ttl=settings.max_token_ttl,
        max_token_lifetime=settings.max_token_lifetime,
        time_limit=settings.time_limit,
        waived=waived or {},
    )


def needs_token(ctx: RunContext) -> Outcome | None:
    """The skip for checks that need the app's token when there is none."""
    if ctx.app_token is None:
        return skipped("Not run: there is no app token because auth.login did not pass.")
    return None


def needs_inspector(ctx: RunContext) -> Outcome | None:
    if not ctx.inspector_token:
        return skipped(
            "Not run: this check needs inspector credentials (a read-only token for the "
            "catalog, audit and seal APIs); add one to the target."
        )
    return None


Subject = str | None


@dataclass(frozen=True)
class Check:
    """One check of the catalogue (DESIGN.md §4): its contract id, what it proves, what it
    expects of the server (in words, for messages: "Expected <expects>; the server answered
    …"), when it is required, which subjects it runs for (one result per subject), and whether
    it still runs after an earlier check met an error (token.revoke does: a minted token is
    always revoked)."""

    id: str
    title: str
    run: Callable[[RunContext, Subject], Outcome]
    required: Callable[[RunContext], bool]
    expects: str
    subjects: Callable[[RunContext], list[Subject]] = lambda ctx: [None]
    always: bool = False


def always_required(ctx: RunContext) -> bool:
    return True


def never_required(ctx: RunContext) -> bool:
    return False
