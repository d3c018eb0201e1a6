"""The app's login: a non-token method, a working login, a short-lived and least-privileged
token, and that token revoked at the end."""

import secrets as random

from integrations.categories import AUTHENTICATING_CATEGORIES
from reviews.verification.base import (
    Check,
    Outcome,
    RunContext,
    always_required,
    failed,
    needs_token,
    never_required,
    passed,
    skipped,
)

# What manages the server: mounts, auth methods, policies and audit devices. The token must be
# denied on each root and on a fresh path under it (a grant on `sys/mounts/*` mounts engines
# as surely as one on `sys/mounts`).
MANAGEMENT_ROOTS = ("sys/mounts", "sys/auth", "sys/policies/acl", "sys/policy", "sys/audit")
ROOT_POLICIES = {"root", "hcp-root"}


def non_token_method(ctx: RunContext, subject) -> Outcome:
    if ctx.auth_method == "token":
        return failed(
            "Expected a login method other than a token (AppRole, JWT/OIDC, TLS certificates, "
            "userpass or Kubernetes); the app logs in with a token given to it by hand, which "
            "is against best practice."
        )
    return passed(f"The app logs in with {ctx.auth_method}.")


def _approle(client, ctx: RunContext, secrets: dict) -> dict:
    return client.auth.approle.login(
        role_id=secrets["role_id"],
        secret_id=secrets["secret_id"],
        mount_point=ctx.auth_mount,
        use_token=False,
    )


def _jwt(client, ctx: RunContext, secrets: dict) -> dict:
    return client.auth.jwt.jwt_login(role=ctx.auth_role, jwt=secrets["jwt"], path=ctx.auth_mount)


def _cert(client, ctx: RunContext, secrets: dict) -> dict:
    """The client certificate is presented in the TLS handshake (ctx.client(cert=True))."""
    role = ctx.auth_role
    return client.adapter.post(
        f"/v1/auth/{ctx.auth_mount}/login", json={"name": role} if role else {}
    )


def _userpass(client, ctx: RunContext, secrets: dict) -> dict:
    return client.auth.userpass.login(
        username=secrets["username"],
        password=secrets["password"],
        mount_point=ctx.auth_mount,
        use_token=False,
    )


def _kubernetes(client, ctx: RunContext, secrets: dict) -> dict:
    return client.auth.kubernetes.login(
        role=ctx.auth_role, jwt=secrets["jwt"], mount_point=ctx.auth_mount, use_token=False
    )


def _plugin(client, ctx: RunContext, secrets: dict) -> dict:
    """The partner's auth plugin, with the body it takes."""
    return client.adapter.post(
        f"/v1/auth/{ctx.auth_mount}/{ctx.login_path}", json=secrets["login_body"]
    )


# How each login method of reviews.targets.LOGINS logs in (`token` has no login: the token is
# given); a test holds the two tables to the same methods.
LOGINS = {
    "approle": _approle,
    "jwt": _jwt,
    "cert": _cert,
    "userpass": _userpass,
    "kubernetes": _kubernetes,
    "plugin": _plugin,
}
NO_LOGIN = "token"


def _login(ctx: RunContext) -> dict:
    if ctx.auth_method not in LOGINS:
        raise ValueError(f"unknown login method {ctx.auth_method}")
    client = ctx.client(cert=ctx.auth_method == "cert")
    return LOGINS[ctx.auth_method](client, ctx, ctx.credentials or {})


def login(ctx: RunContext, subject) -> Outcome:
    if not ctx.credentials:
        return skipped("Not run: the target has no app credentials.")
    if ctx.auth_method == NO_LOGIN:
        ctx.app_token = ctx.credentials["token"]
        ctx.token_info()  # the given token is valid if the server can look it up
        return passed("The given token is valid.")
    response = _login(ctx)
    auth = (response.get("auth") if isinstance(response, dict) else None) or {}
    token = auth.get("client_token")
    if not token:
        where = f"auth/{ctx.auth_mount}"
        return failed(f"Expected a token from the login at {where}; the answer had no token.")
    ctx.app_token, ctx.token_minted = token, True
    where = f" in namespace {ctx.namespace}" if ctx.namespace else ""
    return passed(
        f"Logged in with {ctx.auth_method} at auth/{ctx.auth_mount}{where}.",
        policies=sorted(auth.get("policies") or []),
        lease_duration=auth.get("lease_duration"),
    )


def _hours(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds / 60:g} min"
    return f"{seconds / 3600:g} h"


