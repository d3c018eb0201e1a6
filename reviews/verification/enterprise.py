"""enterprise.features: which Vault Enterprise features this run exercised (informational;
the Vault Enterprise Verified badge reads it). Namespaces count on any server that serves them,
OpenBao included; key management means a `keymgmt` or `kmip` mount."""

import hvac.exceptions

from reviews.verification.base import (
    Check,
    Outcome,
    RunContext,
    never_required,
    passed,
    server_said,
)

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
    if not ctx.inspector_token:
        notes.append("key management not looked for (no inspector token)")
    else:
        try:
            if _key_management_mounts(ctx):
                ctx.features.append("key_management")
        except hvac.exceptions.VaultError as exc:  # what the other checks found still counts
            notes.append(
                "key management not looked for: reading the namespace's mounts with the "
                f"inspector token got {server_said(exc)}"
            )
    features = sorted(set(ctx.features))
    found = ", ".join(LABELS[f] for f in features) or "none"
    message = f"Enterprise features exercised: {found}."
    if notes:
        message += f" ({'; '.join(notes)})"
    return passed(message, features=features)


CHECKS = [
    Check(
        "enterprise.features",
        "Enterprise features exercised",
        enterprise_features,
        never_required,
        expects="the server's mounts in the namespace",
    ),
]
