"""The app's login: a non-token method, a working login, a short-lived and least-privileged
token, and that token revoked at the end."""

from integrations.models import AUTHENTICATING_CATEGORIES
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

MANAGEMENT_PATHS = ["sys/mounts", "sys/auth", "sys/policies/acl"]
ROOT_POLICIES = {"root", "hcp-root"}


def non_token_method(ctx: RunContext, subject) -> Outcome:
    if ctx.auth_method == "token":
        return failed(
            "The app logs in with a token given to it by hand, which is against best practice. "
            "Support AppRole, JWT/OIDC, TLS certificates, userpass or Kubernetes."
        )
    return passed(f"The app logs in with {ctx.auth_method}.")


def _login(ctx: RunContext) -> dict:
    secrets, mount, role = ctx.credentials or {}, ctx.auth_mount, ctx.auth_role
    client = ctx.client(cert=ctx.auth_method == "cert")
    if ctx.auth_method == "approle":
        return client.auth.approle.login(
            role_id=secrets["role_id"],
            secret_id=secrets["secret_id"],
            mount_point=mount,
            use_token=False,
        )
    if ctx.auth_method == "jwt":
        return client.auth.jwt.jwt_login(role=role, jwt=secrets["jwt"], path=mount)
    if ctx.auth_method == "cert":  # the client certificate is presented in the TLS handshake
        return client.adapter.post(f"/v1/auth/{mount}/login", json={"name": role} if role else {})
    if ctx.auth_method == "userpass":
        return client.auth.userpass.login(
            username=secrets["username"],
            password=secrets["password"],
            mount_point=mount,
            use_token=False,
        )
    if ctx.auth_method == "kubernetes":
        return client.auth.kubernetes.login(
            role=role, jwt=secrets["jwt"], mount_point=mount, use_token=False
        )
    raise ValueError(f"unknown login method {ctx.auth_method}")


def login(ctx: RunContext, subject) -> Outcome:
    if not ctx.credentials:
        return skipped("Not run: the target has no app credentials.")
    if ctx.auth_method == "token":
        token = ctx.credentials["token"]
        ctx.client(token=token).auth.token.lookup_self()
        ctx.app_token = token
        return passed("The given token is valid.")
    response = _login(ctx)
    auth = response.get("auth") or {}
    token = auth.get("client_token")
    if not token:
        return failed("The login answered without a token.")
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
    if (skip := needs_token(ctx)) is not None:
        return skip
    data = ctx.app_client().auth.token.lookup_self()["data"]
    policies = set(data.get("policies") or [])
    ttl = int(data.get("creation_ttl") or data.get("ttl") or 0)
    details = {"ttl": ttl, "policies": sorted(policies), "period": data.get("period") or 0}
    if policies & ROOT_POLICIES:
        return failed("The app's token is a root token.", **details)
    if ttl <= 0:
        return failed("The app's token has no TTL: it never expires.", **details)
    if data.get("period") and not data.get("explicit_max_ttl"):
        return failed(
            "The app's token is periodic without an explicit max TTL: it can be renewed forever.",
            **details,
        )
    if ttl > ctx.max_token_ttl:
        return failed(
            f"The app's token lives {_hours(ttl)}, longer than {_hours(ctx.max_token_ttl)}.",
            **details,
        )
    return passed(f"The app's token expires after {_hours(ttl)}.", **details)


def least_privilege(ctx: RunContext, subject) -> Outcome:
    if (skip := needs_token(ctx)) is not None:
        return skip
    response = ctx.app_client().sys.get_capabilities(paths=MANAGEMENT_PATHS)
    capabilities = {
        path: (response.get("data") or response).get(path, []) for path in MANAGEMENT_PATHS
    }
    allowed = {path: caps for path, caps in capabilities.items() if caps != ["deny"]}
    if allowed:
        listed = "; ".join(f"{path}: {', '.join(caps)}" for path, caps in allowed.items())
        return failed(
            f"The app's token can manage the server ({listed}).", capabilities=capabilities
        )
    return passed(
        "The app's token cannot manage mounts, auth methods or policies.", capabilities=capabilities
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


CHECKS = [
    Check(
        "auth.non_token_method",
        "Logs in with a method other than a token",
        non_token_method,
        required=lambda ctx: ctx.category in AUTHENTICATING_CATEGORIES,
    ),
    Check("auth.login", "The app logs in", login, always_required),
    Check(
        "auth.short_lived_token",
        "The app's token is short-lived",
        short_lived_token,
        always_required,
    ),
    Check(
        "auth.least_privilege",
        "The app's token cannot manage the server",
        least_privilege,
        always_required,
    ),
]
REVOKE = Check(
    "token.revoke", "The app's token is revoked at the end", revoke, never_required, always=True
)
