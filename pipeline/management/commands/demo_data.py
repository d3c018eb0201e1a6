"""Demo data for `make demo`: three partners, a dozen integrations over every stage with their
history and what each stage needs (the checklist items a stage requires are done: review
rounds, a target with credentials and runs, demo and agreement for the released ones), twelve
weeks of recorded verification runs (passed, failed, error) on simulated platforms, badges in
every status and for every status reason as the facts make them, support issues open, warned,
paused, reopened, breached and resolved with their SLA clocks, an intake whose overlaps wait
for staff, and one account per role. Safe to run again: existing demo data is left alone."""

import base64
import logging
import os
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import EmailState, Membership, Notification, User
from accounts.roles import ADMINS, REVIEWERS
from badges.models import Badge, BadgeEvent, BadgeKind, BadgeStatus
from badges.services import badges_refresh
from config.celery_app import app as celery_app
from integrations.models import (
    PIPELINE,
    STAGE_FIELD,
    Integration,
    Partner,
    Stage,
    StageTransition,
)
from integrations.services import overlaps_refresh
from pipeline.metrics import PASS_RATE_WEEKS
from reviews.management.commands.demo_vault import DEMO_NAMESPACE, DEMO_TARGETS
from reviews.models import (
    CheckResult,
    CheckStatus,
    FeedbackItem,
    FeedbackReply,
    ReviewRound,
    RunPurpose,
    RunStatus,
    TargetKind,
    VerificationRun,
    VerificationTarget,
)
from reviews.selectors import verification_pass_rate
from reviews.services import EVIDENCE_FIELD
from reviews.verification.registry import CATALOGUE, WITHOUT_TOKEN
from support_sla import services as support
from support_sla.standing import standing_refresh
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


