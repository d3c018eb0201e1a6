"""plugin.registered and plugin.mounted: the declared plugin is in the catalog with the declared
version (and checksum) and runs at the declared mount path. Both read privileged APIs, so they
use the target's inspector token."""

from integrations.models import PLUGIN_CATEGORIES
from reviews.verification.base import (
    Check,
    Outcome,
    RunContext,
    failed,
    needs_inspector,
    passed,
    skipped,
)


def _plugin_subjects(ctx: RunContext) -> list:
    if ctx.plugin:
        return [ctx.plugin["name"]]
    return [None] if ctx.category in PLUGIN_CATEGORIES else []  # required, so reported


def _needs_plugin(ctx: RunContext) -> Outcome | None:
    if not ctx.plugin:
        return skipped(
            "Not run: declare the plugin (name, type, version, mount path) on the target."
        )
    return None


def _same_version(declared: str, found: str) -> bool:
    return declared.lstrip("v") == (found or "").lstrip("v")


def registered(ctx: RunContext, subject) -> Outcome:
    if (skip := _needs_plugin(ctx) or needs_inspector(ctx)) is not None:
        return skip
    plugin = ctx.plugin
    # hvac has no helper for one catalog entry; the catalog lives in the root namespace.
    entry = ctx.inspector_client(namespace=False).adapter.get(
        f"/v1/sys/plugins/catalog/{plugin['type']}/{plugin['name']}"
    )["data"]
    found_version, found_sha = entry.get("version", ""), entry.get("sha256", "")
    details = {"version": found_version, "builtin": bool(entry.get("builtin"))}
    if not _same_version(plugin["version"], found_version):
        return failed(
            f"The catalog has {plugin['name']} at version {found_version or 'none'}, "
            f"not {plugin['version']}.",
            **details,
        )
    if plugin.get("sha256") and plugin["sha256"] != found_sha:
        return failed("The catalog's SHA-256 differs from the declared one.", **details)
    return passed(f"{plugin['name']} {found_version} is in the plugin catalog.", **details)


def mounted(ctx: RunContext, subject) -> Outcome:
    if (skip := _needs_plugin(ctx) or needs_inspector(ctx)) is not None:
        return skip
    plugin = ctx.plugin
    client = ctx.inspector_client()
    if plugin["type"] == "auth":
        mounts = client.sys.list_auth_methods()
    else:
        mounts = client.sys.list_mounted_secrets_engines()
    mounts = mounts.get("data", mounts)
    mount = mounts.get(plugin["mount_path"].strip("/") + "/")
    if mount is None:
        return failed(f"Nothing is mounted at {plugin['mount_path']}.")
    running = mount.get("running_plugin_version", "")
    details = {"type": mount.get("type", ""), "running_plugin_version": running}
    if plugin["type"] == "database":
        if mount.get("type") != "database":
            return failed(f"{plugin['mount_path']} is not a database secrets engine.", **details)
        return passed(f"A database secrets engine is mounted at {plugin['mount_path']}.", **details)
    if mount.get("type") != plugin["name"]:
        return failed(
            f"{plugin['mount_path']} runs {mount.get('type')}, not {plugin['name']}.", **details
        )
    if not _same_version(plugin["version"], running):
        return failed(
            f"{plugin['mount_path']} runs version {running or 'unknown'}, not {plugin['version']}.",
            **details,
        )
    return passed(f"{plugin['name']} {running} runs at {plugin['mount_path']}.", **details)


def _required(ctx: RunContext) -> bool:
    return ctx.category in PLUGIN_CATEGORIES


CHECKS = [
    Check(
        "plugin.registered",
        "The plugin is in the catalog",
        registered,
        _required,
        subjects=_plugin_subjects,
    ),
    Check(
        "plugin.mounted",
        "The plugin runs at its mount path",
        mounted,
        _required,
        subjects=_plugin_subjects,
    ),
]
