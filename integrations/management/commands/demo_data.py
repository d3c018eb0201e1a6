"""Demo data for `make demo`: three partners, a dozen integrations over every stage with their
history, support issues with their SLA clocks (one paused, one reopened, one breached),
verification targets and recorded runs for the listed ones, badges in every status and for
every status reason, and one account per role. Safe to run again: existing demo data is left
alone."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from accounts.roles import ADMINS, REVIEWERS
from badges.models import Badge, BadgeEvent, BadgeKind, BadgeStatus, StatusReason
from integrations.models import PIPELINE, Integration, Partner, Stage, StageTransition
from integrations.services import overlaps_refresh
from reviews.models import (
    CheckResult,
    CheckStatus,
    Edition,
    RunPurpose,
    RunStatus,
    TargetKind,
    VerificationRun,
    VerificationTarget,
)
from reviews.services import EVIDENCE_FIELD
from support_sla import services as support
from support_sla.models import Standing, StandingRecord
from support_sla.sweep import sla_sweep

PASSWORD = "vip-demo-password"  # noqa: S105 - printed for everyone; demo only

ACCOUNTS = [
    # email, role shown, partner slug, membership role, staff group
    ("owner@acme.example", "partner owner (Acme Security)", "acme-security", "owner", None),
    ("member@globex.example", "partner member (Globex Cloud)", "globex-cloud", "member", None),
    ("reviewer@vip.example", "reviewer", None, None, REVIEWERS),
    ("admin@vip.example", "admin", None, None, ADMINS),
]

PARTNERS = [
    ("Acme Security", "https://acme.example", "America/New_York", "US", "NY"),
    ("Globex Cloud", "https://globex.example", "Europe/Berlin", "DE", "BE"),
    ("Initech HSM Systems", "https://initech.example", "Europe/London", "GB", ""),
]

# partner, name, category, stage, days since intake, summary, description
INTEGRATIONS = [
    (
        "acme-security",
        "Acme Secrets Sync for Kubernetes",
        "runtime",
        Stage.SUPPORT,
        200,
        "Syncs Vault secrets into Kubernetes workloads.",
        "A Kubernetes operator that reads KV secrets and PKI certificates from Vault with the "
        "Kubernetes auth method and keeps them in sync with pod secrets, per namespace.",
    ),
    (
        "acme-security",
        "Acme KMS Connector",
        "runtime",
        Stage.REVIEW,
        90,
        "Uses Vault Transit as the key manager for Acme KMS.",
        "Acme KMS delegates envelope encryption to Vault's Transit engine; authenticates with "
        "AppRole or TLS certificates and supports namespaces for HCP Vault.",
    ),
    (
        "acme-security",
        "Acme Audit Stream",
        "audit",
        Stage.DEVELOP,
        45,
        "Streams Vault audit logs into Acme SIEM.",
        "Consumes Vault's file and socket audit devices and indexes every request and response "
        "for compliance dashboards.",
    ),
    (
        "acme-security",
        "Acme Unseal Helper",
        "storage_or_unseal",
        Stage.ENGAGE,
        3,
        "Auto-unseals Vault with Acme's key service.",
        "A seal wrapper that keeps Vault's root key in Acme's key service.",
    ),
    (
        "globex-cloud",
        "Globex Identity Auth Method",
        "auth_method",
        Stage.RELEASE,
        150,
        "Log in to Vault with Globex Identity tokens.",
        "A Vault auth method plugin that verifies Globex Identity tokens and maps groups to "
        "policies. Written in Go, registered in the plugin catalog.",
    ),
    (
        "globex-cloud",
        "Globex Database Secrets Engine",
        "secrets_engine",
        Stage.DEVELOP,
        60,
        "Dynamic credentials for Globex Database.",
        "A secrets engine plugin that creates short-lived Globex Database users for each lease.",
    ),
    (
        "globex-cloud",
        "Globex CI Secrets Injector",
        "runtime",
        Stage.ENABLE,
        20,
        "Injects Vault secrets into Globex CI pipelines.",
        "Globex CI jobs authenticate with JWT/OIDC and read secrets from any KV mount path.",
    ),
    (
        "globex-cloud",
        "Globex Legacy Token Tool",
        "runtime",
        Stage.WITHDRAWN,
        120,
        "Reads secrets with a static token.",
        "A command-line helper that used a long-lived Vault token. Withdrawn by the partner.",
    ),
    (
        "initech-hsm-systems",
        "Initech Luna HSM Bridge",
        "hsm",
        Stage.SUPPORT,
        300,
        "PKCS#11 HSM for Vault Enterprise seals and key management.",
        "Initech's network HSM provides auto-unseal and seal wrapping for Vault Enterprise "
        "through PKCS#11.",
    ),
    (
        "initech-hsm-systems",
        "Initech Key Ceremony",
        "hsm",
        Stage.REJECTED,
        110,
        "Manual key ceremonies for Vault.",
        "Paper-based key ceremony tooling; declined as out of the program's scope.",
    ),
    (
        "initech-hsm-systems",
        "Initech PKI Automation",
        "runtime",
        Stage.DELISTED,
        260,
        "Automates certificate issuance from Vault PKI.",
        "Requests and renews certificates from Vault's PKI engine with AppRole.",
    ),
    (
        "globex-cloud",
        "Globex Vault Agent Injector",
        "runtime",
        Stage.SUPPORT,
        180,
        "Injects Vault secrets into Globex workloads.",
        "A sidecar that logs in with AppRole and renders secrets from KV and PKI into files.",
    ),
    (
        "initech-hsm-systems",
        "Kubernetes Secrets Sync Operator",
        "runtime",
        Stage.ENGAGE,
        1,
        "Syncs Vault secrets into Kubernetes.",
        "An operator that reads secrets from Vault with the Kubernetes auth method and writes "
        "them to Kubernetes secrets, per namespace.",
    ),
]

OFF_TRACK_FROM = {
    Stage.WITHDRAWN: Stage.DEVELOP,
    Stage.REJECTED: Stage.ENABLE,
    Stage.DELISTED: Stage.SUPPORT,
}
NOTES = {
    Stage.WITHDRAWN: "The partner stopped work on this integration.",
    Stage.REJECTED: "Out of the program's scope.",
    Stage.DELISTED: "Critical support issues went unresolved.",
}


def _path_to(stage: Stage) -> list[Stage]:
    """The stages an integration passed through to reach `stage`."""
    last = OFF_TRACK_FROM.get(stage, stage)
    path = PIPELINE[: PIPELINE.index(last) + 1]
    return [*path, stage] if stage in OFF_TRACK_FROM else path


class Command(BaseCommand):
    help = "Load demo partners, integrations and accounts (idempotent), and print the logins."

    @transaction.atomic
    def handle(self, *args, **options):
        if Partner.objects.filter(slug="acme-security").exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            self._load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self._print_accounts()

    def _load(self) -> None:
        now = timezone.now()
        partners = {}
        for name, website, zone, country, subdivision in PARTNERS:
            partner = Partner.objects.create(
                name=name,
                slug=name.lower().replace(" ", "-"),
                website=website,
                support_url=f"{website}/support",
                support_timezone=zone,
                support_country=country,
                support_subdivision=subdivision,
                created_at=now - timedelta(days=320),
            )
            partners[partner.slug] = partner
        users = self._accounts(partners)
        reviewer = users["reviewer@vip.example"]
        owners = {
            "acme-security": users["owner@acme.example"],
            "globex-cloud": self._user("owner@globex.example"),
            "initech-hsm-systems": self._user("owner@initech.example"),
        }
        for slug, user in owners.items():
            Membership.objects.get_or_create(partner=partners[slug], user=user, role="owner")
        partners["acme-security"].mnda_signed_at = (now - timedelta(days=190)).date()
        partners["acme-security"].agreement_executed_at = (now - timedelta(days=100)).date()
        partners["acme-security"].save()

        created = []
        for slug, name, category, stage, age, summary, description in INTEGRATIONS:
            created.append(
                self._integration(
                    partners[slug],
                    owners[slug],
                    reviewer,
                    name,
                    category,
                    stage,
                    age,
                    summary,
                    description,
                )
            )
        for integration in created:
            if integration.stage == Stage.ENGAGE:  # overlaps are looked for at intake
                overlaps_refresh(integration=integration)
        self._support_issues({i.name: i for i in created}, owners, partners)
        self._badges({i.name: i for i in created}, users["admin@vip.example"], reviewer)

    def _support_issues(self, integrations, owners, partners) -> None:
        """Support issues made through the support services at past times, then swept: one
        waiting on its reporter (paused), one reopened within 14 days (the same clock), one
        past its due time (breached)."""
        now = timezone.now()
        hours = lambda n: timedelta(hours=n)  # noqa: E731
        desk = self._user("support@acme.example")  # Acme's support desk logs customers' issues
        Membership.objects.get_or_create(
            partner=partners["acme-security"], user=desk, role="member"
        )
        acme_owner, sync = owners["acme-security"], integrations["Acme Secrets Sync for Kubernetes"]

        paused = support.issue_open(
            integration=sync,
            actor=desk,
            data={
                "title": "Secrets of namespaces with a dash are not synced",
                "description": "A customer reports that secrets under team-a/ never reach the "
                "pods; team_b/ works.",
                "severity": "normal",
            },
            now=now - hours(30),
        )
        support.issue_update(
            issue=paused,
            actor=acme_owner,
            data={
                "status": "waiting_on_reporter",
                "comment": "Could you ask the customer for the operator's log at debug level "
                "and the exact namespace names?",
            },
            now=now - hours(6),
        )

        reopened = support.issue_open(
            integration=sync,
            actor=desk,
            data={
                "title": "Certificates are renewed too late",
                "description": "PKI certificates are renewed after they expire when the role's "
                "TTL is under an hour.",
                "severity": "critical",
            },
            now=now - hours(30),
        )
        support.issue_update(
            issue=reopened,
            actor=acme_owner,
            data={
                "status": "resolved",
                "comment": "Fixed in 2.3.1: renewal at two thirds of the TTL.",
            },
            now=now - hours(20),
        )
        support.issue_update(
            issue=reopened,
            actor=desk,
            data={
                "status": "open",
                "comment": "Still happens with 2.3.1 when the TTL is 5 minutes.",
            },
            now=now - hours(2),
        )

        hsm = integrations["Initech Luna HSM Bridge"]
        breached = support.issue_open(
            integration=hsm,
            actor=owners["initech-hsm-systems"],
            data={
                "title": "Seal wrapping fails after a partition failover",
                "description": "After the HSM cluster fails over, Vault logs “CKR_SESSION_HANDLE_"
                "INVALID” and seal-wrapped writes fail.",
                "severity": "normal",
            },
            now=now - timedelta(days=14),
        )
        support.issue_comment(
            issue=breached,
            actor=owners["initech-hsm-systems"],
            body="We can reproduce it in the lab; a fix needs a firmware update.",
            now=now - timedelta(days=12),
        )
        sla_sweep(now=now)  # the warnings and breaches due by now, at their computed times

    def _integration(
        self, partner, owner, reviewer, name, category, stage, age, summary, description
    ) -> Integration:
        now = timezone.now()
        opened = now - timedelta(days=age)
        path = _path_to(stage)
        step = timedelta(days=age / (len(path) + 1))
        listed = stage in (Stage.RELEASE, Stage.SUPPORT, Stage.DELISTED)
        integration = Integration.objects.create(
            partner=partner,
            name=name,
            category=category,
            summary=summary,
            description=description,
            vault_editions=["vault_community", "vault_enterprise", "hcp_vault"],
            auth_methods=["approle", "kubernetes"] if category != "hsm" else ["cert"],
            namespace_support=True,
            repository_url=f"https://github.com/{partner.slug}/{name.lower().replace(' ', '-')}",
            docs_url=f"{partner.website}/docs/{name.lower().replace(' ', '-')}",
            contact_email=owner.email,
            stage=stage,
            stage_changed_at=opened + step * (len(path) - 1),
            demo_done_at=(opened + step * 3).date() if listed else None,
            plugin_portal_url=(
                f"https://developer.hashicorp.com/vault/integrations/{partner.slug}"
                if listed and category in ("auth_method", "secrets_engine")
                else ""
            ),
            assignee=reviewer if stage == Stage.REVIEW else None,
            created_by=owner,
            created_at=opened,
        )
        previous = ""
        for index, reached in enumerate(path):
            StageTransition.objects.create(
                integration=integration,
                from_stage=previous,
                to_stage=reached,
                actor=owner if reached in (Stage.ENGAGE, Stage.DEVELOP, Stage.REVIEW) else reviewer,
                at=opened + step * index,
                note="Intake webform submitted." if index == 0 else NOTES.get(reached, ""),
            )
            previous = reached
        return integration

    # --- Evidence and badges: every status, every status reason ---------------------------

    def _badges(self, integrations: dict[str, Integration], admin, reviewer) -> None:
        """Targets (no credentials: the demo cannot reach them), recorded runs and badges, as
        the facts make them (badges.services.suspension_reason), one badge per status reason:
        - Acme Secrets Sync: HCP Vault Verified active; Vault Enterprise Verified revoked;
        - Globex Identity Auth Method: suspended, its last two re-verifications failed;
        - Initech Luna HSM Bridge: suspended, its support standing is failing;
        - Initech PKI Automation: suspended, delisted;
        - Globex Vault Agent Injector: suspended, its evidence target was deleted."""
        now = timezone.now()
        day = timedelta(days=1)

        def evidence(name, kind, edition, features, *, passed_days_ago, failures=()):
            integration = integrations[name]
            target = self._target(integration, kind)
            run = self._run(
                target, RunStatus.PASSED, edition, features, now - passed_days_ago * day
            )
            for days_ago in failures:
                self._run(
                    target,
                    RunStatus.FAILED,
                    edition,
                    features,
                    now - days_ago * day,
                    reason="auth.login: invalid role or secret ID",
                )
            return integration, run

        acme, acme_run = evidence(
            "Acme Secrets Sync for Kubernetes",
            TargetKind.HCP,
            Edition.HCP,
            ["namespaces"],
            passed_days_ago=6,
        )
        self._badge(acme, BadgeKind.HCP_VAULT_VERIFIED, acme_run, admin, now - 40 * day)
        earlier = self._run(
            acme_run.target, RunStatus.PASSED, Edition.HCP, ["namespaces"], now - 95 * day
        )
        revoked = self._badge(
            acme, BadgeKind.VAULT_ENTERPRISE_VERIFIED, earlier, admin, now - 90 * day
        )
        revoked.status, revoked.revoked_at, revoked.revoked_by = (
            BadgeStatus.REVOKED,
            now - 30 * day,
            admin,
        )
        revoked.revocation_reason = "Shown on a product page the program did not verify."
        revoked.save()
        BadgeEvent.objects.create(
            badge=revoked,
            action=BadgeEvent.Action.REVOKED,
            actor=admin,
            reason=revoked.revocation_reason,
            at=revoked.revoked_at,
        )

        globex, globex_run = evidence(
            "Globex Identity Auth Method",
            TargetKind.ENTERPRISE,
            Edition.ENTERPRISE,
            ["namespaces"],
            passed_days_ago=70,
            failures=(40, 10),
        )
        self._suspended(
            self._badge(
                globex, BadgeKind.VAULT_ENTERPRISE_VERIFIED, globex_run, admin, now - 69 * day
            ),
            StatusReason.REVERIFICATION_FAILED,
            "The evidence target's last two verifications did not pass. Latest: auth.login: "
            "invalid role or secret ID",
        )

        luna, luna_run = evidence(
            "Initech Luna HSM Bridge",
            TargetKind.ENTERPRISE,
            Edition.ENTERPRISE,
            ["hsm_seal"],
            passed_days_ago=20,
        )
        reason = "3 SLA breaches in the last 90 days."
        StandingRecord.objects.update_or_create(
            integration=luna, defaults={"standing": Standing.FAILING, "reason": reason}
        )
        self._suspended(
            self._badge(luna, BadgeKind.VAULT_ENTERPRISE_VERIFIED, luna_run, admin, now - 60 * day),
            StatusReason.SUPPORT_FAILING,
            f"Support standing is failing: {reason}",
        )

        pki, pki_run = evidence(
            "Initech PKI Automation",
            TargetKind.HCP,
            Edition.HCP,
            ["namespaces"],
            passed_days_ago=50,
        )
        self._suspended(
            self._badge(pki, BadgeKind.HCP_VAULT_VERIFIED, pki_run, admin, now - 120 * day),
            StatusReason.NOT_LISTED,
            "The integration is no longer listed (delisted).",
        )

        agent, agent_run = evidence(
            "Globex Vault Agent Injector",
            TargetKind.HCP,
            Edition.HCP,
            ["namespaces"],
            passed_days_ago=15,
        )
        self._suspended(
            self._badge(agent, BadgeKind.HCP_VAULT_VERIFIED, agent_run, admin, now - 14 * day),
            StatusReason.EVIDENCE_ARCHIVED,
            "The evidence target was deleted; the badge waits for a passing run of the "
            "integration's evidence target.",
        )
        VerificationTarget.objects.filter(pk=agent_run.target_id).update(
            archived_at=now - 2 * day, primary=False
        )
        StageTransition.objects.create(
            integration=agent,
            field=EVIDENCE_FIELD,
            from_value=f"{agent_run.target.name} (target {agent_run.target_id})",
            to_value=None,
            actor=agent.created_by,
            at=now - 2 * day,
            note=f"The evidence target “{agent_run.target.name}” was deleted.",
        )
        # A change of what the review verified, made by staff after review, in the history.
        kms = integrations["Acme KMS Connector"]
        StageTransition.objects.create(
            integration=kms,
            field="auth_methods",  # one of REVIEWED_FIELDS
            from_value=kms.auth_methods,
            to_value=["approle", "cert"],
            actor=reviewer,
            at=now - 5 * day,
            note="TLS certificates replace Kubernetes, as demonstrated.",
        )
        Integration.objects.filter(pk=kms.pk).update(auth_methods=["approle", "cert"])

    def _target(self, integration: Integration, kind: str) -> VerificationTarget:
        host = integration.partner.slug
        hcp = kind == TargetKind.HCP
        return VerificationTarget.objects.create(
            integration=integration,
            name="HCP production-like cluster" if hcp else "Enterprise test cluster",
            kind=kind,
            url=f"https://{host}.vault.hashicorp.cloud:8200"
            if hcp
            else f"https://vault.{host}.example:8200",
            namespace="admin/demo" if hcp else "demo",
            auth_method="approle",
            auth_mount_path="approle",
            secret_mounts=[{"path": "apps-kv", "type": "kv-v2", "writable_prefix": "vip"}],
            created_by=integration.created_by,
            created_at=integration.created_at,
            primary=True,
        )

    def _run(self, target, status, edition, features, finished, reason=""):
        run = VerificationRun.objects.create(
            integration=target.integration,
            target=target,
            status=status,
            purpose=RunPurpose.REVERIFICATION
            if status == RunStatus.FAILED
            else RunPurpose.REQUESTED,
            reason=reason,
            attempt=1,
            detected_version="1.19.5+ent",
            detected_edition=edition,
            queued_at=finished - timedelta(seconds=3),
            started_at=finished - timedelta(seconds=2),
            finished_at=finished,
        )
        login = CheckStatus.FAILED if status == RunStatus.FAILED else CheckStatus.PASSED
        checks = [
            (
                "server.health",
                "Server reachable, initialised and unsealed",
                True,
                CheckStatus.PASSED,
                {},
            ),
            ("server.tls", "HTTPS with a verified certificate chain", True, CheckStatus.PASSED, {}),
            ("auth.login", "The app logs in", True, login, {}),
            (
                "secrets.kv-v2",
                "KV version 2 round-trip",
                True,
                CheckStatus.PASSED if login == CheckStatus.PASSED else CheckStatus.SKIPPED,
                {},
            ),
            (
                "enterprise.features",
                "Enterprise features exercised",
                False,
                CheckStatus.PASSED,
                {"features": features},
            ),
        ]
        for position, (check_id, title, required, result, details) in enumerate(checks, 1):
            CheckResult.objects.create(
                run=run,
                position=position,
                check_id=check_id,
                title=title,
                required=required,
                status=result,
                message=reason if result == CheckStatus.FAILED else "",
                details=details,
            )
        return run

    def _badge(self, integration, kind, run, admin, issued_at) -> Badge:
        badge = Badge.objects.create(
            integration=integration,
            kind=kind,
            run=run,
            issued_by=admin,
            issued_at=issued_at,
            verified_at=run.finished_at,
        )
        BadgeEvent.objects.create(
            badge=badge, action=BadgeEvent.Action.ISSUED, actor=admin, run=run, at=issued_at
        )
        return badge

    def _suspended(self, badge: Badge, reason: str, words: str) -> None:
        badge.status, badge.suspended_at = BadgeStatus.SUSPENDED, timezone.now()
        badge.status_reason, badge.suspension_reason = reason, words
        badge.save()
        BadgeEvent.objects.create(badge=badge, action=BadgeEvent.Action.SUSPENDED, reason=words)

    def _user(self, email: str) -> User:
        user, created = User.objects.get_or_create(email=email)
        if created:
            user.set_password(PASSWORD)
            user.save()
        return user

    def _accounts(self, partners: dict[str, Partner]) -> dict[str, User]:
        users = {}
        for email, _label, slug, role, group in ACCOUNTS:
            user = self._user(email)
            if slug:
                Membership.objects.get_or_create(partner=partners[slug], user=user, role=role)
            if group:
                user.groups.add(Group.objects.get_or_create(name=group)[0])
                user.is_staff = group == ADMINS
                user.save()
            users[email] = user
        return users

    def _print_accounts(self) -> None:
        self.stdout.write(f"\nDemo accounts (password for all: {PASSWORD}):")
        for email, label, *_ in ACCOUNTS:
            self.stdout.write(f"  {label:32} {email}")
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.\n")
