"""secrets.<type>: a round-trip at each declared custom mount, proving the mount is usable by
the app's token and is of the declared type (a KV v1 mount declared as kv-v2 fails)."""

import base64
import secrets as random

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from reviews.verification.base import (
    Check,
    Outcome,
    RunContext,
    always_required,
    failed,
    needs_token,
    passed,
)


def _mount(ctx: RunContext, path: str, kind: str) -> dict:
    return next(m for m in ctx.secret_mounts if m["path"] == path and m["type"] == kind)


def _kv_path(ctx: RunContext, mount: dict) -> str:
    return f"{mount['writable_prefix']}/vip-verify-{ctx.run_id}"


def kv_v1(ctx: RunContext, mount: dict) -> Outcome:
    kv = ctx.app_client().secrets.kv.v1
    path, value = _kv_path(ctx, mount), random.token_hex(8)
    kv.create_or_update_secret(path=path, secret={"probe": value}, mount_point=mount["path"])
    read = kv.read_secret(path=path, mount_point=mount["path"])
    kv.delete_secret(path=path, mount_point=mount["path"])
    if (read.get("data") or {}).get("probe") != value:
        return failed(
            f"Expected to read back the value written to {mount['path']}/{path}; the server "
            "returned a different value."
        )
    return passed(f"Wrote, read and deleted {mount['path']}/{path}.", path=path)


def kv_v2(ctx: RunContext, mount: dict) -> Outcome:
    kv = ctx.app_client().secrets.kv.v2
    path, value = _kv_path(ctx, mount), random.token_hex(8)
    written = kv.create_or_update_secret(
        path=path, secret={"probe": value}, mount_point=mount["path"]
    )
    version = (
        ((written or {}).get("data") or {}).get("version") if isinstance(written, dict) else None
    )
    if version is None:
        return failed(
            f"Expected {mount['path']} to answer a write like a KV version 2 mount (with a "
            "version); the server's answer had no version, as a KV version 1 mount's has not."
        )
    read = kv.read_secret_version(
        path=path, mount_point=mount["path"], raise_on_deleted_version=True
    )
    kv.delete_metadata_and_all_versions(path=path, mount_point=mount["path"])
    if read["data"]["data"].get("probe") != value:
        return failed(
            f"Expected to read back the value written to {mount['path']}/{path}; the server "
            "returned a different value."
        )
    return passed(
        f"Wrote version {version}, read it, and deleted {mount['path']}/{path} with its metadata.",
        path=path,
    )


def transit(ctx: RunContext, mount: dict) -> Outcome:
    engine = ctx.app_client().secrets.transit
    plaintext = base64.b64encode(random.token_bytes(16)).decode()
    ciphertext = engine.encrypt_data(
        name=mount["key"], plaintext=plaintext, mount_point=mount["path"]
    )["data"]["ciphertext"]
    decrypted = engine.decrypt_data(
        name=mount["key"], ciphertext=ciphertext, mount_point=mount["path"]
    )["data"]["plaintext"]
    if decrypted != plaintext:
        return failed(
            f"Expected key {mount['key']} to decrypt back to the plaintext; the server returned "
            "something else."
        )
    return passed(f"Encrypted and decrypted with key {mount['key']}.")


def pki(ctx: RunContext, mount: dict) -> Outcome:
    issued = ctx.app_client().secrets.pki.generate_certificate(
        name=mount["role"], common_name=mount["common_name"], mount_point=mount["path"]
    )["data"]
    if "BEGIN CERTIFICATE" not in issued.get("certificate", ""):
        return failed(
            f"Expected a certificate from role {mount['role']}; the server's answer had none."
        )
    return passed(
        f"Issued a certificate for {mount['common_name']} with role {mount['role']}.",
        serial_number=issued.get("serial_number", ""),
    )


def totp(ctx: RunContext, mount: dict) -> Outcome:
    adapter = ctx.app_client().adapter
    url = f"/v1/{mount['path']}/code/{mount['key']}"
    code = adapter.get(url)["data"]["code"]
    valid = adapter.post(url, json={"code": code})["data"]["valid"]
    if not valid:
        return failed(
            f"Expected the code generated for key {mount['key']} to validate; the server said "
            "it is not valid."
        )
    return passed(f"Generated and validated a code for key {mount['key']}.")


def ssh(ctx: RunContext, mount: dict) -> Outcome:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    public = key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()
    signed = ctx.app_client().secrets.ssh.sign_ssh_key(
        name=mount["role"],
        public_key=public,
        valid_principals=mount["valid_principals"],
        mount_point=mount["path"],
    )["data"]
    if not signed.get("signed_key"):
        return failed(
            f"Expected a signed key from role {mount['role']}; the server's answer had none."
        )
    return passed(
        f"Signed a fresh public key with role {mount['role']}.",
        serial_number=signed.get("serial_number", ""),
    )


def database(ctx: RunContext, mount: dict) -> Outcome:
    client = ctx.app_client()
    response = client.secrets.database.generate_credentials(
        name=mount["role"], mount_point=mount["path"]
    )
    if not (response.get("data") or {}).get("username"):
        return failed(
            f"Expected credentials from role {mount['role']}; the server's answer had none."
        )
    if response.get("lease_id"):  # do not leave a database user behind
        client.sys.revoke_lease(lease_id=response["lease_id"])
    return passed(
        f"Generated credentials for role {mount['role']} and revoked their lease.",
        lease_duration=response.get("lease_duration"),
    )


ROUND_TRIPS = {
    "kv-v1": kv_v1,
    "kv-v2": kv_v2,
    "transit": transit,
    "pki": pki,
    "totp": totp,
    "ssh": ssh,
    "database": database,
}


def _round_trip(kind: str):
    def run(ctx: RunContext, subject: str) -> Outcome:
        if (skip := needs_token(ctx)) is not None:
            return skip
        return ROUND_TRIPS[kind](ctx, _mount(ctx, subject, kind))

    return run


def _subjects(kind: str):
    return lambda ctx: [m["path"] for m in ctx.secret_mounts if m["type"] == kind]


CHECKS = [
    Check(
        f"secrets.{kind}",
        f"Round-trip on a {kind} mount",
        _round_trip(kind),
        always_required,
        expects=f"a round-trip on the {kind} mount",
        subjects=_subjects(kind),
    )
    for kind in ROUND_TRIPS
]
