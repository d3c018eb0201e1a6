"""server.health, server.edition and server.tls: is the target reachable, initialised, unsealed,
the platform it was declared to be, and trusted?"""

import re

from reviews.verification.base import (
    Check,
    Outcome,
    RunContext,
    always_required,
    error,
    failed,
    passed,
    skipped,
)
from reviews.verification.egress import resolution_problem

OPENBAO, COMMUNITY, ENTERPRISE, HCP = "openbao", "vault_community", "vault_enterprise", "hcp_vault"
PLATFORM_NAMES = {
    OPENBAO: "OpenBao",
    COMMUNITY: "Vault Community",
    ENTERPRISE: "Vault Enterprise",
    HCP: "HCP Vault",
}
# Declared kind → the detected platforms that match it: HCP Vault runs Vault Enterprise, so a
# target declared Vault Enterprise may turn out to be an HCP cluster; nothing else may differ.
MATCHES = {
    OPENBAO: {OPENBAO},
    COMMUNITY: {COMMUNITY},
    ENTERPRISE: {ENTERPRISE, HCP},
    HCP: {HCP},
}
_ENTERPRISE_VERSION = re.compile(r"\+ent(?:[.\-+]\S*)?$")  # 1.19.2+ent, 1.19.2+ent.hsm.fips1402
HCP_DOMAIN = ".hashicorp.cloud"


def detect_platform(host: str, health: dict, seal: dict) -> str:
    """The platform a server is, from its own answers (DESIGN.md §4.1), read without a
    namespace: OpenBao's seal status carries `commit_date`; Vault Enterprise has a `+ent`
    version or `enterprise: true` in health; HCP Vault is Enterprise under hashicorp.cloud."""
    if "commit_date" in seal:
        return OPENBAO
    version = str(health.get("version") or seal.get("version") or "")
    if _ENTERPRISE_VERSION.search(version) or health.get("enterprise") is True:
        return HCP if host.lower().rstrip(".").endswith(HCP_DOMAIN) else ENTERPRISE
    return COMMUNITY


def platform_name(platform: str, version: str = "") -> str:
    """ "OpenBao 2.7.2", "HCP Vault", …: how messages and pages name a platform."""
    name = PLATFORM_NAMES.get(platform, "an unknown server")
    return f"{name} {version}".strip()


def server_health(ctx: RunContext, subject) -> Outcome:
    if ctx.public_only and (problem := resolution_problem(ctx.url)):
        return error(f"Not connecting: {problem}")  # checked again: DNS may have changed
    client = ctx.client(namespace=False)
    health = client.sys.read_health_status(
        method="GET", standby_ok=True, sealed_code=200, uninit_code=200
    )
    if not isinstance(health, dict):  # a proxy or something that is not Vault answered
        return error(f"{ctx.url} answered, but not like a Vault server would.")
    if not health.get("initialized"):
        return error("The Vault server is not initialised.")
    if health.get("sealed"):
        return error("The Vault server is sealed: unseal it and run the verification again.")
    seal = client.sys.read_seal_status()
    ctx.version = str(health.get("version") or "")
    ctx.edition = detect_platform(ctx.host, health, seal)
    role = "a standby node (requests are forwarded)" if health.get("standby") else "active"
    return passed(
        f"Reachable, initialised, unsealed and {role}; {platform_name(ctx.edition, ctx.version)}.",
        version=ctx.version,
        edition=ctx.edition,
        standby=bool(health.get("standby")),
        seal_type=seal.get("type", ""),
    )


def server_edition(ctx: RunContext, subject) -> Outcome:
    if not ctx.edition:
        return skipped("Not run: server.health did not say what the server is.")
    found = platform_name(ctx.edition, ctx.version)
    details = {"declared": ctx.kind, "detected": ctx.edition}
    if ctx.edition not in MATCHES.get(ctx.kind, set()):
        return failed(f"Declared {platform_name(ctx.kind)}; the server is {found}.", **details)
    return passed(f"Declared {platform_name(ctx.kind)}; the server is {found}.", **details)


def server_tls(ctx: RunContext, subject) -> Outcome:
    if ctx.url.startswith("https://"):
        # server.health already connected with certificate verification (the declared CA
        # bundle, or the system's trust store): had the chain not verified, it would have
        # stopped the run with a TLS error.
        trust = "the declared CA bundle" if ctx.ca_pem else "the system's trusted CAs"
        return passed(f"HTTPS with a certificate chain verified against {trust}.")
    if ctx.is_loopback:
        return skipped("Plain HTTP on a loopback address (development only).", applicable=False)
    # Stop here: no credential is ever sent in clear (the checks after this one log in).
    return failed(
        "Expected https; the target uses plain HTTP, so credentials would cross the network "
        "in clear. No credential was sent.",
        stop=True,
    )


CHECKS = [
    Check(
        "server.health",
        "Server reachable, initialised and unsealed",
        server_health,
        always_required,
        expects="the server's health and seal status",
    ),
    Check(
        "server.edition",
        "The server is the platform declared",
        server_edition,
        always_required,
        expects="the platform the target was declared to be",
    ),
    Check(
        "server.tls",
        "HTTPS with a verified certificate chain",
        server_tls,
        always_required,
        expects="HTTPS with a verified certificate chain",
    ),
]
