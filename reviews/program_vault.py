"""The program's own Vault: its Transit engine encrypts partners' credentials.

The web process encrypts (a partner saves credentials); only the worker decrypts (a run needs
them). Plaintext never reaches the database, a log line or a response. Each logs in with its
own AppRole (the role and secret IDs from settings or from files, `VIP_VAULT_*_FILE`); under
production settings a root `VIP_VAULT_TOKEN` is refused (`refuse_root_token`).
"""

import base64
import json
import logging
import threading
import time
from pathlib import Path

import hvac
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.errors import DomainError

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_cached: dict = {"client": None, "expires": 0.0}


class ProgramVaultUnavailable(DomainError):
    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The program's Vault cannot be reached, so nothing was saved. Try again shortly."
            + (f" ({detail})" if detail else ""),
            code="program_vault_unavailable",
            status=503,
        )


class RootTokenRefused(ImproperlyConfigured):
    def __init__(self) -> None:
        super().__init__(
            "VIP_VAULT_TOKEN is a root token of the program Vault (its policies include "
            "“root”), and production refuses to run with one: a root token can read, change "
            "and destroy everything in that Vault, partners' credentials included. Give web "
            "and worker AppRole logins instead (VIP_VAULT_ROLE_ID/VIP_VAULT_SECRET_ID, or the "
            "_FILE variants) with the policies in the README (“The program Vault's policy”), "
            "and unset VIP_VAULT_TOKEN."
        )


def _from_setting_or_file(name: str) -> str:
    """`settings.<name>`, else the content of the file `settings.<name>_FILE` (read at each
    login, so a rotated secret ID is picked up at the next one)."""
    value = getattr(settings, name)
    path = getattr(settings, f"{name}_FILE")
    if value or not path:
        return value
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        raise ProgramVaultUnavailable(f"cannot read {name}_FILE") from error


def _session(url: str, verify: str | bool) -> tuple[requests.Session, str | bool]:
    """The kept client's HTTP session, with the environment's proxy and CA-bundle settings
    read once, when it is made: requests would otherwise read the whole environment again on
    every request (≈0.4 ms of each decryption). Returns the session and the `verify` to use."""
    session = requests.Session()
    found = session.merge_environment_settings(url, {}, None, verify, None)
    session.proxies, session.verify, session.trust_env = found["proxies"], found["verify"], False
    return session, found["verify"]


def _new_client() -> tuple[hvac.Client, float]:
    if not settings.VIP_VAULT_ADDR:
        raise ProgramVaultUnavailable("VIP_VAULT_ADDR is not set")
    session, verify = _session(settings.VIP_VAULT_ADDR, settings.VIP_VAULT_CA_CERT or True)
    client = hvac.Client(
        url=settings.VIP_VAULT_ADDR,
        namespace=settings.VIP_VAULT_NAMESPACE or None,
        verify=verify,
        timeout=(settings.VIP_VAULT_CONNECT_TIMEOUT, settings.VIP_VAULT_READ_TIMEOUT),
        session=session,
    )
    role_id = _from_setting_or_file("VIP_VAULT_ROLE_ID")
    if role_id:
        auth = client.auth.approle.login(
            role_id=role_id, secret_id=_from_setting_or_file("VIP_VAULT_SECRET_ID")
        )["auth"]
        lifetime = auth.get("lease_duration") or 3600
        return client, time.monotonic() + lifetime * 0.8
    if settings.VIP_VAULT_TOKEN:
        client.token = settings.VIP_VAULT_TOKEN
        if settings.VIP_REFUSE_ROOT_VAULT_TOKEN and _is_root(client):
            raise RootTokenRefused
        return client, float("inf")
    raise ProgramVaultUnavailable(
        "set VIP_VAULT_ROLE_ID/VIP_VAULT_SECRET_ID (or their _FILE variants), or VIP_VAULT_TOKEN"
    )


def _is_root(client: hvac.Client) -> bool:
    return "root" in (client.auth.token.lookup_self()["data"].get("policies") or [])


