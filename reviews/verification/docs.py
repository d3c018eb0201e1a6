"""What each check proves, when it is required, and the least a partner must grant for it: one
source for `vip-verify --explain`, and for the README's tables between `<!-- catalogue:NAME -->`
and `<!-- /catalogue:NAME -->` (`vip-verify --readme-table NAME` prints one; a test keeps the
README equal to them)."""

from dataclasses import dataclass

from reviews.verification.registry import CATALOGUE


@dataclass(frozen=True)
class CheckDoc:
    proves: str
    required: str
    policy: str


UNAUTHENTICATED = "Nothing: read without a token."
SELF = "Vault's `default` policy (a token may look itself up and read its own capabilities)."
INSPECTOR_MOUNTS = (
    'Inspector token: `path "<namespace>/sys/mounts"` and `path "<namespace>/sys/auth"` '
    '`["read"]`; a database plugin also `<namespace>/<database mount>/config` `["list"]` and '
    '`…/config/*` `["read"]`.'
)

DOCS: dict[str, CheckDoc] = {
    "server.health": CheckDoc(
        "reachable, initialised, unsealed; records the version and the platform the server "
        "reports (OpenBao: seal status with `commit_date`; Vault Enterprise: a `+ent` version or "
        "`enterprise: true`; HCP Vault: Enterprise at a `*.hashicorp.cloud` address; otherwise "
        "Vault Community)",
        "always",
        UNAUTHENTICATED + " (`sys/health`, `sys/seal-status`)",
    ),
    "server.edition": CheckDoc(
        "the detected platform is the declared `kind` (a target declared Vault Enterprise may be "
        'an HCP Vault cluster; nothing else may differ): "Declared HCP Vault; the server is '
        'OpenBao 2.7.2" fails',
        "always",
        UNAUTHENTICATED,
    ),
    "server.tls": CheckDoc(
        "HTTPS with a verified chain (plain HTTP is accepted only on loopback, for development; "
        "elsewhere it stops the run before any credential is sent)",
        "always",
        UNAUTHENTICATED,
    ),
    "auth.non_token_method": CheckDoc(
        "the app logs in with something other than a hand-made token",
        "runtime, auth-method plugins",
        UNAUTHENTICATED,
    ),
    "auth.login": CheckDoc(
        "the app logs in (AppRole, JWT, TLS certificate, userpass, Kubernetes, or `plugin`: a "
        "JSON body posted to `auth/<mount>/<login path>`; or the given token is valid)",
        "always",
        "The app's own login: its auth method, mount and role, as the app uses them.",
    ),
    "namespace.access": CheckDoc(
        "the server enforces the declared namespace: the app's token, looked up there, reports "
        "it (`namespace_path`). A server that ignores `X-Vault-Namespace` (Vault Community) fails "
        'it, and its "namespace" is no Enterprise feature',
        "with a namespace",
        SELF,
    ),
    "auth.short_lived_token": CheckDoc(
        "the token is not root, its TTL is within `VIP_MAX_TOKEN_TTL`, its explicit max TTL "
        "within `VIP_MAX_TOKEN_LIFETIME`, and a periodic token has one",
        "always",
        SELF,
    ),
    "auth.least_privilege": CheckDoc(
        "the token is denied on `sys/mounts`, `sys/auth`, `sys/policies/acl`, `sys/policy` and "
        "`sys/audit` **and on a fresh random path under each** (a grant on `sys/mounts/*` mounts "
        "engines as surely as one on `sys/mounts`); the message names every path that is not "
        "denied",
        "always",
        SELF + " Nothing more: any capability on those paths fails it.",
    ),
    "secrets": CheckDoc(
        "a round-trip at each declared mount: kv-v1, kv-v2, transit, pki, totp, ssh, database",
        "per mount",
        "The app's policy for each mount type (the table below).",
    ),
    "plugin.registered": CheckDoc(
        "the catalog has the declared plugin at the declared version (`?version=`), as an "
        "external plugin (a built-in is not the partner's plugin), with the declared SHA-256",
        "plugins",
        'Inspector token: `path "sys/plugins/catalog/*"` `["read", "sudo"]` (root namespace).',
    ),
    "plugin.mounted": CheckDoc(
        "it runs at its mount path at that version (a database plugin: a connection there uses it)",
        "plugins",
        INSPECTOR_MOUNTS,
    ),
    "plugin.exercised": CheckDoc(
        "it does its work: an auth plugin logs the app in through its own mount (the token's "
        "creation path says so); a secrets plugin answers the declared probe (`operation` "
        "read/write/list, `path` under the mount, optional `body`, the keys `expect`ed in the "
        "answer's `data`) with the app's token",
        "plugins",
        "The app's own: its login through the plugin's mount, or the probe's path with the "
        "operation's capability (`read`, `update` or `list`).",
    ),
    "audit.device": CheckDoc(
        "an audit device is enabled; on HCP Vault the admin namespace cannot list them, so it "
        "fails and says so: a reviewer looks at the evidence and may waive it",
        "audit",
        'Inspector token: `path "sys/audit"` `["read", "sudo"]` (root namespace).',
    ),
    "seal.hsm": CheckDoc(
        "auto-unseal through PKCS#11 with recovery keys",
        "HSM",
        UNAUTHENTICATED + " (`sys/seal-status`)",
    ),
    "enterprise.features": CheckDoc(
        "which Enterprise features the run exercised (namespaces, HSM seal, key management)",
        "informational",
        'Inspector token (for key management): `path "<namespace>/sys/mounts"` `["read"]`.',
    ),
    "token.revoke": CheckDoc(
        "the token the run minted is revoked at the end",
        "informational",
        SELF + " (`auth/token/revoke-self`)",
    ),
}

