"""The check catalogue in run order, and which checks (and subjects) a run executes."""

from reviews.verification import audit, auth, enterprise, namespace, plugins, seal, secrets, server
from reviews.verification.base import Check, RunContext, Subject

CATALOGUE: list[Check] = [
    *server.CHECKS,
    *namespace.CHECKS,
    *auth.CHECKS,
    *secrets.CHECKS,
    *plugins.CHECKS,
    *audit.CHECKS,
    *seal.CHECKS,
    *enterprise.CHECKS,
    auth.REVOKE,  # always last
]


def plan(ctx: RunContext) -> list[tuple[Check, Subject]]:
    """The checks this target's declarations and the integration's category select, in order:
    one entry per subject (two kv-v2 mounts give two `secrets.kv-v2` entries)."""
    return [(check, subject) for check in CATALOGUE for subject in check.subjects(ctx)]