def refuse_root_token() -> bool:
    """Production's start-up check, run by web (config/wsgi.py), the worker (a Celery boot step)
    and `check --deploy` (reviews/checks.py): raise RootTokenRefused when VIP_VAULT_TOKEN is a
    root token. A Vault that cannot be asked now is logged and let pass (a process must start
    while the Vault is down, and CI runs `check --deploy` where no Vault is): the first use
    checks again (`_new_client`), so a root token is never used either way. Returns whether
    there was a token to check and the Vault answered."""
    if not (settings.VIP_REFUSE_ROOT_VAULT_TOKEN and settings.VIP_VAULT_TOKEN):
        return False
    if not settings.VIP_VAULT_ADDR:
        return False
    client = hvac.Client(
        url=settings.VIP_VAULT_ADDR,
        namespace=settings.VIP_VAULT_NAMESPACE or None,
        token=settings.VIP_VAULT_TOKEN,
        verify=settings.VIP_VAULT_CA_CERT or True,
        timeout=(settings.VIP_VAULT_CONNECT_TIMEOUT, settings.VIP_VAULT_READ_TIMEOUT),
    )
    try:
        root = _is_root(client)
    except (requests.exceptions.RequestException, hvac.exceptions.VaultError) as error:
        logger.warning(
            "could not ask the program Vault whether VIP_VAULT_TOKEN is a root token (%s); "
            "it is checked again before its first use",
            error.__class__.__name__,
        )
        return False
    if root:
        raise RootTokenRefused
    return True


def _client() -> hvac.Client:
    with _lock:
        if _cached["client"] is None or time.monotonic() >= _cached["expires"]:
            _cached["client"], _cached["expires"] = _new_client()
        return _cached["client"]


def reset_client() -> None:
    """Forget the cached client (settings changed, or a token expired early)."""
    with _lock:
        _cached["client"], _cached["expires"] = None, 0.0


def _call(operation):
    """Run `operation(client)`; a Vault that cannot be reached is one clear error."""
    try:
        return operation(_client())
    except RootTokenRefused as error:
        logger.error("%s", error)
        raise ProgramVaultUnavailable("a root token is refused in production") from error
    except (requests.exceptions.RequestException, hvac.exceptions.VaultDown) as error:
        raise ProgramVaultUnavailable(error.__class__.__name__) from error
    except hvac.exceptions.Forbidden:
        reset_client()  # the token may have expired: log in again once
        try:
            return operation(_client())
        except hvac.exceptions.VaultError as error:
            raise ProgramVaultUnavailable(error.__class__.__name__) from error


def encrypt(payload: dict) -> str:
    """Transit-encrypt a JSON-serialisable dict; the key is created on first use."""
    plaintext = base64.b64encode(json.dumps(payload).encode()).decode()
    response = _call(
        lambda client: client.secrets.transit.encrypt_data(
            name=settings.VIP_CREDENTIALS_KEY,
            plaintext=plaintext,
            mount_point=settings.VIP_VAULT_TRANSIT_MOUNT,
        )
    )
    return response["data"]["ciphertext"]


def decrypt(ciphertext: str) -> dict:
    return decrypt_many([ciphertext])[0]


def decrypt_many(ciphertexts: list[str]) -> list[dict]:
    """Transit-decrypt several secrets in one request (a batch), in their order. An item the
    key cannot decrypt fails the lot (ValueError; or the server's 400 as a VaultError)."""
    if not ciphertexts:
        return []
    response = _call(
        lambda client: client.secrets.transit.decrypt_data(
            name=settings.VIP_CREDENTIALS_KEY,
            batch_input=[{"ciphertext": ciphertext} for ciphertext in ciphertexts],
            mount_point=settings.VIP_VAULT_TRANSIT_MOUNT,
        )
    )
    results = response["data"]["batch_results"]
    if len(results) != len(ciphertexts) or any(result.get("error") for result in results):
        raise ValueError("the program Vault could not decrypt every item of the batch")
    return [json.loads(base64.b64decode(result["plaintext"])) for result in results]


def rewrap(ciphertext: str) -> str:
    """The same secret under the key's newest version, without decrypting it here."""
    response = _call(
        lambda client: client.secrets.transit.rewrap_data(
            name=settings.VIP_CREDENTIALS_KEY,
            ciphertext=ciphertext,
            mount_point=settings.VIP_VAULT_TRANSIT_MOUNT,
        )
    )
    return response["data"]["ciphertext"]


def state(*, timeout: tuple[float, float]) -> dict:
    """For /healthz (config.health, with its short timeouts): is the program Vault reachable
    and unsealed?"""
    if not settings.VIP_VAULT_ADDR:
        return {"ok": False, "error": "not configured"}
    try:
        # Health is read without a namespace header (it is not served inside namespaces).
        response = requests.get(
            settings.VIP_VAULT_ADDR.rstrip("/") + "/v1/sys/health",
            params={"standbyok": "true", "sealedcode": "200", "uninitcode": "200"},
            timeout=timeout,
            verify=settings.VIP_VAULT_CA_CERT or True,
        )
        health = response.json()
    except (requests.exceptions.RequestException, ValueError) as error:
        return {"ok": False, "error": error.__class__.__name__}
    if health.get("initialized") and not health.get("sealed"):
        return {"ok": True}
    return {"ok": False, "error": "sealed" if health.get("sealed") else "not initialised"}
