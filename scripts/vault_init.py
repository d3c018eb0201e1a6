"""Set up the program Vault of the Docker Compose deployment: the `vault-init` service.

    python scripts/vault_init.py --address http://openbao:8200 --state /vault-init \\
        --credentials web=/vault-credentials/web --credentials worker=/vault-credentials/worker \\
        --owner 10001:10001

Run on every `docker compose up`, and safe to run again at any time:

1. waits for OpenBao to answer;
2. initialises it the first time (one unseal key share), writing the unseal key and the root
   token to `<state>/init.json` (mode 0600) before anything else: that file is the only copy,
   and only this service mounts the volume that holds it;
3. unseals it when it is sealed (after every restart of the OpenBao container);
4. with the root token: enables Transit at `transit` with the key `vip-credentials`, writes the
   program's policies (the README's "The program Vault's policy": web encrypts, the worker
   decrypts, an operator rewraps), enables AppRole and creates one role per process;
5. hands each process its role ID and secret ID as files (`role_id`, `secret_id`, mode 0400,
   owned by `--owner`) in a directory only that process mounts. A secret ID already handed
   out and still valid is kept; a missing or invalid one is replaced.

It prints what it did, never a secret. Only the Python standard library and hvac (both in the
application image) are needed; no Django.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import hvac
import hvac.exceptions
import requests

TRANSIT_MOUNT = "transit"
KEY = "vip-credentials"
APPROLE_MOUNT = "approle"

# The README's policy, one per process (tests/config/test_vault_init.py compares them).
POLICIES = {
    "vip-web": 'path "transit/encrypt/vip-credentials" { capabilities = ["create", "update"] }',
    "vip-worker": 'path "transit/decrypt/vip-credentials" { capabilities = ["update"] }',
    "vip-rewrap": 'path "transit/rewrap/vip-credentials" { capabilities = ["update"] }',
}
# The processes that log in, each with its own role and policy.
ROLES = {"web": "vip-web", "worker": "vip-worker"}
TOKEN_TTL, TOKEN_MAX_TTL = "1h", "4h"


class SetupError(Exception):
    """Something an operator must look at; the message says what."""


def say(message: str) -> None:
    print(f"vault-init: {message}", flush=True)


def health(address: str) -> dict | None:
    """sys/health as JSON whatever the state (uninitialised, sealed, standby), or None."""
    try:
        response = requests.get(
            f"{address}/v1/sys/health",
            params={"standbyok": "true", "sealedcode": "200", "uninitcode": "200"},
            timeout=(2, 5),
        )
        return response.json()
    except (requests.RequestException, ValueError):
        return None


def wait_for(address: str, ready, what: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = health(address)
        if state is not None and ready(state):
            return state
        time.sleep(0.5)
    raise SetupError(f"OpenBao at {address} did not become {what} within {timeout:.0f} s")


def write_private(path: Path, text: str, *, mode: int, owner: tuple[int, int] | None) -> None:
    """Write `text` to `path` atomically, readable only as `mode` says, owned by `owner`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    if owner is not None:
        os.chown(temporary, *owner)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def initialise(client: hvac.Client, address: str, state_dir: Path) -> dict:
    """The unseal key and root token: made now the first time, read from the state after."""
    init_file = state_dir / "init.json"
    state = health(address) or {}
    if not state.get("initialized"):
        result = client.sys.initialize(secret_shares=1, secret_threshold=1)
        keys = {"keys": result["keys"], "root_token": result["root_token"]}
        write_private(init_file, json.dumps(keys), mode=0o600, owner=None)
        say(f"initialised; the unseal key and root token are in {init_file} (keep it private)")
        return keys
    if not init_file.exists():
        raise SetupError(
            f"OpenBao is initialised but {init_file} does not exist: this is not the state "
            "this script created (a different volume?). Unseal it and set it up by hand."
        )
    return json.loads(init_file.read_text())


def unseal(client: hvac.Client, address: str, keys: dict) -> None:
    if (health(address) or {}).get("sealed", True):
        client.sys.submit_unseal_keys(keys["keys"])
        say("unsealed")
    else:
        say("already unsealed")


