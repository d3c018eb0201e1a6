"""The program's own Vault: its Transit engine encrypts partners' credentials.

The web process encrypts (a partner saves credentials); only the worker decrypts (a run needs
them). Plaintext never reaches the database, a log line or a response.
"""

import base64
import json
import threading
import time

import hvac
import requests
from django.conf import settings

from config.errors import DomainError

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


def _new_client() -> tuple[hvac.Client, float]:
    if not settings.VIP_VAULT_ADDR:
        raise ProgramVaultUnavailable("VIP_VAULT_ADDR is not set")
    client = hvac.Client(
        url=settings.VIP_VAULT_ADDR,
        namespace=settings.VIP_VAULT_NAMESPACE or None,
        verify=settings.VIP_VAULT_CA_CERT or True,
        timeout=(settings.VIP_VAULT_CONNECT_TIMEOUT, settings.VIP_VAULT_READ_TIMEOUT),
    )
    if settings.VIP_VAULT_ROLE_ID:
        auth = client.auth.approle.login(
            role_id=settings.VIP_VAULT_ROLE_ID, secret_id=settings.VIP_VAULT_SECRET_ID
        )["auth"]
        lifetime = auth.get("lease_duration") or 3600
        return client, time.monotonic() + lifetime * 0.8
    if settings.VIP_VAULT_TOKEN:
        client.token = settings.VIP_VAULT_TOKEN
        return client, float("inf")
    raise ProgramVaultUnavailable("set VIP_VAULT_TOKEN or VIP_VAULT_ROLE_ID/VIP_VAULT_SECRET_ID")


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
    response = _call(
        lambda client: client.secrets.transit.decrypt_data(
            name=settings.VIP_CREDENTIALS_KEY,
            ciphertext=ciphertext,
            mount_point=settings.VIP_VAULT_TRANSIT_MOUNT,
        )
    )
    return json.loads(base64.b64decode(response["data"]["plaintext"]))


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


def state() -> dict:
    """For /healthz: is the program Vault reachable and unsealed?"""
    if not settings.VIP_VAULT_ADDR:
        return {"ok": False, "error": "not configured"}
    try:
        # Health is read without a namespace header (it is not served inside namespaces).
        response = requests.get(
            settings.VIP_VAULT_ADDR.rstrip("/") + "/v1/sys/health",
            params={"standbyok": "true", "sealedcode": "200", "uninitcode": "200"},
            timeout=(settings.VIP_VAULT_CONNECT_TIMEOUT, settings.VIP_VAULT_READ_TIMEOUT),
            verify=settings.VIP_VAULT_CA_CERT or True,
        )
        health = response.json()
    except (requests.exceptions.RequestException, ValueError) as error:
        return {"ok": False, "error": error.__class__.__name__}
    if health.get("initialized") and not health.get("sealed"):
        return {"ok": True}
    return {"ok": False, "error": "sealed" if health.get("sealed") else "not initialised"}
