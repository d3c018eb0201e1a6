"""audit.device: at least one audit device is enabled (audit integrations consume them)."""

from reviews.verification.base import (
    Check,
    Outcome,
    RunContext,
    failed,
    needs_inspector,
    passed,
    skipped,
)


def audit_device(ctx: RunContext, subject) -> Outcome:
    if ctx.kind == "hcp_vault":
        return skipped("HCP Vault manages audit devices itself.", applicable=False)
    if (skip := needs_inspector(ctx)) is not None:
        return skip
    # Audit devices exist in the root namespace only.
    devices = ctx.inspector_client(namespace=False).sys.list_enabled_audit_devices()
    devices = devices.get("data", devices)
    found = sorted(
        f"{path} ({device.get('type')})"
        for path, device in devices.items()
        if isinstance(device, dict)
    )
    if not found:
        return failed("No audit device is enabled.")
    return passed(f"Audit devices: {', '.join(found)}.", devices=found)


def _applies(ctx: RunContext) -> list:
    return [None] if ctx.category == "audit" or ctx.inspector_token else []


CHECKS = [
    Check(
        "audit.device",
        "An audit device is enabled",
        audit_device,
        required=lambda ctx: ctx.category == "audit",
        subjects=_applies,
    ),
]