def configure(client: hvac.Client) -> None:
    """Transit and its key, the policies, AppRole and one role per process (idempotent)."""
    if f"{TRANSIT_MOUNT}/" not in client.sys.list_mounted_secrets_engines()["data"]:
        client.sys.enable_secrets_engine("transit", path=TRANSIT_MOUNT)
        say(f"enabled Transit at {TRANSIT_MOUNT}/")
    try:
        client.secrets.transit.read_key(name=KEY, mount_point=TRANSIT_MOUNT)
    except hvac.exceptions.InvalidPath:
        client.secrets.transit.create_key(name=KEY, mount_point=TRANSIT_MOUNT)
        say(f"created the Transit key {KEY}")
    for name, rules in POLICIES.items():
        client.sys.create_or_update_policy(name=name, policy=rules)
    if f"{APPROLE_MOUNT}/" not in client.sys.list_auth_methods()["data"]:
        client.sys.enable_auth_method("approle", path=APPROLE_MOUNT)
        say(f"enabled AppRole at {APPROLE_MOUNT}/")
    for policy in ROLES.values():
        client.write(
            f"auth/{APPROLE_MOUNT}/role/{policy}",
            token_policies=[policy],
            token_ttl=TOKEN_TTL,
            token_max_ttl=TOKEN_MAX_TTL,
            secret_id_ttl="0",  # noqa: S106 - a duration (never expires), not a secret
            secret_id_num_uses=0,
        )
    say(f"policies {', '.join(POLICIES)} and roles {', '.join(ROLES.values())} are in place")


def secret_id_valid(client: hvac.Client, role: str, secret_id: str) -> bool:
    try:
        answer = client.write(
            f"auth/{APPROLE_MOUNT}/role/{role}/secret-id/lookup", secret_id=secret_id
        )
    except hvac.exceptions.VaultError:
        return False
    return isinstance(answer, dict) and bool(answer.get("data"))  # unknown: 204, no body


def hand_out(client: hvac.Client, process: str, directory: Path, owner) -> None:
    """`directory/role_id` and `directory/secret_id` for `process`'s role."""
    role = ROLES[process]
    role_id = client.read(f"auth/{APPROLE_MOUNT}/role/{role}/role-id")["data"]["role_id"]
    secret_file = directory / "secret_id"
    secret_id = secret_file.read_text().strip() if secret_file.exists() else ""
    if secret_id and secret_id_valid(client, role, secret_id):
        say(f"{process}: kept its secret ID")
    else:
        secret_id = client.write(f"auth/{APPROLE_MOUNT}/role/{role}/secret-id")["data"]["secret_id"]
        write_private(secret_file, secret_id + "\n", mode=0o400, owner=owner)
        say(f"{process}: issued a new secret ID")
    write_private(directory / "role_id", role_id + "\n", mode=0o400, owner=owner)


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", default=os.environ.get("VAULT_ADDR", "http://openbao:8200"))
    parser.add_argument("--state", type=Path, required=True, help="where init.json is kept")
    parser.add_argument(
        "--credentials",
        action="append",
        default=[],
        metavar="PROCESS=DIR",
        help=f"hand PROCESS ({', '.join(ROLES)}) its AppRole IDs in DIR",
    )
    parser.add_argument("--owner", default="", metavar="UID:GID", help="owner of those files")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait")
    args = parser.parse_args(argv)
    args.address = args.address.rstrip("/")
    pairs = [item.split("=", 1) for item in args.credentials]
    if any(len(pair) != 2 or pair[0] not in ROLES for pair in pairs):
        parser.error(f"--credentials takes PROCESS=DIR with PROCESS one of {', '.join(ROLES)}")
    args.credentials = [(process, Path(directory)) for process, directory in pairs]
    args.owner = tuple(int(part) for part in args.owner.split(":")) if args.owner else None
    return args


def main(argv=None) -> int:
    args = parse(argv)
    client = hvac.Client(url=args.address, timeout=10)
    try:
        wait_for(args.address, lambda state: True, "reachable", args.timeout)
        keys = initialise(client, args.address, args.state)
        unseal(client, args.address, keys)
        wait_for(
            args.address,
            lambda state: not state.get("sealed") and not state.get("standby"),
            "active",
            args.timeout,
        )
        client.token = keys["root_token"]
        configure(client)
        for process, directory in args.credentials:
            hand_out(client, process, directory, args.owner)
    except (SetupError, hvac.exceptions.VaultError, requests.RequestException) as error:
        say(f"failed: {error}")
        return 1
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