# What partners grant their app for each declared mount (besides Vault's `default` policy).
MOUNT_POLICIES: dict[str, str] = {
    "kv-v1": '`path "<mount>/<prefix>/*" { capabilities = ["create", "read", "update", '
    '"delete"] }`',
    "kv-v2": '`path "<mount>/data/<prefix>/*" { capabilities = ["create", "read", "update", '
    '"delete"] }` and `path "<mount>/metadata/<prefix>/*" { capabilities = ["read", "delete"] }`',
    "transit": '`path "<mount>/encrypt/<key>"` and `path "<mount>/decrypt/<key>"`: `["update"]`',
    "pki": '`path "<mount>/issue/<role>" { capabilities = ["update"] }`',
    "totp": '`path "<mount>/code/<key>" { capabilities = ["read", "update"] }`',
    "ssh": '`path "<mount>/sign/<role>" { capabilities = ["update"] }`',
    "database": '`path "<mount>/creds/<role>" { capabilities = ["read"] }` (and '
    '`sys/leases/revoke` `["update"]` to let the run revoke its lease)',
}


def doc_of(check_id: str) -> CheckDoc:
    return DOCS["secrets" if check_id.startswith("secrets.") else check_id]


def explain(check_id: str) -> str:
    """What `vip-verify --explain ID` prints."""
    check = next((c for c in CATALOGUE if c.id == check_id), None)
    if check is None:
        raise KeyError(check_id)
    doc = doc_of(check_id)
    lines = [
        f"{check.id}: {check.title}",
        "",
        f"Proves: {doc.proves}.",
        f"Required: {doc.required}.",
    ]
    if check_id.startswith("secrets."):
        kind = check_id.split(".", 1)[1]
        lines.append(f"Least policy for the app: {MOUNT_POLICIES[kind]}")
    else:
        lines.append(f"Least policy: {doc.policy}")
    return "\n".join(lines)


def check_table() -> str:
    """The README's table of the checks."""
    rows = ["| check | proves | required |", "|---|---|---|"]
    seen = set()
    for check in CATALOGUE:
        key = "secrets.<type>" if check.id.startswith("secrets.") else check.id
        if key not in seen:
            seen.add(key)
            doc = doc_of(check.id)
            rows.append(f"| `{key}` | {doc.proves} | {doc.required} |")
    return "\n".join(rows) + "\n"


def policy_table() -> str:
    """The README's table of what partners grant their app for each mount type."""
    rows = ["| type | policy |", "|---|---|"]
    rows += [f"| {kind} | {policy} |" for kind, policy in MOUNT_POLICIES.items()]
    return "\n".join(rows) + "\n"


TABLES = {"checks": check_table, "mount-policies": policy_table}
