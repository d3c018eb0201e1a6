"""server.health and server.tls: is the target reachable, initialised, unsealed, trusted?"""

from reviews.targets import address_problem
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


def detect_edition(ctx: RunContext, health: dict, seal: dict) -> str:
    """OpenBao, Vault Community, Vault Enterprise or HCP Vault, from health and seal status.
    OpenBao's seal status carries `commit_date`; Vault Enterprise has `+ent` in its version
    and (1.16+) `enterprise: true` in health; HCP clusters live under hashicorp.cloud."""
    version = str(health.get("version") or seal.get("version") or "")
    if "commit_date" in seal:
        return "openbao"
    if ctx.host.endswith(".hashicorp.cloud"):
        return "hcp_vault"
    if "+ent" in version or health.get("enterprise") is True:
        return "vault_enterprise"
    return "vault_community"


def server_health(ctx: RunContext, subject) -> Outcome:
    if not ctx.allow_private and (problem := address_problem(ctx.url)):
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
    ctx.edition = detect_edition(ctx, health, seal)
    role = "a standby node (requests are forwarded)" if health.get("standby") else "active"
    return passed(
        f"Reachable, initialised, unsealed and {role}; version {ctx.version}.",
        version=ctx.version,
        edition=ctx.edition,
        standby=bool(health.get("standby")),
        seal_type=seal.get("type", ""),
    )


def server_tls(ctx: RunContext, subject) -> Outcome:
    if ctx.url.startswith("https://"):
        # server.health already connected with certificate verification (the declared CA
        # bundle, or the system's trust store): had the chain not verified, it would have
        # stopped the run with a TLS error.
        trust = "the declared CA bundle" if ctx.ca_pem else "the system's trusted CAs"
        return passed(f"HTTPS with a certificate chain verified against {trust}.")
    if ctx.is_loopback:
        return skipped("Plain HTTP on a loopback address (development only).", applicable=False)
    return failed(
        "The target uses plain HTTP: credentials would cross the network in clear. Use https."
    )


CHECKS = [
    Check(
        "server.health",
        "Server reachable, initialised and unsealed",
        server_health,
        always_required,
    ),
    Check("server.tls", "HTTPS with a verified certificate chain", server_tls, always_required),
]
