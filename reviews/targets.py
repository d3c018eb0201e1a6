"""A verification target's shape, and cleaning one as a partner describes it (API body, form,
or `vip-verify`'s target file), in one place.

Input follows DESIGN.md §9's target body. Output separates configuration (stored as is) from
secrets (encrypted by the program Vault before they are stored). Field errors use dotted names
(`auth.secret_id`, `secret_mounts.0.path`) in the API's `errors` object.

Plain Python (no Django): the check engine and `vip-verify` use it too. The models' choices
are built from these values (reviews.models), and reviews.services turns `TargetError` into
the API's 400.
"""

import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

from cryptography import x509
from cryptography.hazmat.primitives import serialization

# The platforms a target is declared as (integrations.models.VaultEdition has their labels).
KINDS = ("vault_community", "vault_enterprise", "hcp_vault", "openbao")
HCP = "hcp_vault"
PLUGIN_LOGIN = "plugin"  # a login through an auth-method plugin's own mount


class TargetError(ValueError):
    """A target body with invalid fields: `errors` maps dotted field names to messages."""

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


# For each login method: fields that are configuration, and fields that are secret.
METHOD_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "approle": {"plain": (), "secret": ("role_id", "secret_id")},
    "jwt": {"plain": ("role",), "secret": ("jwt",)},
    "cert": {"plain": ("role",), "secret": ("client_cert", "client_key")},
    "userpass": {"plain": (), "secret": ("username", "password")},
    "kubernetes": {"plain": ("role",), "secret": ("jwt",)},
    "token": {"plain": (), "secret": ("token",)},
    PLUGIN_LOGIN: {"plain": ("login_path",), "secret": ("login_body",)},
}
OPTIONAL_PLAIN = {
    ("cert", "role"),  # cert login may pick the role by certificate
    (PLUGIN_LOGIN, "login_path"),  # defaults to `login`
}
PLAIN_COLUMNS = {"role": "auth_role", "login_path": "auth_login_path"}
JSON_SECRETS = {"login_body"}  # a JSON object (the body a plugin's login takes), not a string
SECRET_FIELDS = frozenset(f for spec in METHOD_FIELDS.values() for f in spec["secret"])

