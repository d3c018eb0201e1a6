"""The check catalogue in run order, which checks (and subjects) a run executes, and which
checks a reviewer may waive."""

from reviews.verification import audit, auth, enterprise, namespace, plugins, seal, secrets, server
from reviews.verification.base import Check, RunContext, Subject, never_required

CATALOGUE: list[Check] = [
    *server.CHECKS,  # health, edition, tls
    auth.NON_TOKEN,
    auth.LOGIN,
    *namespace.CHECKS,  # after the login: the app's token says where it belongs
    *auth.TOKEN_CHECKS,
    *secrets.CHECKS,
    *plugins.CHECKS,
    *audit.CHECKS,
    *seal.CHECKS,
    *enterprise.CHECKS,
    auth.REVOKE,  # always last
]

# What a verdict stands on and no justification can replace: the server answered, it is the
# platform declared, and the app logged in (DESIGN.md §4.1, "Waivers").
UNWAIVABLE = frozenset({"server.health", "server.edition", "auth.login"})
# Checks a reviewer may waive on a target: those that can be required, but not the above.
WAIVABLE: dict[str, str] = {
    check.id: check.title
    for check in CATALOGUE
    if check.required is not never_required and check.id not in UNWAIVABLE
}


# The version of what the checks prove: bump it when a check is added or removed, or proves
# something else. Partner-run evidence (`vip-verify submit`) names the catalogue it ran.
CATALOGUE_VERSION = "2026.12"
KNOWN_CATALOGUE_VERSIONS = frozenset({CATALOGUE_VERSION})

# Checks that need no token of the app's: everything else needs the login first.
WITHOUT_TOKEN = frozenset(
    {
        "server.health",
        "server.edition",
        "server.tls",
        "auth.non_token_method",
        "plugin.registered",
        "plugin.mounted",
        "audit.device",
        "seal.hsm",
        "enterprise.features",
    }
)


def with_prerequisites(only: set[str]) -> set[str]:
    """The checks a subset needs to mean anything: the server answering as the platform it
    is, and the login (with its token revoked at the end) for checks that use the token."""
    needed = set(only) | {"server.health", "server.edition", "server.tls"}
    if needed - WITHOUT_TOKEN:
        needed |= {"auth.login", "token.revoke"}
    return needed


def plan(ctx: RunContext, *, only: set[str] | None = None) -> list[tuple[Check, Subject]]:
    """The checks this target's declarations and the integration's category select, in order:
    one entry per subject (two kv-v2 mounts give two `secrets.kv-v2` entries). With `only`,
    those checks and their prerequisites."""
    wanted = with_prerequisites(only) if only else None
    return [
        (check, subject)
        for check in CATALOGUE
        if wanted is None or check.id in wanted
        for subject in check.subjects(ctx)
    ]
