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


def _is_hcp(ctx: RunContext) -> bool:
    return ctx.kind == "hcp_vault" or ctx.edition == "hcp_vault"


def audit_device(ctx: RunContext, subject) -> Outcome:
    if _is_hcp(ctx):
        message = (
            "Expected an enabled audit device; HCP Vault's admin namespace cannot list audit "
            "devices, so the program cannot see them. A reviewer must look at the cluster's "
            "audit evidence (for example its audit log streaming) and waive this check."
        )
        if ctx.category != "audit":
            return skipped(message, applicable=False)
        return failed(message)
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
        return failed("Expected at least one enabled audit device; the server lists none.")
    return passed(f"Audit devices: {', '.join(found)}.", devices=found)


def _applies(ctx: RunContext) -> list:
    return [None] if ctx.category == "audit" or ctx.inspector_token else []


CHECKS = [
    Check(
        "audit.device",
        "An audit device is enabled",
        audit_device,
        required=lambda ctx: ctx.category == "audit",
        expects="the server's list of audit devices",
        subjects=_applies,
    ),
]
