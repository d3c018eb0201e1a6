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


def plan(ctx: RunContext, only: frozenset[str] | None = None) -> list[tuple[Check, Subject]]:
    """The checks this target's declarations and the integration's category select, in order:
    one entry per subject (two kv-v2 mounts give two `secrets.kv-v2` entries); with `only`,
    just the checks of those ids (a connection test)."""
    return [
        (check, subject)
        for check in CATALOGUE
        if only is None or check.id in only
        for subject in check.subjects(ctx)
    ]
