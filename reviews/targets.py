"""A verification target's shape, and cleaning one as a partner describes it (API body, form,
or `vip-verify`'s target file), in one place.

The shape is declared once, as tables of `Field`s: the cluster's (TARGET_FIELDS), the login's
(AUTH_FIELDS, then LOGINS per method), a mount's (MOUNT_FIELDS, then MOUNTS per type) and a
plugin's (PLUGIN_FIELDS, PROBE_FIELDS). clean_target reads them; so do the API's input
serializers (reviews.api), the target page's form (reviews.forms) and the engine's logins
(reviews.verification.auth.LOGINS); tests/reviews/test_target_shape.py holds each to them.

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
from dataclasses import dataclass, field, replace
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


MAX_PROBE_KEYS = 20
MAX_MOUNTS = 20
MAX_SECRET = 16_384
MAX_PEM = 65_536
MAX_URL = 200
_PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*$")
_PLUGIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


# --- The shape: one declaration ------------------------------------------------------------
# A target body's fields, per login method, per mount type, and of a plugin. The validator
# below, the API's input serializers (reviews.api, what the OpenAPI schema documents), the
# target page's form (reviews.forms) and its error mapping are all built from these tables.


@dataclass(frozen=True)
class Field:
    """One field of a target body.

    `required`: the body must give it (a login's or a mount's field: when that method or type
    is chosen). `blank`: the API takes an empty string for it. `secret`: write-only, encrypted
    before it is stored, never returned nor rendered back. `pem`: PEM text ("certificates" or
    "private key" for a login's, checked as such). `type`: text, url, choice, bool, json (an
    object; on the page, its text) or list (of text; on the page, separated by commas).
    `column`: the model column a login's configuration is stored in. `page`: False for a field
    only the API takes."""

    name: str
    label: str
    required: bool = False
    blank: bool = False
    secret: bool = False
    pem: str = ""
    type: str = "text"
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    help: str = ""
    column: str = ""
    page: bool = True


TARGET_FIELDS = (
    Field("name", "Name", required=True, max_length=100, help="For example “staging cluster”."),
    Field("kind", "Kind of cluster", required=True, type="choice", choices=KINDS),
    Field(
        "url",
        "Vault address",
        required=True,
        type="url",
        max_length=MAX_URL,
        help="For example https://vault.example.com:8200. HCP Vault needs https.",
    ),
    Field(
        "namespace",
        "Namespace",
        blank=True,
        help="HCP Vault: admin, or a child such as admin/team.",
    ),
    Field(
        "ca_cert",
        "CA bundle (PEM)",
        blank=True,
        pem="certificates",
        help="Only when the server's certificate is not signed by a publicly trusted CA.",
    ),
    Field(
        "inspector_token",
        "Inspector token",
        blank=True,
        secret=True,
        help="Optional, read-only: lets the program read the plugin catalog, audit devices "
        "and mounts.",
    ),
    Field("remove_inspector", "Remove the inspector token", type="bool"),
    Field(
        "primary",
        "Evidence target",
        type="bool",
        page=False,
        help="PATCH `true` makes this the evidence target (DESIGN.md §4.2): a partner owner or "
        "program staff before review, only program staff from review on.",
    ),
)

# `auth`: the app's login. Every method has these two, then its own fields (LOGINS).
AUTH_FIELDS = (
    Field("method", "How your app logs in", required=True, type="choice", column="auth_method"),
    Field(
        "mount_path",
        "Auth mount path",
        help="Defaults to the method's name.",
        column="auth_mount_path",
    ),
)
_ROLE = Field("role", "Role", required=True, column="auth_role")
_JWT = Field("jwt", "JWT", required=True, secret=True)
LOGINS: dict[str, tuple[Field, ...]] = {
    "approle": (
        Field("role_id", "Role ID", required=True, secret=True),
        Field("secret_id", "Secret ID", required=True, secret=True),
    ),
    "jwt": (_ROLE, _JWT),
    "cert": (
        replace(_ROLE, required=False),  # cert login may pick the role by certificate
        Field(
            "client_cert",
            "Client certificate (PEM)",
            required=True,
            secret=True,
            pem="certificates",
        ),
        Field("client_key", "Client key (PEM)", required=True, secret=True, pem="private key"),
    ),
    "userpass": (
        Field("username", "Username", required=True, secret=True),
        Field("password", "Password", required=True, secret=True),
    ),
    "kubernetes": (_ROLE, _JWT),
    "token": (Field("token", "Token", required=True, secret=True),),
    PLUGIN_LOGIN: (
        Field(
            "login_path",
            "Login path",
            help="Under the auth mount; default login.",
            column="auth_login_path",
        ),
        Field(
            "login_body",
            "Login body (JSON)",
            required=True,
            secret=True,
            type="json",
            help='The JSON object your auth plugin\'s login takes, e.g. {"api_key": "…"}.',
        ),
    ),
}
AUTH_FIELDS = (replace(AUTH_FIELDS[0], choices=tuple(LOGINS)), AUTH_FIELDS[1])

# `secret_mounts`: each mount has a path and a type, then what its round-trip needs (DESIGN.md
# §9, "Mount fields").
_PREFIX = Field("writable_prefix", "Writable prefix", required=True)
_KEY = Field("key", "Key", required=True)
_MOUNT_ROLE = Field("role", "Role", required=True)
MOUNTS: dict[str, tuple[Field, ...]] = {
    "kv-v1": (_PREFIX,),
    "kv-v2": (_PREFIX,),
    "transit": (_KEY,),
    "pki": (_MOUNT_ROLE, Field("common_name", "Common name", required=True)),
    "totp": (_KEY,),
    "ssh": (_MOUNT_ROLE, Field("valid_principals", "Valid principals", required=True)),
    "database": (_MOUNT_ROLE,),
}
MOUNT_FIELDS = (
    Field("path", "Mount path", required=True),
    Field("type", "Type", required=True, type="choice", choices=tuple(MOUNTS)),
)

# `plugin`: the plugin an integration ships, and for a secrets engine the probe exercising it.
PLUGIN_TYPES = ("auth", "secret", "database")
PROBE_OPERATIONS = ("read", "write", "list")
PLUGIN_FIELDS = (
    Field("name", "Plugin name in the catalog", required=True),
    Field("type", "Plugin type", required=True, type="choice", choices=PLUGIN_TYPES),
    Field("version", "Plugin version", required=True),
    Field("sha256", "Plugin SHA-256", blank=True),
    Field("mount_path", "Plugin mount path", required=True),
)
PROBE_HELP = "Required for secret and database plugins."
PROBE_FIELDS = (
    Field(
        "operation",
        "Probe operation",
        required=True,
        type="choice",
        choices=PROBE_OPERATIONS,
        help="Secrets-engine plugins: what the program calls to see the plugin work.",
    ),
    Field("path", "Probe path", required=True, blank=True, help="Under the plugin's mount."),
    Field("body", "Probe body (JSON, write only)", type="json"),
    Field(
        "expect",
        "Keys the answer must hold",
        required=True,
        type="list",
        help="Separated by commas, e.g. username, password.",
    ),
)


def login_fields() -> dict[str, Field]:
    """Every login method's own fields by name, each once (`role` and `jwt` serve several)."""
    return {f.name: f for fields in LOGINS.values() for f in fields}


