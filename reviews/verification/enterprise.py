"""enterprise.features: which Vault Enterprise features this run exercised (informational;
the Vault Enterprise Verified badge reads it). Namespaces count on any server that serves them,
OpenBao included; key management means a `keymgmt` or `kmip` mount."""

from reviews.verification.base import Check, Outcome, RunContext, never_required, passed

KEY_MANAGEMENT_TYPES = {"keymgmt", "kmip"}
LABELS = {"namespaces": "namespaces", "hsm_seal": "HSM seal", "key_management": "key management"}


def _key_management_mounts(ctx: RunContext) -> list[str]:
    mounts = ctx.inspector_client().sys.list_mounted_secrets_engines()
    mounts = mounts.get("data", mounts)
    return sorted(
        path
        for path, mount in mounts.items()
        if isinstance(mount, dict) and mount.get("type") in KEY_MANAGEMENT_TYPES
    )


def enterprise_features(ctx: RunContext, subject) -> Outcome:
    notes = []
    if ctx.inspector_token:
        if _key_management_mounts(ctx):
            ctx.features.append("key_management")
    else:
        notes.append("key management not looked for (no inspector token)")
    features = sorted(set(ctx.features))
    found = ", ".join(LABELS[f] for f in features) or "none"
    message = f"Enterprise features exercised: {found}."
    if notes:
        message += f" ({'; '.join(notes)})"
    return passed(message, features=features)


CHECKS = [
    Check(
        "enterprise.features", "Enterprise features exercised", enterprise_features, never_required
    ),
]
