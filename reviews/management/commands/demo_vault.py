"""`make demo`'s Vault: an OpenBao dev server that is both the program Vault (Transit, root
namespace) and a demo partner's test Vault (namespace `admin`, AppRole with short TTLs, KV v2 at
a custom path, a transit key); gives two demo integrations a ready target and a first run:
- "Acme KMS Connector" (in review; its first target, so its evidence target): the OpenBao
  server itself, declared `openbao`;
- "Acme Secrets Sync for Kubernetes" (in support): a second target beside its evidence target,
  the same OpenBao behind the test stand-in that answers as Vault Enterprise (tests/standin.py,
  https://127.0.0.1:8210). The demo's badges stand on recorded runs. Every page that names a
  Vault Enterprise, HCP Vault or Vault Community platform in the demo says it is simulated
  (VIP_SIMULATED_PLATFORMS): no HashiCorp binary runs here, and the demo never claims one does.

The dev server keeps everything in memory, so each start sets it up again and re-encrypts the
demo targets' credentials. Runs until interrupted; stops the server and the stand-in with it.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import hvac
import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integrations.models import Integration
from reviews import program_vault, selectors, services

# integration → the target it gets: its name, and whether it is the simulated Enterprise one.
DEMO_TARGETS = {
    "Acme KMS Connector": ("Demo OpenBao cluster (namespace admin)", False),
    "Acme Secrets Sync for Kubernetes": ("Simulated Vault Enterprise (demo stand-in)", True),
}
STANDIN_PORT = 8210
# The demo partner's test Vault (also printed by demo_ready, so a person can add a target).
DEMO_NAMESPACE = "admin"
DEMO_ROLE = "partner-app"
DEMO_MOUNTS = [
    {"path": "partner-kv", "type": "kv-v2", "writable_prefix": "vip"},
    {"path": "partner-transit", "type": "transit", "key": "app-key"},
]
PARTNER_POLICY = """
path "partner-kv/data/vip/*" { capabilities = ["create", "read", "update", "delete"] }
path "partner-kv/metadata/vip/*" { capabilities = ["read", "delete", "list"] }
path "partner-transit/encrypt/app-key" { capabilities = ["update"] }
path "partner-transit/decrypt/app-key" { capabilities = ["update"] }
"""


class Command(BaseCommand):
    help = "Start and configure the demo OpenBao server (program Vault + partner test Vault)."

    def handle(self, *args, **options):
        address = urlparse(settings.VIP_VAULT_ADDR)
        token = settings.VIP_VAULT_TOKEN
        bao = str(Path(sys.executable).parent / "bao")
        server = subprocess.Popen(
            [
                bao,
                "server",
                "-dev",
                f"-dev-root-token-id={token}",
                f"-dev-listen-address={address.hostname}:{address.port}",
                "-log-level=warn",
            ],
            # A dev server writes its root token to ~/.vault-token: keep it in var/, not over
            # the token the person running the demo may keep there for a real Vault.
            env={**os.environ, "HOME": str(settings.VAR_DIR)},
        )
        signal.signal(signal.SIGTERM, lambda *_: server.terminate())
        standin = None
        try:
            self._wait_until_ready(settings.VIP_VAULT_ADDR)
            standin = self._start_standin(address.port)
            self._configure(hvac.Client(url=settings.VIP_VAULT_ADDR, token=token), standin)
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if standin is not None:
                standin.stop()
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=10)

    def _start_standin(self, port: int):
        """The demo's Vault Enterprise: this OpenBao behind the test stand-in (demo only)."""
        from tests.standin import PlatformStandIn
        from tests.vault import BaoServer

        standin = PlatformStandIn(
            BaoServer.running_at(port), "vault_enterprise", port=STANDIN_PORT
        ).start()
        if "vault_enterprise" not in settings.VIP_SIMULATED_PLATFORMS:
            raise CommandError("Add vault_enterprise to VIP_SIMULATED_PLATFORMS: it is simulated.")
        return standin

    def _wait_until_ready(self, url: str) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/v1/sys/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise CommandError(f"OpenBao did not start at {url}.")

    def _configure(self, root: hvac.Client, standin) -> None:
        # The program Vault: Transit in the root namespace (the key is created on first use).
        root.sys.enable_secrets_engine("transit", path=settings.VIP_VAULT_TRANSIT_MOUNT)
        # The demo partner's test Vault, HCP-style: everything inside namespace `admin`.
        root.adapter.post(f"/v1/sys/namespaces/{DEMO_NAMESPACE}")
        partner = hvac.Client(url=root.url, token=root.token, namespace=DEMO_NAMESPACE)
        partner.sys.enable_secrets_engine("kv", path="partner-kv", options={"version": "2"})
        partner.sys.enable_secrets_engine("transit", path="partner-transit")
        partner.secrets.transit.create_key(name="app-key", mount_point="partner-transit")
        partner.sys.create_or_update_policy(name="partner-app", policy=PARTNER_POLICY)
        partner.sys.enable_auth_method("approle")
        partner.write(
            f"auth/approle/role/{DEMO_ROLE}",
            token_policies=["partner-app"],
            token_ttl="15m",
            token_max_ttl="1h",
            secret_id_ttl="24h",
        )
        role_id, secret_id = app_credentials(partner)
        program_vault.reset_client()
        for name, (target_name, simulated) in DEMO_TARGETS.items():
            cluster = (
                {"kind": "vault_enterprise", "url": standin.url, "ca_cert": standin.ca_pem}
                if simulated
                else {"kind": "openbao", "url": root.url, "ca_cert": ""}
            )
            self._demo_target(name, target_name, cluster, role_id, secret_id)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo Vault ready at {root.url}: program Vault (Transit) and the demo partner's "
                f"test Vault in namespace admin; {standin.url} answers as Vault Enterprise "
                f"(simulated). {' and '.join(DEMO_TARGETS)} have a target."
            )
        )

    def _demo_target(
        self, name: str, target_name: str, cluster: dict, role_id: str, secret_id: str
    ) -> None:
        integration = Integration.objects.filter(name=name).first()
        if integration is None:
            self.stdout.write("No demo integration to give a target to (run demo_data first).")
            return
        owner = integration.partner.memberships.filter(role="owner").first().user
        body = {
            "name": target_name,
            **cluster,
            "namespace": DEMO_NAMESPACE,
            "auth": {
                "method": "approle",
                "mount_path": "approle",
                "role_id": role_id,
                "secret_id": secret_id,
            },
            "secret_mounts": DEMO_MOUNTS,
        }
        target = selectors.targets_of(integration=integration).filter(name=target_name).first()
        if target is None:
            target = services.target_create(integration=integration, actor=owner, data=body)
        else:  # the in-memory Vault started afresh: new credentials under a new key
            services.target_update(target=target, actor=owner, data=body)
        if not target.runs.exists():
            services.run_request(target=target, actor=owner)


def app_credentials(partner: hvac.Client) -> tuple[str, str]:
    """The demo app's AppRole login: its role ID and a new secret ID (valid 24 hours), minted
    with a client of the demo partner's namespace."""
    role_id = partner.read(f"auth/approle/role/{DEMO_ROLE}/role-id")["data"]["role_id"]
    secret_id = partner.write(f"auth/approle/role/{DEMO_ROLE}/secret-id")["data"]["secret_id"]
    return role_id, secret_id