# --- Evidence: recorded targets and runs ----------------------------------------------------
# Every recorded run is on a simulated platform (VIP_SIMULATED_PLATFORMS in the demo's
# settings: pages say so), never on OpenBao: the demo's only OpenBao runs are real ones, made
# by demo_vault against its own server.
HCP, ENTERPRISE = TargetKind.HCP, TargetKind.ENTERPRISE
DETECTED_VERSION = "1.19.5+ent"
PASSED, FAILED, ERROR = RunStatus.PASSED, RunStatus.FAILED, RunStatus.ERROR
REQUESTED, REVERIFICATION = RunPurpose.REQUESTED, RunPurpose.REVERIFICATION
LOGIN_REFUSED = "auth.login: invalid role or secret ID"
UNREACHABLE = "server.health: the server did not answer within 10 seconds (connect timeout)"
NOT_A_LOGIN_METHOD = (
    "auth.non_token_method: the app logs in with a token; declare AppRole, JWT/OIDC, TLS "
    "certificates, userpass or Kubernetes"
)
# integration → its recorded targets: (name, kind, evidence target?, auth method), then its
# runs on the first one: (days ago, status, purpose). The badges' evidence fits their rules:
# a pass before each stage move that needs one, badges issued after release, a
# re-verification at most 30 days old for every live badge (so none is due when the demo
# starts), and the last two verdicts that make each badge what it is.
TARGETS = {
    "Acme Secrets Sync for Kubernetes": [("HCP production-like cluster", HCP, True, "approle")],
    "Acme Audit Stream": [("Enterprise test cluster", ENTERPRISE, True, "approle")],
    "Globex Identity Auth Method": [("Enterprise test cluster", ENTERPRISE, True, "approle")],
    "Globex Database Secrets Engine": [("Enterprise test cluster", ENTERPRISE, True, "approle")],
    "Globex Legacy Token Tool": [("Enterprise test cluster", ENTERPRISE, True, "token")],
    "Globex Vault Agent Injector": [
        ("HCP production-like cluster", HCP, True, "approle"),  # deleted two days ago
        ("HCP cluster in the new region", HCP, False, "approle"),  # added five days ago
    ],
    "Initech Luna HSM Bridge": [("Enterprise test cluster", ENTERPRISE, True, "cert")],
    "Initech PKI Automation": [("HCP production-like cluster", HCP, True, "approle")],
    # Its evidence target is the demo's own OpenBao (demo_vault); this one is simulated.
    "Acme KMS Connector": [("HCP Vault staging (simulated)", HCP, False, "approle")],
}
RUNS = {
    "Acme Secrets Sync for Kubernetes": [
        (130, FAILED, REQUESTED),
        (125, PASSED, REQUESTED),
        (100, ERROR, REQUESTED),
        (95, PASSED, REQUESTED),
        (88, PASSED, REQUESTED),  # the revoked Vault Enterprise Verified badge's evidence
        (50, PASSED, REVERIFICATION),
        (20, FAILED, REVERIFICATION),
        (19, PASSED, REQUESTED),
        (6, PASSED, REQUESTED),  # the active HCP Vault Verified badge's evidence
    ],
    "Acme Audit Stream": [(20, ERROR, REQUESTED), (13, FAILED, REQUESTED), (5, FAILED, REQUESTED)],
    "Globex Identity Auth Method": [
        (84, FAILED, REQUESTED),
        (78, PASSED, REQUESTED),
        (55, PASSED, REQUESTED),  # its badge's evidence
        (15, FAILED, REVERIFICATION),
        (8, FAILED, REQUESTED),  # the partner's own run counts: two failures in a row
    ],
    "Globex Database Secrets Engine": [
        (27, FAILED, REQUESTED),
        (17, ERROR, REQUESTED),
        (9, PASSED, REQUESTED),
        (2, FAILED, REQUESTED),
    ],
    "Globex Legacy Token Tool": [(70, FAILED, REQUESTED), (60, FAILED, REQUESTED)],
    "Globex Vault Agent Injector": [
        (110, FAILED, REQUESTED),
        (105, PASSED, REQUESTED),
        (85, PASSED, REQUESTED),
        (40, PASSED, REVERIFICATION),
        (12, PASSED, REVERIFICATION),  # its badge's evidence, on the target deleted since
    ],
    "Initech Luna HSM Bridge": [
        (180, FAILED, REQUESTED),
        (175, PASSED, REQUESTED),
        (140, PASSED, REQUESTED),
        (90, PASSED, REVERIFICATION),
        (60, ERROR, REVERIFICATION),
        (59, PASSED, REQUESTED),
        (24, PASSED, REVERIFICATION),  # its badge's evidence
    ],
    "Initech PKI Automation": [
        (170, PASSED, REQUESTED),
        (140, PASSED, REQUESTED),
        (95, PASSED, REVERIFICATION),
        (64, PASSED, REVERIFICATION),
        (26, PASSED, REVERIFICATION),  # its badge's evidence
    ],
}
# The new target of the Agent Injector, which staff have not made its evidence target yet.
SECOND_TARGET_RUNS = {
    "Globex Vault Agent Injector": [(4, FAILED, REQUESTED), (3, PASSED, REQUESTED)]
}
AUTH_METHODS = {"Globex Legacy Token Tool": ["token"]}  # why it never reached review
FEATURES = {"Initech Luna HSM Bridge": ["hsm_seal"]}  # the others exercised namespaces
# Checks of the category's plugin, audit or seal (DESIGN.md §4, "Required checks decide").
CATEGORY_CHECKS = {
    "auth_method": ["plugin.registered", "plugin.mounted", "plugin.exercised"],
    "secrets_engine": ["plugin.registered", "plugin.mounted", "plugin.exercised"],
    "audit": ["audit.device"],
    "hsm": ["seal.hsm"],
}
TITLES = {check.id: check.title for check in CATALOGUE}
SKIPPED_BECAUSE = {
    ERROR: "Not run: the server did not answer.",
    "approle": "Not run: the app did not log in, so there is no token to check with.",
    "cert": "Not run: the app did not log in, so there is no token to check with.",
    "token": "Not run: a token the partner handed over is never revoked.",
}