def mount_fields() -> dict[str, Field]:
    """Every mount type's own fields by name, each once."""
    return {f.name: f for fields in MOUNTS.values() for f in fields}


def methods_of(name: str) -> list[str]:
    """The login methods a login field belongs to."""
    return [method for method, fields in LOGINS.items() if any(f.name == name for f in fields)]


def body_fields(*, page: bool = False) -> dict[str, Field]:
    """Every field of a target body by its dotted name, as the API's errors name it
    (`auth.role_id`, `plugin.probe.path`; a mount's `secret_mounts.*.path`). `page`: only
    those the target page collects."""
    groups = {
        "": TARGET_FIELDS,
        "auth.": (*AUTH_FIELDS, *login_fields().values()),
        "secret_mounts.*.": (*MOUNT_FIELDS, *mount_fields().values()),
        "plugin.": PLUGIN_FIELDS,
        "plugin.probe.": PROBE_FIELDS,
    }
    return {
        prefix + f.name: f
        for prefix, fields in groups.items()
        for f in fields
        if f.page or not page
    }


SECRET_FIELDS = frozenset(f.name for f in login_fields().values() if f.secret)
PLAIN_COLUMNS = {f.name: f.column for f in login_fields().values() if f.column}


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


def _given_secrets(auth: dict, secrets: list[Field], errors) -> dict:
    """The method's secrets present in the body: text, or a JSON object for a plugin's login
    body. Any other type is refused (it would be stored as something else than was meant)."""
    given = {}
    for f in secrets:
        value = auth.get(f.name)
        if value in (None, "", {}):
            continue
        if f.type == "json":
            if (parsed := _json_object(value, errors, f"auth.{f.name}")) is not None:
                given[f.name] = parsed
        elif not isinstance(value, str):
            errors.add(f"auth.{f.name}", "This must be text.")
        elif value.strip():
            given[f.name] = value.strip()
    return given