# What each secrets engine round-trip needs (DESIGN.md §9, "Mount fields").
MOUNT_FIELDS: dict[str, tuple[str, ...]] = {
    "kv-v1": ("writable_prefix",),
    "kv-v2": ("writable_prefix",),
    "transit": ("key",),
    "pki": ("role", "common_name"),
    "totp": ("key",),
    "ssh": ("role", "valid_principals"),
    "database": ("role",),
}
PLUGIN_TYPES = ("auth", "secret", "database")
PROBE_OPERATIONS = ("read", "write", "list")
MAX_PROBE_KEYS = 20
MAX_MOUNTS = 20
MAX_SECRET = 16_384
MAX_PEM = 65_536
MAX_URL = 200
_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*$")
_PLUGIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass
class CleanTarget:
    fields: dict = field(default_factory=dict)  # model fields to set
    credentials: dict | None = None  # app secrets to encrypt; None keeps the stored ones
    inspector_token: str | None = None  # None keeps the stored one
    remove_inspector: bool = False


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def nul_fields(value, name: str = "") -> list[str]:
    """Dotted names of the strings holding a NUL character (no database stores one)."""
    if isinstance(value, str):
        return [name or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [
            f
            for key, item in value.items()
            for f in nul_fields(item, f"{name}.{key}" if name else str(key))
        ]
    if isinstance(value, list):
        return [f for index, item in enumerate(value) for f in nul_fields(item, f"{name}.{index}")]
    return []


def normalise_path(value, *, strip_auth: bool = False) -> str:
    path = _text(value).strip("/")
    if strip_auth and path.startswith("auth/"):
        path = path[len("auth/") :]
    return path


def _pem_certificates(text: str) -> list:
    return x509.load_pem_x509_certificates(text.encode())


class _Errors(dict):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def _url_problem(url: str) -> bool:
    """Is `url` not an http(s) address of a host (a name or an IP address), with an optional
    port and path, without credentials in it?"""
    if any(ch.isspace() for ch in url):
        return True
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or parts.username or parts.password:
        return True
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number from 0 to 65535
    except ValueError:
        return True
    host = parts.hostname or ""
    if not host:
        return True
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        labels = host.rstrip(".").split(".")
        return not all(_HOST_LABEL.match(label) for label in labels) or len(host) > 253


def _clean_url(data, errors, kind: str, address_check) -> str:
    url = _text(data.get("url"))
    if len(url) > MAX_URL:
        errors.add("url", f"The address is too long ({MAX_URL} characters at most).")
        return url
    if _url_problem(url):
        errors.add("url", "Enter the Vault address, for example https://vault.example.com:8200.")
        return url
    parts = urlparse(url)
    if kind == HCP and parts.scheme != "https":
        errors.add("url", "HCP Vault is reached over HTTPS: use an https:// address.")
    elif kind == HCP and not (parts.hostname or "").endswith(".hashicorp.cloud"):
        errors.add("url", "HCP Vault clusters have a *.hashicorp.cloud address.")
    elif address_check is not None and (problem := address_check(url)):
        errors.add("url", problem)
    return url.rstrip("/")


def is_hcp_namespace(namespace: str) -> bool:
    """HCP Vault's top namespace is `admin`: a target there uses it or a child."""
    return namespace == "admin" or namespace.startswith("admin/")


def is_hcp_address(url: str, namespace: str) -> bool:
    """An HCP Vault target: reached over https, in `admin` or a child."""
    return urlparse(url).scheme == "https" and is_hcp_namespace(namespace or "")


def _clean_namespace(data, errors, kind: str) -> str:
    namespace = normalise_path(data.get("namespace"))
    if len(namespace) > 200:
        errors.add("namespace", "The namespace is too long (200 characters at most).")
    elif namespace and not _PATH.match(namespace):
        errors.add("namespace", "A namespace is a path such as admin or admin/team-a.")
    elif kind == HCP and not (namespace == "admin" or namespace.startswith("admin/")):
        errors.add("namespace", "HCP Vault's top namespace is admin: use admin or a child.")
    return namespace


def _clean_ca(data, errors) -> str:
    pem = _text(data.get("ca_cert"))
    if not pem:
        return ""
    if len(pem) > MAX_PEM:
        errors.add("ca_cert", "The CA bundle is too large (64 KB at most).")
        return pem
    try:
        _pem_certificates(pem)
    except ValueError:
        errors.add("ca_cert", "The CA bundle must be one or more PEM certificates.")
    return pem + "\n"


def _json_object(value, errors, name: str) -> dict | None:
    """A JSON object given as an object (API) or as its text (the page's textarea)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            errors.add(name, 'Give a JSON object, for example {"role": "app"}.')
            return None
    if not isinstance(value, dict):
        errors.add(name, 'Give a JSON object, for example {"role": "app"}.')
        return None
    if len(json.dumps(value)) > MAX_SECRET:
        errors.add(name, "This value is too long.")
        return None
    return value


def _given_secrets(auth: dict, spec: dict, errors) -> dict:
    """The method's secrets present in the body: text, or a JSON object for a plugin's login
    body. Any other type is refused (it would be stored as something else than was meant)."""
    given = {}
    for name in spec["secret"]:
        value = auth.get(name)
        if value in (None, "", {}):
            continue
        if name in JSON_SECRETS:
            if (parsed := _json_object(value, errors, f"auth.{name}")) is not None:
                given[name] = parsed
        elif not isinstance(value, str):
            errors.add(f"auth.{name}", "This must be text.")
        elif value.strip():
            given[name] = value.strip()
    return given


def _clean_auth(auth, errors, existing) -> tuple[dict, dict | None]:
    if not isinstance(auth, dict):
        errors.add("auth", "Give the app's login: an object with method, mount_path and secrets.")
        return {}, None
    method = _text(auth.get("method")) or (existing.auth_method if existing else "")
    if method not in METHOD_FIELDS:
        errors.add("auth.method", f"Choose one of: {', '.join(METHOD_FIELDS)}.")
        return {}, None
    spec = METHOD_FIELDS[method]
    same_method = existing is not None and existing.auth_method == method
    mount = normalise_path(auth.get("mount_path"), strip_auth=True) or (
        existing.auth_mount_path if same_method else method
    )
    if not _PATH.match(mount) or len(mount) > 200:
        errors.add("auth.mount_path", "A mount path such as approle or team/approle.")
    fields = {
        "auth_method": method,
        "auth_mount_path": mount,
        **dict.fromkeys(PLAIN_COLUMNS.values(), ""),
    }
    for name in spec["plain"]:
        column = PLAIN_COLUMNS[name]
        value = _text(auth.get(name)) or (getattr(existing, column) if same_method else "")
        if name == "login_path":
            value = normalise_path(value)
            if value and not _PATH.match(value):
                errors.add("auth.login_path", "A path under the mount, such as login.")
        if not value and (method, name) not in OPTIONAL_PLAIN:
            errors.add(f"auth.{name}", "This is required for this login method.")
        fields[column] = value[:200]
    given = _given_secrets(auth, spec, errors)
    keeps = same_method and existing.credentials_set
    if not given and keeps:
        return fields, None  # the stored secrets stay
    for name in spec["secret"]:
        if name not in given and not errors.get(f"auth.{name}"):
            errors.add(f"auth.{name}", "This is required for this login method.")
        elif name not in JSON_SECRETS and len(given.get(name, "")) > MAX_SECRET:
            errors.add(f"auth.{name}", "This value is too long.")
    if method == "cert" and not errors.get("auth.client_cert"):
        try:
            _pem_certificates(given.get("client_cert", ""))
        except ValueError:
            errors.add("auth.client_cert", "The client certificate must be PEM.")
        try:
            serialization.load_pem_private_key(given.get("client_key", "").encode(), None)
        except (ValueError, TypeError):
            errors.add("auth.client_key", "The client key must be an unencrypted PEM key.")
    return fields, {"method": method, **given}


def _clean_mounts(mounts, errors) -> list[dict]:
    if mounts in (None, ""):
        return []
    if not isinstance(mounts, list):
        errors.add("secret_mounts", "A list of mounts, each with path and type.")
        return []
    if len(mounts) > MAX_MOUNTS:
        errors.add("secret_mounts", f"At most {MAX_MOUNTS} mounts.")
        return []
    cleaned, seen = [], set()
    for index, mount in enumerate(mounts):
        prefix = f"secret_mounts.{index}"
        if not isinstance(mount, dict):
            errors.add(prefix, "Each mount is an object with path and type.")
            continue
        path = normalise_path(mount.get("path"))
        kind = _text(mount.get("type"))
        if not path or not _PATH.match(path) or len(path) > 200:
            errors.add(f"{prefix}.path", "A mount path such as apps/kv (no leading slash).")
        if kind not in MOUNT_FIELDS:
            errors.add(f"{prefix}.type", f"Choose one of: {', '.join(MOUNT_FIELDS)}.")
            continue
        if (path, kind) in seen:
            errors.add(f"{prefix}.path", "This mount is declared twice.")
        seen.add((path, kind))
        entry = {"path": path, "type": kind}
        for name in MOUNT_FIELDS[kind]:
            value = mount.get(name)
            if name == "writable_prefix":
                value = normalise_path(value)
                if value and not _PATH.match(value):
                    errors.add(f"{prefix}.{name}", "A path prefix such as vip or apps/vip.")
            else:
                value = _text(value)[:200]
            if not value:
                errors.add(f"{prefix}.{name}", f"A {kind} round-trip needs {name}.")
            entry[name] = value
        cleaned.append(entry)
    return cleaned


def _clean_probe(probe, errors) -> dict | None:
    """What exercises a secrets-engine plugin: an operation on a path under its mount, with an
    optional body, and the keys its answer's `data` must hold."""
    if not isinstance(probe, dict):
        errors.add(
            "plugin.probe",
            "A secrets-engine plugin needs a probe: operation (read, write or list), a path "
            "under its mount, and the keys its answer must hold.",
        )
        return None
    cleaned = {
        "operation": _text(probe.get("operation")) or "read",
        "path": normalise_path(probe.get("path")),
        "body": None,
        "expect": [],
    }
    if cleaned["operation"] not in PROBE_OPERATIONS:
        errors.add("plugin.probe.operation", f"Choose one of: {', '.join(PROBE_OPERATIONS)}.")
    if cleaned["path"] and (not _PATH.match(cleaned["path"]) or len(cleaned["path"]) > 200):
        errors.add("plugin.probe.path", "A path under the plugin's mount, such as creds/app.")
    if probe.get("body") not in (None, "", {}):
        cleaned["body"] = _json_object(probe["body"], errors, "plugin.probe.body")
    expect = probe.get("expect")
    if isinstance(expect, str):  # the page's field: keys separated by commas
        expect = [key.strip() for key in expect.split(",")]
    if not isinstance(expect, list) or not all(isinstance(key, str) for key in expect):
        errors.add("plugin.probe.expect", 'A list of keys, such as ["username", "password"].')
        return cleaned
    cleaned["expect"] = [key.strip() for key in expect if key.strip()]
    if not cleaned["expect"]:
        errors.add("plugin.probe.expect", "Name at least one key the answer must hold.")
    elif len(cleaned["expect"]) > MAX_PROBE_KEYS or any(len(k) > 100 for k in cleaned["expect"]):
        errors.add("plugin.probe.expect", f"At most {MAX_PROBE_KEYS} keys of 100 characters.")
    return cleaned


def _clean_plugin(plugin, errors) -> dict | None:
    if plugin in (None, "", {}):
        return None
    if not isinstance(plugin, dict):
        errors.add("plugin", "The plugin is an object with name, type, version and mount_path.")
        return None
    cleaned = {
        "name": _text(plugin.get("name")),
        "type": _text(plugin.get("type")),
        "version": _text(plugin.get("version")),
        "sha256": _text(plugin.get("sha256")).lower(),
        "mount_path": normalise_path(plugin.get("mount_path"), strip_auth=True),
    }
    if not _PLUGIN_NAME.match(cleaned["name"]):
        errors.add("plugin.name", "The plugin's name in the catalog, such as vault-plugin-acme.")
    if cleaned["type"] not in PLUGIN_TYPES:
        errors.add("plugin.type", f"Choose one of: {', '.join(PLUGIN_TYPES)}.")
    if not cleaned["version"] or len(cleaned["version"]) > 64:
        errors.add("plugin.version", "The version the catalog registers, such as v1.2.0.")
    if cleaned["sha256"] and not _SHA256.match(cleaned["sha256"]):
        errors.add("plugin.sha256", "A SHA-256 is 64 hexadecimal characters.")
    if not cleaned["mount_path"] or not _PATH.match(cleaned["mount_path"]):
        errors.add("plugin.mount_path", "The path the plugin is mounted at, such as acme.")
    if cleaned["type"] in ("secret", "database"):  # exercised by its probe (an auth plugin: login)
        cleaned["probe"] = _clean_probe(plugin.get("probe"), errors)
    return cleaned


def clean_target(
    data: dict,
    *,
    existing=None,
    address_check: Callable[[str], str | None] | None = None,
) -> CleanTarget:
    """Validate a target body; raise TargetError with every field error at once.

    With `existing` (a stored target), absent fields keep their values (PATCH), and login
    secrets may be left out when the method does not change: the stored ones stay (they are
    write-only). `address_check(url)` says why an address must not be used (the program's
    address policy), or None.
    """
    if not isinstance(data, dict):
        raise TargetError("The target must be a JSON object.")
    errors = _Errors()
    for name in nul_fields(data):
        errors.add(name, "This value contains a NUL character.")
    if errors:
        raise TargetError("The target has invalid fields.", dict(errors))
    result = CleanTarget()
    partial = existing is not None

    def present(name: str) -> bool:
        return not partial or name in data

    name = _text(data.get("name")) if present("name") else existing.name
    if not name or len(name) > 100:
        errors.add("name", "Give the target a name (100 characters at most).")
    kind = _text(data.get("kind")) if present("kind") else existing.kind
    if kind not in KINDS:
        errors.add("kind", f"Choose one of: {', '.join(KINDS)}.")
    result.fields.update(name=name, kind=kind)
    if present("url") or present("kind"):
        source = data if "url" in data or not partial else {"url": existing.url}
        result.fields["url"] = _clean_url(source, errors, kind, address_check)
    if present("namespace") or present("kind"):
        source = data if "namespace" in data or not partial else {"namespace": existing.namespace}
        result.fields["namespace"] = _clean_namespace(source, errors, kind)
    if present("ca_cert"):
        result.fields["ca_cert"] = _clean_ca(data, errors)
    if present("auth"):
        fields, credentials = _clean_auth(data.get("auth"), errors, existing)
        result.fields.update(fields)
        result.credentials = credentials
    if present("secret_mounts"):
        result.fields["secret_mounts"] = _clean_mounts(data.get("secret_mounts"), errors)
    if present("plugin"):
        result.fields["plugin"] = _clean_plugin(data.get("plugin"), errors)
    inspector = data.get("inspector_token")
    if inspector is not None and not isinstance(inspector, str):
        errors.add("inspector_token", "This must be text.")  # never stored as its repr
        inspector = ""
    inspector = _text(inspector)
    if len(inspector) > MAX_SECRET:
        errors.add("inspector_token", "This value is too long.")
    result.inspector_token = inspector or None
    result.remove_inspector = data.get("remove_inspector") is True and not inspector
    if errors:
        raise TargetError(
            "The target has invalid fields." if len(errors) > 1 else next(iter(errors.values()))[0],
            dict(errors),
        )
    return result