class Command(BaseCommand):
    help = "Load demo partners, integrations and accounts (idempotent), and print the logins."

    def handle(self, *args, **options):
        if Partner.objects.filter(slug="acme-security").exists():
            self.stdout.write("Demo data is already loaded.")
        else:
            with _notifications_as_history():
                self._load()
            self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self._print_accounts()

    @transaction.atomic
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
                # Each partner with released work signed the MNDA and the partner agreement.
                mnda_signed_at=(now - timedelta(days=310)).date(),
                agreement_executed_at=(now - timedelta(days=305)).date(),
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
        acme = partners["acme-security"]
        acme.mnda_signed_at = (now - timedelta(days=190)).date()
        acme.agreement_executed_at = (now - timedelta(days=100)).date()
        acme.save()

        created = {}
        for slug, name, category, stage, age, summary, description in INTEGRATIONS:
            created[name] = self._integration(
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
        for integration in created.values():
            if integration.stage == Stage.ENGAGE:  # overlaps are looked for at intake
                overlaps_refresh(integration=integration)  # and wait for staff to acknowledge
        self._reviews(created, reviewer)
        self._evidence(created)
        self._badges(created, users["admin@vip.example"])
        self._support_issues(created, owners, partners, reviewer)
        for integration in created.values():  # each badge as the facts now make it
            if integration.badges.exists():
                badges_refresh(integration=integration)

    def _integration(
        self, partner, owner, reviewer, name, category, stage, age, summary, description
    ) -> Integration:
        now = timezone.now()
        opened = now - timedelta(days=age)
        path = _path_to(stage)
        step = timedelta(days=age / (len(path) + 1))
        listed = Stage.RELEASE in path
        integration = Integration.objects.create(
            partner=partner,
            name=name,
            category=category,
            summary=summary,
            description=description,
            vault_editions=["vault_community", "vault_enterprise", "hcp_vault"],
            auth_methods=AUTH_METHODS.get(
                name, ["cert"] if category == "hsm" else ["approle", "kubernetes"]
            ),
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

    # --- Review rounds ---------------------------------------------------------------------

    def _reviews(self, integrations: dict[str, Integration], reviewer) -> None:
        """Every integration that reached release passed a review: an approved round whose
        blocking feedback the partner answered and staff resolved. The one in review has an
        open round waiting on the partner."""
        for integration in integrations.values():
            reached = dict(
                integration.history.filter(field=STAGE_FIELD).values_list("to_stage", "at")
            )
            if Stage.RELEASE in reached:
                round_ = ReviewRound.objects.create(
                    integration=integration,
                    status=ReviewRound.Status.APPROVED,
                    summary="First review: documentation, policy and the verification runs.",
                    opened_by=reviewer,
                    opened_at=reached[Stage.REVIEW] + timedelta(days=1),
                    decision_summary="Verified, documented and demonstrated.",
                    decided_by=reviewer,
                    decided_at=reached[Stage.RELEASE] - timedelta(hours=2),
                )
                self._feedback(
                    round_,
                    reviewer,
                    "Document the minimal Vault policy the integration needs.",
                    reply="Added to the docs, with one policy per secrets engine.",
                    resolved=True,
                )
            elif integration.stage == Stage.REVIEW:
                round_ = ReviewRound.objects.create(
                    integration=integration,
                    summary="First review of the Transit integration.",
                    opened_by=reviewer,
                    opened_at=reached[Stage.REVIEW] + timedelta(days=2),
                )
                self._feedback(
                    round_,
                    reviewer,
                    "The docs name the mount `transit/`; let users choose the mount path.",
                    reply="Fixed in 1.4: the mount path is a setting now.",
                    resolved=True,
                )
                self._feedback(
                    round_,
                    reviewer,
                    "Token renewal: the app keeps using its token after the max TTL. Log in "
                    "again before it expires.",
                    reply="We are on it; a fix ships next week.",
                    resolved=False,
                )

    def _feedback(self, round_, reviewer, body, *, reply, resolved) -> None:
        at = round_.opened_at + timedelta(hours=1)
        item = FeedbackItem.objects.create(
            round=round_,
            body=body,
            blocking=True,
            author=reviewer,
            created_at=at,
            resolved_at=at + timedelta(days=2) if resolved else None,
            resolved_by=reviewer if resolved else None,
        )
        FeedbackReply.objects.create(
            item=item,
            author=round_.integration.created_by,
            body=reply,
            created_at=at + timedelta(days=1),
        )

    # --- Targets and runs: twelve weeks of verdicts ----------------------------------------

    def _evidence(self, integrations: dict[str, Integration]) -> None:
        now = timezone.now()
        kms = integrations["Acme KMS Connector"]
        # Its evidence target: the demo cluster demo_vault serves (and runs) at every start.
        self._target(
            kms,
            DEMO_TARGETS["Acme KMS Connector"][0],
            TargetKind.OPENBAO,
            primary=True,
            url=settings.VIP_VAULT_ADDR or "http://127.0.0.1:8200",
            namespace=DEMO_NAMESPACE,
        )
        for name, specs in TARGETS.items():
            integration = integrations[name]
            targets = [
                self._target(integration, target_name, kind, primary=primary, auth=auth)
                for target_name, kind, primary, auth in specs
            ]
            if name in SECOND_TARGET_RUNS:  # the partner's new cluster, added five days ago
                VerificationTarget.objects.filter(pk=targets[1].pk).update(
                    created_at=now - timedelta(days=5)
                )
            for days_ago, status, purpose in RUNS.get(name, []):
                self._run(targets[0], status, now - timedelta(days=days_ago), purpose=purpose)
            for days_ago, status, purpose in SECOND_TARGET_RUNS.get(name, []):
                self._run(targets[1], status, now - timedelta(days=days_ago), purpose=purpose)
        # Every one of the program page's twelve weeks has verdicts: KMS's simulated staging
        # cluster ran in the weeks the others did not.
        staging = kms.targets.get(kind=HCP)
        statuses = [FAILED, PASSED, ERROR, PASSED]
        for index, week in enumerate(verification_pass_rate(weeks=PASS_RATE_WEEKS, now=now)):
            if not week.finished:
                start = datetime.combine(week.week_start, time.min, tzinfo=UTC)
                self._run(staging, statuses[index % 4], min(start + timedelta(days=2), now))

    def _target(
        self,
        integration: Integration,
        name: str,
        kind: str,
        *,
        primary: bool,
        auth: str = "approle",
        url: str = "",
        namespace: str = "",
    ) -> VerificationTarget:
        host = integration.partner.slug
        hcp = kind == TargetKind.HCP
        created = integration.history.filter(field=STAGE_FIELD, to_stage=Stage.DEVELOP)
        return VerificationTarget.objects.create(
            integration=integration,
            name=name,
            kind=kind,
            url=url
            or (
                f"https://{host}.vault.hashicorp.cloud:8200"
                if hcp
                else f"https://vault.{host}.example:8200"
            ),
            namespace=namespace or ("admin/demo" if hcp else "demo"),
            auth_method=auth,
            auth_mount_path="" if auth == "token" else auth,
            # Credentials the partner gave in an earlier session of the demo: its in-memory
            # Vault and Transit key are gone, so a run started here asks for them again
            # ("The stored credentials could not be read"). demo_vault re-encrypts its own.
            credentials_ciphertext=f"vault:v1:{base64.b64encode(os.urandom(48)).decode()}",
            secret_mounts=[{"path": "apps-kv", "type": "kv-v2", "writable_prefix": "vip"}],
            created_by=integration.created_by,
            created_at=created.values_list("at", flat=True).first() or integration.created_at,
            primary=primary,
        )

    def _run(self, target, status, finished, *, purpose=REQUESTED) -> VerificationRun:
        """A recorded run, its checks as the catalogue would select them for the category."""
        integration = target.integration
        token_only = target.auth_method == "token"
        reason = {
            PASSED: "",
            FAILED: NOT_A_LOGIN_METHOD if token_only else LOGIN_REFUSED,
            ERROR: UNREACHABLE,
        }[status]
        run = VerificationRun.objects.create(
            integration=integration,
            target=target,
            status=status,
            purpose=purpose,
            reason=reason,
            requested_by=integration.created_by if purpose == REQUESTED else None,
            attempt=1,
            detected_version="" if status == ERROR else DETECTED_VERSION,
            detected_edition="" if status == ERROR else target.kind,
            queued_at=finished - timedelta(seconds=3),
            started_at=finished - timedelta(seconds=2),
            finished_at=finished,
        )
        features = FEATURES.get(integration.name, ["namespaces"])
        required = [
            "server.health",
            "server.edition",
            "server.tls",
            *(
                ["auth.non_token_method"]
                if integration.category in ("runtime", "auth_method")
                else []
            ),
            "auth.login",
            "namespace.access",
            "auth.short_lived_token",
            "auth.least_privilege",
            "secrets.kv-v2",
            *CATEGORY_CHECKS.get(integration.category, []),
        ]
        results = []
        for check_id in [*required, "enterprise.features", "token.revoke"]:
            if status == ERROR:
                outcome = CheckStatus.ERROR if check_id == "server.health" else CheckStatus.SKIPPED
            elif status == FAILED and reason.startswith(f"{check_id}:"):
                outcome = CheckStatus.FAILED
            elif status == FAILED and check_id not in WITHOUT_TOKEN and not token_only:
                outcome = CheckStatus.SKIPPED  # no token after the failed login
            elif token_only and check_id == "token.revoke":
                outcome = CheckStatus.SKIPPED
            else:
                outcome = CheckStatus.PASSED
            message = ""
            if outcome in (CheckStatus.FAILED, CheckStatus.ERROR):
                message = reason.split(": ", 1)[1]
            elif outcome == CheckStatus.SKIPPED:
                message = SKIPPED_BECAUSE[ERROR if status == ERROR else target.auth_method]
            details = {}
            if check_id == "enterprise.features":
                details = {"features": features if status == PASSED else []}
            results.append(
                CheckResult(
                    run=run,
                    position=len(results) + 1,
                    check_id=check_id,
                    title=TITLES[check_id],
                    subject="apps-kv" if check_id == "secrets.kv-v2" else "",
                    required=check_id in required,
                    status=outcome,
                    message=message,
                    duration_ms=12,
                    details=details,
                )
            )
        CheckResult.objects.bulk_create(results)
        return run

    # --- Badges: every status, every status reason -----------------------------------------

    def _badges(self, integrations: dict[str, Integration], admin) -> None:
        """Badges issued after release on their evidence (the latest pass of the evidence
        target), one revoked by hand; `_load` then lets the facts decide the others
        (badges.services.badges_refresh), one per status reason:
        - Acme Secrets Sync: HCP Vault Verified active; Vault Enterprise Verified revoked;
        - Globex Identity Auth Method: suspended, its last two verifications failed;
        - Initech Luna HSM Bridge: suspended, its support standing is failing (3 breaches);
        - Initech PKI Automation: suspended, delisted;
        - Globex Vault Agent Injector: suspended, its evidence target was deleted (the
          partner's new cluster waits for staff to make it the evidence target)."""
        now = timezone.now()
        day = timedelta(days=1)

        acme = integrations["Acme Secrets Sync for Kubernetes"]
        self._badge(acme, BadgeKind.HCP_VAULT_VERIFIED, admin, now - 40 * day)
        revoked = self._badge(
            acme, BadgeKind.VAULT_ENTERPRISE_VERIFIED, admin, now - 80 * day, until=now - 30 * day
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
        issued = [
            ("Globex Identity Auth Method", BadgeKind.VAULT_ENTERPRISE_VERIFIED, 45),
            ("Initech Luna HSM Bridge", BadgeKind.VAULT_ENTERPRISE_VERIFIED, 120),
            ("Initech PKI Automation", BadgeKind.HCP_VAULT_VERIFIED, 125),
            ("Globex Vault Agent Injector", BadgeKind.HCP_VAULT_VERIFIED, 70),
        ]
        for name, kind, days_ago in issued:
            self._badge(integrations[name], kind, admin, now - days_ago * day)

        agent = integrations["Globex Vault Agent Injector"]
        deleted = agent.targets.get(primary=True)
        VerificationTarget.objects.filter(pk=deleted.pk).update(
            archived_at=now - 2 * day, primary=False, credentials_ciphertext=""
        )
        StageTransition.objects.create(
            integration=agent,
            field=EVIDENCE_FIELD,
            from_value=f"{deleted.name} (target {deleted.pk})",
            to_value=None,
            actor=agent.created_by,
            at=now - 2 * day,
            note=f"The evidence target “{deleted.name}” was deleted.",
        )
        # A change of what the review verified, made by staff after review, in the history.
        kms = integrations["Acme KMS Connector"]
        StageTransition.objects.create(
            integration=kms,
            field="auth_methods",  # one of REVIEWED_FIELDS
            from_value=kms.auth_methods,
            to_value=["approle", "cert"],
            actor=kms.assignee,
            at=now - 5 * day,
            note="TLS certificates replace Kubernetes, as demonstrated.",
        )
        Integration.objects.filter(pk=kms.pk).update(auth_methods=["approle", "cert"])

    def _badge(self, integration, kind, admin, issued_at, *, until=None) -> Badge:
        """Issued at `issued_at` on the evidence target's latest pass then, and renewed by each
        later pass (until `until`), as badges.services.badges_refresh renews live badges."""
        passes = integration.runs.filter(target__primary=True, status=PASSED).order_by(
            "finished_at"
        )
        run = passes.filter(finished_at__lt=issued_at).last()
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
        for later in passes.filter(
            finished_at__gt=issued_at, finished_at__lt=until or timezone.now()
        ):
            badge.run, badge.verified_at = later, later.finished_at
            BadgeEvent.objects.create(
                badge=badge, action=BadgeEvent.Action.REVERIFIED, run=later, at=later.finished_at
            )
        badge.save()
        return badge

    # --- Support issues: open, warned, paused, breached, resolved -------------------------

    def _support_issues(self, integrations, owners, partners, reviewer) -> None:
        """Support issues made through the support services at past times, then swept (the
        warnings, breaches and escalations due by now, at their computed times): one open, one
        warned, one waiting on its reporter (paused), one reopened within 14 days (the same
        clock), breached ones (Luna's three make its support standing failing; PKI's critical
        one, still open, is why it was delisted) and resolved ones in time."""
        now = timezone.now()
        hours = lambda n: timedelta(hours=n)  # noqa: E731
        days = lambda n: timedelta(days=n)  # noqa: E731
        desk = self._user("support@acme.example")  # Acme's support desk logs customers' issues
        Membership.objects.get_or_create(
            partner=partners["acme-security"], user=desk, role="member"
        )
        acme_owner, sync = owners["acme-security"], integrations["Acme Secrets Sync for Kubernetes"]
        globex_owner, initech_owner = owners["globex-cloud"], owners["initech-hsm-systems"]

        def issue(integration, actor, title, description, severity, opened, *updates):
            """Open an issue at `opened`, then apply each (actor, data, at)."""
            made = support.issue_open(
                integration=integration,
                actor=actor,
                data={"title": title, "description": description, "severity": severity},
                now=opened,
            )
            for who, data, at in updates:
                support.issue_update(issue=made, actor=who, data=data, now=at)
            return made

        resolved = lambda actor, at, comment: (  # noqa: E731
            actor,
            {"status": "resolved", "comment": comment},
            at,
        )
        # Resolved in time (the SLA charts' "met").
        issue(
            sync,
            desk,
            "Operator crashes on an empty KV path",
            "The operator restarts in a loop when a synced path has no keys.",
            "critical",
            now - days(70),
            resolved(acme_owner, now - days(70) + hours(9), "Fixed in 2.1.4."),
        )
        issue(
            sync,
            desk,
            "Helm chart ignores the Vault namespace value",
            "Setting vault.namespace in values.yaml has no effect.",
            "normal",
            now - days(40),
            resolved(acme_owner, now - days(38), "Fixed in chart 0.9.2."),
        )
        agent = integrations["Globex Vault Agent Injector"]
        issue(
            agent,
            globex_owner,
            "Rendered files are world-readable",
            "Templates render with mode 0644 whatever the annotation says.",
            "normal",
            now - days(20),
            resolved(globex_owner, now - days(18), "The annotation is honoured since 3.2."),
        )
        # Open, and warned (75 % of its 48 hours used): it breaches in eight hours.
        issue(
            integrations["Globex Identity Auth Method"],
            globex_owner,
            "Group claims over 100 entries are cut",
            "Users in many groups lose policies: only the first 100 groups are mapped.",
            "normal",
            now - hours(3),
        )
        issue(
            agent,
            globex_owner,
            "Sidecar cannot log in after the cluster upgrade",
            "Since Vault 1.19 every pod's sidecar gets 403 on AppRole login.",
            "critical",
            now - hours(40),
            (globex_owner, {"status": "acknowledged"}, now - hours(39)),
        )

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

        # Luna: three breaches in 90 days make its support standing failing.
        hsm = integrations["Initech Luna HSM Bridge"]
        for opened, title in [
            (days(50), "Unseal fails after an HSM firmware update"),
            (days(30), "Key rotation leaves the old key wrapped"),
        ]:
            issue(
                hsm,
                initech_owner,
                title,
                "Reported by a customer in production.",
                "critical",
                now - opened,
                resolved(initech_owner, now - opened + hours(60), "Fixed, 12 hours late."),
            )
        breached = support.issue_open(
            integration=hsm,
            actor=initech_owner,
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
            actor=initech_owner,
            body="We can reproduce it in the lab; a fix needs a firmware update.",
            now=now - timedelta(days=12),
        )
        # PKI: a critical issue still open long after its breach (why it was delisted).
        issue(
            integrations["Initech PKI Automation"],
            reviewer,
            "Issued certificates carry the wrong SAN",
            "Certificates for wildcard names are issued without the requested SANs.",
            "critical",
            now - days(75),
        )
        sla_sweep(now=now)  # the warnings, breaches and escalations due by now
        for integration in integrations.values():  # as the after-commit refresh would find it
            if integration.support_issues.exists():
                standing_refresh(integration)

    # --- People ------------------------------------------------------------------------

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
        self.stdout.write("")
        for line in account_lines():
            self.stdout.write(line)
        self.stdout.write("Open http://127.0.0.1:8000/ and sign in.\n")


@contextmanager
def _notifications_as_history():
    """The demo's past happened before it starts: what its services record for the outbox
    counts as e-mailed then (it stays in the in-app lists), and nothing is queued for the
    demo's worker, whose console would print it all after the start-up messages."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # the after-commit tasks find nothing to send
    trace = logging.getLogger("celery.app.trace")  # and need no line each to say so
    level = trace.level
    trace.setLevel(logging.WARNING)
    try:
        with transaction.atomic():
            yield
            Notification.objects.exclude(
                email_state__in=[EmailState.SENT, EmailState.SKIPPED]
            ).update(email_state=EmailState.SENT, sent_at=timezone.now(), next_attempt_at=None)
    finally:
        celery_app.conf.task_always_eager = eager
        trace.setLevel(level)


def account_lines() -> list[str]:
    """The demo accounts, as `make demo` prints them (here, and framed by demo_ready)."""
    return [
        f"Demo accounts (password for all: {PASSWORD}):",
        *(f"  {label:32} {email}" for email, label, *_ in ACCOUNTS),
    ]
