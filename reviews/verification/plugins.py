"""plugin.registered, plugin.mounted and plugin.exercised: the declared plugin is the
partner's own (an external plugin in the catalog at the declared version and checksum, not a
built-in), runs at the declared mount path, and does its work there: the app logs in through
an auth plugin's mount, or a secrets plugin answers the declared probe. The catalog and mounts
are privileged APIs read with the target's inspector token; the exercise uses the app's."""

import hvac.exceptions

from integrations.categories import PLUGIN_CATEGORIES
from reviews.verification.base import (
    Check,
    Outcome,
    RunContext,
    failed,
    needs_inspector,
    needs_token,
    passed,
    server_said,
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


def _catalog_entry(ctx: RunContext, plugin: dict) -> dict | None:
    """The catalog's entry for the plugin at the declared version (with or without the
    leading "v" the catalog may have normalised), or None. The catalog lives in the root
    namespace."""
    adapter = ctx.inspector_client(namespace=False).adapter
    url = f"/v1/sys/plugins/catalog/{plugin['type']}/{plugin['name']}"
    declared = plugin["version"]
    for version in dict.fromkeys([declared, f"v{declared.lstrip('v')}", declared.lstrip("v")]):
        try:
            return adapter.get(url, params={"version": version})["data"]
        except hvac.exceptions.InvalidPath:
            continue
    return None


def registered(ctx: RunContext, subject) -> Outcome:
    if (skip := _needs_plugin(ctx) or needs_inspector(ctx)) is not None:
        return skip
    plugin = ctx.plugin
    wanted = f"{plugin['name']} {plugin['version']}"
    entry = _catalog_entry(ctx, plugin)
    if entry is None:
        return failed(
            f"Expected {wanted} in the plugin catalog ({plugin['type']}); the catalog has no "
            "entry at that version."
        )
    found_version, found_sha = str(entry.get("version") or ""), str(entry.get("sha256") or "")
    details = {"version": found_version, "builtin": bool(entry.get("builtin"))}
    if entry.get("builtin"):
        return failed(
            f"Expected the partner's own plugin; {plugin['name']} {found_version} is built into "
            "the server, so it proves nothing about the partner's plugin.",
            **details,
        )
    if not _same_version(plugin["version"], found_version):
        return failed(
            f"Expected {wanted}; the catalog has version {found_version or 'none'}.", **details
        )
    if plugin.get("sha256") and plugin["sha256"] != found_sha.lower():
        return failed(
            f"Expected SHA-256 {plugin['sha256']}; the catalog has "
            f"{found_sha or 'no checksum'} for {wanted}.",
            **details,
        )
    return passed(f"{wanted} is an external plugin in the catalog.", **details, sha256=found_sha)


def _database_connections(ctx: RunContext, mount_path: str) -> list[dict]:
    """The connections configured on a database secrets engine (a database plugin runs for a
    connection, not for the mount)."""
    client = ctx.inspector_client()
    try:
        names = client.adapter.list(f"/v1/{mount_path}/config")["data"]["keys"]
    except hvac.exceptions.InvalidPath:  # no connection at all
        return []
    return [client.adapter.get(f"/v1/{mount_path}/config/{name}")["data"] for name in names]


def mounted(ctx: RunContext, subject) -> Outcome:
    if (skip := _needs_plugin(ctx) or needs_inspector(ctx)) is not None:
        return skip
    plugin = ctx.plugin
    client = ctx.inspector_client()  # mounts live in the target's namespace
    if plugin["type"] == "auth":
        mounts, where = client.sys.list_auth_methods(), f"auth/{plugin['mount_path']}"
    else:
        mounts, where = client.sys.list_mounted_secrets_engines(), plugin["mount_path"]
    mounts = mounts.get("data", mounts)
    mount = mounts.get(plugin["mount_path"].strip("/") + "/")
    if mount is None:
        return failed(f"Expected {plugin['name']} mounted at {where}; nothing is mounted there.")
    if plugin["type"] == "database":
        return _database_mounted(ctx, plugin, mount, where)
    running = mount.get("running_plugin_version", "")
    details = {"type": mount.get("type", ""), "running_plugin_version": running}
    if mount.get("type") != plugin["name"]:
        return failed(
            f"Expected {plugin['name']} at {where}; the server runs {mount.get('type')} there.",
            **details,
        )
    if not _same_version(plugin["version"], running):
        return failed(
            f"Expected {plugin['name']} {plugin['version']} at {where}; the server runs version "
            f"{running or 'unknown'}.",
            **details,
        )
    return passed(f"{plugin['name']} {running} runs at {where}.", **details)


def _database_mounted(ctx: RunContext, plugin: dict, mount: dict, where: str) -> Outcome:
    if mount.get("type") != "database":
        return failed(
            f"Expected a database secrets engine at {where}; the server runs "
            f"{mount.get('type')} there."
        )
    using = [
        c
        for c in _database_connections(ctx, plugin["mount_path"])
        if c.get("plugin_name") == plugin["name"]
    ]
    if not using:
        return failed(
            f"Expected a connection at {where} that uses {plugin['name']}; no connection there "
            "uses it."
        )
    versions = sorted({str(c.get("plugin_version") or "") for c in using})
    if not any(_same_version(plugin["version"], v) for v in versions):
        return failed(
            f"Expected {plugin['name']} {plugin['version']} at {where}; its connections use "
            f"version {', '.join(v or 'unknown' for v in versions)}."
        )
    return passed(
        f"A connection at {where} uses {plugin['name']} {plugin['version']}.",
        type="database",
        running_plugin_version=plugin["version"],
    )


def _auth_exercised(ctx: RunContext, plugin: dict) -> Outcome:
    """The app's token was created by a login at the plugin's mount (the server says where)."""
    expected = f"auth/{plugin['mount_path']}/"
    created_at = str(ctx.token_info().get("path") or "")
    if not created_at.startswith(expected):
        return failed(
            f"Expected the app to log in through the plugin's mount {expected.rstrip('/')}; the "
            f"server says its token was created at {created_at or 'an unknown path'}.",
            path=created_at,
        )
    return passed(f"The app logged in through {plugin['name']} ({created_at}).", path=created_at)


def _secrets_exercised(ctx: RunContext, plugin: dict) -> Outcome:
    """The declared probe, called with the app's token, answers with the expected keys."""
    probe = plugin.get("probe") or {}
    path = f"{plugin['mount_path']}/{probe.get('path', '')}".rstrip("/")
    operation = probe.get("operation", "read")
    adapter = ctx.app_client().adapter
    try:
        if operation == "list":
            response = adapter.list(f"/v1/{path}")
        elif operation == "write":
            response = adapter.post(f"/v1/{path}", json=probe.get("body") or {})
        else:
            response = adapter.get(f"/v1/{path}")
    except hvac.exceptions.VaultError as exc:
        return failed(
            f"Expected {operation} {path} to answer with data; the server answered "
            f"{server_said(exc)}."
        )
    data = response.get("data") if isinstance(response, dict) else None
    data = data if isinstance(data, dict) else {}
    expected = list(probe.get("expect") or [])
    missing = [key for key in expected if key not in data]
    if missing:
        found = ", ".join(sorted(data)[:10]) or "no data"
        return failed(
            f"Expected {operation} {path} to answer with {', '.join(expected)}; it lacked "
            f"{', '.join(missing)} (the answer had: {found}).",
            keys=sorted(data)[:20],
        )
    return passed(
        f"{operation} {path} answered with {', '.join(expected)}.", keys=sorted(data)[:20]
    )


def exercised(ctx: RunContext, subject) -> Outcome:
    if (skip := _needs_plugin(ctx) or needs_token(ctx)) is not None:
        return skip
    if ctx.plugin["type"] == "auth":
        return _auth_exercised(ctx, ctx.plugin)
    return _secrets_exercised(ctx, ctx.plugin)


def _required(ctx: RunContext) -> bool:
    return ctx.category in PLUGIN_CATEGORIES


CHECKS = [
    Check(
        "plugin.registered",
        "The partner's plugin is in the catalog",
        registered,
        _required,
        expects="the declared plugin in the catalog",
        subjects=_plugin_subjects,
    ),
    Check(
        "plugin.mounted",
        "The plugin runs at its mount path",
        mounted,
        _required,
        expects="the declared plugin at its mount path",
        subjects=_plugin_subjects,
    ),
    Check(
        "plugin.exercised",
        "The plugin does its work",
        exercised,
        _required,
        expects="the plugin to answer the app",
        subjects=_plugin_subjects,
    ),
]