def short_lived_token(ctx: RunContext, subject) -> Outcome:
    """Not root; a TTL within VIP_MAX_TOKEN_TTL; renewable at most to VIP_MAX_TOKEN_LIFETIME
    (its explicit max TTL), and a periodic token must have such a bound."""
    if (skip := needs_token(ctx)) is not None:
        return skip
    data = ctx.token_info()
    policies = set(data.get("policies") or [])
    ttl = int(data.get("creation_ttl") or data.get("ttl") or 0)
    explicit_max = int(data.get("explicit_max_ttl") or 0)
    period = int(data.get("period") or 0)
    details = {
        "ttl": ttl,
        "policies": sorted(policies),
        "period": period,
        "explicit_max_ttl": explicit_max,
    }
    lifetime = _hours(ctx.max_token_lifetime)
    if policies & ROOT_POLICIES:
        return failed(
            "Expected a token with the app's own policies; the server gave a root token.",
            **details,
        )
    if ttl <= 0:
        return failed("Expected a token that expires; the app's token has no TTL.", **details)
    if period and not explicit_max:
        return failed(
            f"Expected a periodic token to have an explicit max TTL of at most {lifetime}; the "
            "app's token has none, so it can be renewed forever.",
            **details,
        )
    if explicit_max > ctx.max_token_lifetime:
        return failed(
            f"Expected an explicit max TTL of at most {lifetime}; the app's token may be "
            f"renewed for {_hours(explicit_max)}.",
            **details,
        )
    if ttl > ctx.max_token_ttl:
        return failed(
            f"Expected a TTL of at most {_hours(ctx.max_token_ttl)}; the app's token lives "
            f"{_hours(ttl)}.",
            **details,
        )
    bound = f", renewable up to {_hours(explicit_max)}" if explicit_max else ""
    return passed(f"The app's token expires after {_hours(ttl)}{bound}.", **details)


def _management_paths() -> dict[str, str]:
    """{path to ask about: how a message names it}: each root and a fresh leaf under it."""
    leaf = f"vip-{random.token_hex(6)}"
    paths = {}
    for root in MANAGEMENT_ROOTS:
        paths[root] = root
        paths[f"{root}/{leaf}"] = f"{root}/<any path>"
    return paths


def least_privilege(ctx: RunContext, subject) -> Outcome:
    if (skip := needs_token(ctx)) is not None:
        return skip
    paths = _management_paths()
    response = ctx.app_client().sys.get_capabilities(paths=list(paths))
    answered = response.get("data") or response
    capabilities = {path: sorted(answered.get(path) or []) for path in paths}
    allowed = {path: caps for path, caps in capabilities.items() if caps != ["deny"]}
    details = {"capabilities": {paths[path]: caps for path, caps in capabilities.items()}}
    if allowed:
        listed = "; ".join(
            f"{paths[path]} ({', '.join(caps) or 'no answer'})" for path, caps in allowed.items()
        )
        return failed(
            "Expected the app's token to be denied on every path that manages the server; it "
            f"is not denied on: {listed}.",
            **details,
        )
    return passed(
        "The app's token is denied on mounts, auth methods, policies and audit devices "
        "(each root and any path under it).",
        **details,
    )


def revoke(ctx: RunContext, subject) -> Outcome:
    if ctx.auth_method == "token":
        return skipped(
            "A token the partner handed over is never revoked by the program.", applicable=False
        )
    if not ctx.token_minted:
        return skipped("No token was minted, so there is nothing to revoke.", applicable=False)
    ctx.app_client().auth.token.revoke_self()
    ctx.app_token = None
    return passed("The token this run minted is revoked.")


NON_TOKEN = Check(
    "auth.non_token_method",
    "Logs in with a method other than a token",
    non_token_method,
    required=lambda ctx: ctx.category in AUTHENTICATING_CATEGORIES,
    expects="a login method other than a token",
)
LOGIN = Check(
    "auth.login",
    "The app logs in",
    login,
    always_required,
    expects="the app to log in at its auth mount",
)
TOKEN_CHECKS = [
    Check(
        "auth.short_lived_token",
        "The app's token is short-lived",
        short_lived_token,
        always_required,
        expects="the server to describe the app's token",
    ),
    Check(
        "auth.least_privilege",
        "The app's token cannot manage the server",
        least_privilege,
        always_required,
        expects="the server to report the app token's capabilities",
    ),
]
REVOKE = Check(
    "token.revoke",
    "The app's token is revoked at the end",
    revoke,
    never_required,
    expects="the app's token to be revoked",
    always=True,
)
