"""Real OpenBao servers for tests, and helpers that set one up as a partner's operator would.

A dev server starts in ~0.2 s on a free loopback port (it also binds port+1); `-dev-tls` serves
HTTPS with its own CA; `-config` adds declared audit devices (OpenBao refuses to enable them
through the API).
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hvac
import hvac.exceptions
import requests

BAO = str(Path(sys.executable).parent / "bao")
ROOT_TOKEN = "root"


def free_port_pair() -> int:
    """A port p with p and p+1 free (the dev server binds both)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
        try:
            with socket.socket() as second:
                second.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free pair of ports")


class BaoServer:
    platform = "openbao"  # what it is (tests.standin.PlatformStandIn answers as other platforms)

    def __init__(self, *, tls: bool = False, config: str = "") -> None:
        self.tls = tls
        self.config = config
        self.dir = Path(tempfile.mkdtemp(prefix="vip-bao-"))
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.unseal_key = ""

    @classmethod
    def running_at(cls, port: int) -> "BaoServer":
        """A server someone else started on loopback `port` (plain http), e.g. the demo's."""
        server = cls()
        server.port = port
        return server

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ca_path(self) -> str:
        return str(self.dir / "vault-ca.pem")

    @property
    def ca_pem(self) -> str:
        return Path(self.ca_path).read_text() if self.tls else ""

    @property
    def verify(self):
        return self.ca_path if self.tls else True

    def start(self) -> "BaoServer":
        self.port = free_port_pair()
        command = [
            BAO,
            "server",
            "-dev",
            f"-dev-root-token-id={ROOT_TOKEN}",
            f"-dev-listen-address=127.0.0.1:{self.port}",
            "-log-level=error",
        ]
        if self.tls:
            command += ["-dev-tls", f"-dev-tls-cert-dir={self.dir}"]
        if self.config:
            config = self.dir / "extra.hcl"
            config.write_text(self.config.replace("{dir}", str(self.dir)))
            command.append(f"-config={config}")
        self.log = open(self.dir / "server.log", "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            # A dev server writes its root token to ~/.vault-token through a temporary file:
            # servers starting at once in other test processes must not share that file.
            env={**os.environ, "HOME": str(self.dir)},
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                response = requests.get(f"{self.url}/v1/sys/health", verify=self.verify, timeout=1)
                if response.status_code == 200:
                    break
            except (requests.RequestException, OSError):
                pass
            time.sleep(0.05)
        else:
            raise RuntimeError(f"OpenBao did not start: {(self.dir / 'server.log').read_text()}")
        while time.monotonic() < deadline:  # the banner with the unseal key comes last
            match = re.search(r"Unseal Key: (\S+)", (self.dir / "server.log").read_text())
            if match:
                self.unseal_key = match.group(1)
                break
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
            self.log.close()

    def client(self, *, namespace: str | None = None, token: str | None = ROOT_TOKEN):
        return hvac.Client(url=self.url, token=token, namespace=namespace, verify=self.verify)

    def seal(self) -> None:
        self.client().sys.seal()

    def freeze(self) -> None:
        """Stop the server's process (SIGSTOP) and wait until every thread has stopped: the
        stop completes asynchronously, and under load another thread can still answer a
        request after `kill` returns."""
        os.kill(self.process.pid, signal.SIGSTOP)
        os.waitpid(self.process.pid, os.WUNTRACED)

    def thaw(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def unseal(self) -> None:
        self.client().sys.submit_unseal_key(self.unseal_key)


class PersistentBaoServer:
    """A non-dev OpenBao server (`bao server -config=…`) with its storage in a folder that
    outlives the process: uninitialised at first, sealed after each restart, as in production
    and in docker-compose.yml. `config` is OpenBao's JSON configuration; its storage path and
    listener addresses are replaced with a fresh folder and loopback ports (the same ones
    across restarts)."""

    def __init__(self, config: dict) -> None:
        self.config = config
        self.dir = Path(tempfile.mkdtemp(prefix="vip-bao-persistent-"))
        self.port = free_port_pair()  # the API, and the cluster port next to it
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _config_file(self) -> Path:
        config = dict(self.config)
        ((kind, storage),) = config["storage"].items()
        config["storage"] = {kind: {**storage, "path": str(self.dir / "data")}}
        config["listener"] = [
            {
                "tcp": {
                    "address": f"127.0.0.1:{self.port}",
                    "cluster_address": f"127.0.0.1:{self.port + 1}",
                    "tls_disable": True,
                }
            }
        ]
        config["api_addr"] = self.url
        config["cluster_addr"] = f"http://127.0.0.1:{self.port + 1}"
        config["disable_mlock"] = True  # no IPC_LOCK capability here
        (self.dir / "data").mkdir(exist_ok=True)
        path = self.dir / "config.json"
        path.write_text(json.dumps(config))
        return path

    def health(self) -> dict | None:
        try:
            return requests.get(
                f"{self.url}/v1/sys/health",
                params={"standbyok": "true", "sealedcode": "200", "uninitcode": "200"},
                timeout=1,
            ).json()
        except (requests.RequestException, ValueError):
            return None

    def start(self) -> "PersistentBaoServer":
        self.log = open(self.dir / "server.log", "a")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [BAO, "server", f"-config={self._config_file()}", "-log-level=error"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "HOME": str(self.dir)},
        )
        deadline = time.monotonic() + 15
        while self.health() is None:
            if time.monotonic() > deadline:
                log = (self.dir / "server.log").read_text()
                raise RuntimeError(f"OpenBao did not start: {log}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
            self.log.close()

    def restart(self) -> "PersistentBaoServer":
        self.stop()
        return self.start()


# --- What a partner's operator does -------------------------------------------------------


def make_namespace(server: BaoServer, path: str) -> None:
    """Create `path` (and its parents: admin/team creates admin first) if missing."""
    parent = None
    for part in path.split("/"):
        client = server.client(namespace=parent)
        try:
            keys = client.adapter.list("/v1/sys/namespaces")["data"]["keys"]
        except hvac.exceptions.InvalidPath:  # no namespaces yet
            keys = []
        if f"{part}/" not in keys:
            client.adapter.post(f"/v1/sys/namespaces/{part}")
        parent = f"{parent}/{part}" if parent else part


def app_policy(client: hvac.Client, name: str, rules: str) -> None:
    client.sys.create_or_update_policy(name=name, policy=rules)


def approle(
    client: hvac.Client,
    *,
    mount: str = "approle",
    role: str = "app",
    policies=("app",),
    ttl: str = "1h",
    max_ttl: str = "4h",
    **extra,
) -> tuple[str, str]:
    """Enable AppRole at `mount` (if needed) with a role; return (role_id, secret_id)."""
    if f"{mount}/" not in client.sys.list_auth_methods()["data"]:
        client.sys.enable_auth_method("approle", path=mount)
    client.write(
        f"auth/{mount}/role/{role}",
        token_policies=list(policies),
        token_ttl=ttl,
        token_max_ttl=max_ttl,
        **extra,
    )
    role_id = client.read(f"auth/{mount}/role/{role}/role-id")["data"]["role_id"]
    secret_id = client.write(f"auth/{mount}/role/{role}/secret-id")["data"]["secret_id"]
    return role_id, secret_id


def enable_engine(client: hvac.Client, kind: str, path: str, **options) -> None:
    if f"{path}/" not in client.sys.list_mounted_secrets_engines()["data"]:
        client.sys.enable_secrets_engine(kind, path=path, **options)


APP_POLICY = """
path "{kv}/data/{prefix}/*" {{ capabilities = ["create", "read", "update", "delete"] }}
path "{kv}/metadata/{prefix}/*" {{ capabilities = ["read", "delete", "list"] }}
path "{transit}/encrypt/{key}" {{ capabilities = ["update"] }}
path "{transit}/decrypt/{key}" {{ capabilities = ["update"] }}
"""


README = Path(__file__).resolve().parent.parent / "README.md"


def documented_inspector_policy(namespace: str = "", database_mount: str = "db") -> str:
    """The inspector policy exactly as the README tells operators to write it (the HCL block
    after `<!-- inspector-policy -->`), for a target in `namespace`."""
    text = README.read_text().split("<!-- inspector-policy -->", 1)[1]
    policy = text.split("```hcl", 1)[1].split("```", 1)[0]
    prefix = f"{namespace.strip('/')}/" if namespace else ""
    return policy.replace("<namespace>/", prefix).replace("<database mount>", database_mount)


def jwt_login(client: hvac.Client, public_key: str) -> dict:
    """What an operator does for CI logins: JWT auth at `ci-jwt` trusting `public_key`, with a
    role `deploy` for the app policy. Returns the target's `auth` body without the `jwt`."""
    client.sys.enable_auth_method("jwt", path="ci-jwt")
    client.write(
        "auth/ci-jwt/config", jwt_validation_pubkeys=[public_key], bound_issuer="partner-ci"
    )
    client.write(
        "auth/ci-jwt/role/deploy",
        role_type="jwt",
        user_claim="sub",
        bound_audiences=["vault"],
        token_policies=["app"],
        token_ttl="15m",
    )
    return {"method": "jwt", "mount_path": "ci-jwt", "role": "deploy"}


def runtime_app(server: BaoServer, namespace: str = "", **approle_options) -> dict:
    """A partner's test Vault for a runtime integration, as its operator sets it up: an
    optional namespace, KV v2 at a custom path, a transit key, a least-privilege policy and an
    AppRole with short TTLs. Returns the target body the partner would give the program, of
    the kind the server is (`server` may be a tests.standin.PlatformStandIn)."""
    if namespace:
        make_namespace(server, namespace)
    client = server.client(namespace=namespace or None)
    enable_engine(client, "kv", "apps-kv", options={"version": "2"})
    enable_engine(client, "transit", "apps-transit")
    client.secrets.transit.create_key(name="app-key", mount_point="apps-transit")
    app_policy(
        client,
        "app",
        APP_POLICY.format(kv="apps-kv", prefix="vip", transit="apps-transit", key="app-key"),
    )
    role_id, secret_id = approle(client, **approle_options)
    return {
        "name": "test cluster",
        "kind": server.platform,
        "url": server.url,
        "namespace": namespace,
        "ca_cert": server.ca_pem,
        "auth": {
            "method": "approle",
            "mount_path": "approle",
            "role_id": role_id,
            "secret_id": secret_id,
        },
        "secret_mounts": [
            {"path": "apps-kv", "type": "kv-v2", "writable_prefix": "vip"},
            {"path": "apps-transit", "type": "transit", "key": "app-key"},
        ],
    }


def target_form(body: dict, **overrides) -> dict:
    """The target page's form fields for an AppRole target `body` (as runtime_app returns it),
    its secret mounts as the mounts formset; `overrides` replace fields."""
    mounts = body["secret_mounts"]
    form = {
        "name": body["name"],
        "kind": body["kind"],
        "url": body["url"],
        "namespace": body["namespace"],
        "ca_cert": body["ca_cert"],
        "auth_method": "approle",
        "auth_mount_path": "approle",
        "role_id": body["auth"]["role_id"],
        "secret_id": body["auth"]["secret_id"],
        "inspector_token": body.get("inspector_token", ""),
        "mounts-TOTAL_FORMS": str(len(mounts)),
        "mounts-INITIAL_FORMS": "0",
        "mounts-MIN_NUM_FORMS": "0",
        "mounts-MAX_NUM_FORMS": "20",
    }
    for index, mount in enumerate(mounts):
        form.update({f"mounts-{index}-{key}": value for key, value in mount.items()})
    return {**form, **overrides}
