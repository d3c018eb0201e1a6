"""Badge eligibility (DESIGN.md §6): one function that says which conditions are unmet and
which run is the evidence. Admins see it before issuing; issuing calls it again."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from badges.models import BadgeKind
from config.errors import Unmet
from integrations.models import LISTED, Integration
from reviews.models import CheckResult, RunStatus, TargetKind, VerificationRun
from reviews.targets import is_hcp_address
from support_sla.selectors import integration_has_open_breached_critical

EVIDENCE_KINDS = {
    BadgeKind.HCP_VAULT_VERIFIED: [TargetKind.HCP],
    BadgeKind.VAULT_ENTERPRISE_VERIFIED: [TargetKind.ENTERPRISE, TargetKind.HCP],
}


@dataclass
class Eligibility:
    kind: str
    unmet: list[Unmet]
    run: VerificationRun | None

    @property
    def eligible(self) -> bool:
        return not self.unmet


def run_enterprise_features(run: VerificationRun) -> list[str]:
    """What `enterprise.features` found in a run (prefetched as `feature_results`)."""
    results = getattr(run, "feature_results", None)
    if results is None:
        results = run.results.filter(check_id="enterprise.features")
    for result in results:
        return list(result.details.get("features") or [])
    return []


def evidence_run(integration: Integration, kind: str, *, now=None) -> VerificationRun | None:
    """The newest passed run within VIP_BADGE_EVIDENCE_DAYS that can justify a badge of
    `kind`: on an HCP Vault target (https, namespace admin or a child) for HCP Vault Verified;
    on a Vault Enterprise or HCP Vault target that exercised an Enterprise feature for Vault
    Enterprise Verified."""
    since = (now or timezone.now()) - timedelta(days=settings.VIP_BADGE_EVIDENCE_DAYS)
    candidates = (
        VerificationRun.objects.filter(
            integration=integration,
            status=RunStatus.PASSED,
            finished_at__gte=since,
            target__kind__in=EVIDENCE_KINDS[kind],
        )
        .select_related("target")
        .prefetch_related(
            Prefetch(
                "results",
                queryset=CheckResult.objects.filter(check_id="enterprise.features"),
                to_attr="feature_results",
            )
        )
        .order_by("-finished_at", "-pk")
    )
    for run in candidates:
        if kind == BadgeKind.HCP_VAULT_VERIFIED and is_hcp_address(
            run.target.url, run.target.namespace
        ):
            return run
        if kind == BadgeKind.VAULT_ENTERPRISE_VERIFIED and run_enterprise_features(run):
            return run
    return None


def badge_eligibility(*, integration: Integration, kind: str, now=None) -> Eligibility:
    unmet = []
    if integration.stage not in LISTED:
        unmet.append(Unmet("not_released", "The integration must be in release or support."))
    if integration_has_open_breached_critical(integration):
        unmet.append(
            Unmet("critical_breach_open", "A breached critical support issue is still open.")
        )
    run = evidence_run(integration, kind, now=now)
    if run is None:
        days = settings.VIP_BADGE_EVIDENCE_DAYS
        if kind == BadgeKind.HCP_VAULT_VERIFIED:
            message = (
                f"No passed verification in the last {days} days on an HCP Vault target "
                "(https, namespace admin or a child)."
            )
        else:
            message = (
                f"No passed verification in the last {days} days on a Vault Enterprise or HCP "
                "Vault target that exercised an Enterprise feature (namespaces, HSM seal or "
                "key management)."
            )
        unmet.append(Unmet("no_evidence", message))
    return Eligibility(kind=kind, unmet=unmet, run=run)