# How a login's PEM fields are read, and what is said when they cannot be.
_PEM_READERS = {
    "certificates": (_pem_certificates, "The client certificate must be PEM."),
    "private key": (
        lambda text: serialization.load_pem_private_key(text.encode(), None),
        "The client key must be an unencrypted PEM key.",
    ),
}


def _clean_auth(auth, errors, existing) -> tuple[dict, dict | None]:
    if not isinstance(auth, dict):
        errors.add("auth", "Give the app's login: an object with method, mount_path and secrets.")
        return {}, None
    method = _text(auth.get("method")) or (existing.auth_method if existing else "")
    if method not in LOGINS:
        errors.add("auth.method", f"Choose one of: {', '.join(LOGINS)}.")
        return {}, None
    plain = [f for f in LOGINS[method] if not f.secret]
    secrets = [f for f in LOGINS[method] if f.secret]
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
    for f in plain:
        value = _text(auth.get(f.name)) or (getattr(existing, f.column) if same_method else "")
        if f.name == "login_path":
            value = normalise_path(value)
            if value and not _PATH.match(value):
                errors.add("auth.login_path", "A path under the mount, such as login.")
        if not value and f.required:
            errors.add(f"auth.{f.name}", "This is required for this login method.")
        fields[f.column] = value[:200]
    given = _given_secrets(auth, secrets, errors)
    keeps = same_method and existing.credentials_set
    if not given and keeps:
        return fields, None  # the stored secrets stay
    for f in secrets:
        if f.name not in given and not errors.get(f"auth.{f.name}"):
            errors.add(f"auth.{f.name}", "This is required for this login method.")
        elif f.type != "json" and len(given.get(f.name, "")) > MAX_SECRET:
            errors.add(f"auth.{f.name}", "This value is too long.")
    pems = [f for f in secrets if f.pem]
    if pems and not errors.get(f"auth.{pems[0].name}"):  # once the certificate is there
        for f in pems:
            read, problem = _PEM_READERS[f.pem]
            try:
                read(given.get(f.name, ""))
            except (ValueError, TypeError):
                errors.add(f"auth.{f.name}", problem)
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
        if kind not in MOUNTS:
            errors.add(f"{prefix}.type", f"Choose one of: {', '.join(MOUNTS)}.")
            continue
        if (path, kind) in seen:
            errors.add(f"{prefix}.path", "This mount is declared twice.")
        seen.add((path, kind))
        entry = {"path": path, "type": kind}
        for name in (f.name for f in MOUNTS[kind]):
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
