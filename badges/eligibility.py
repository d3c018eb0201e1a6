"""Badge eligibility (DESIGN.md §4.2, §6): one function that says which conditions are unmet and
which run is the evidence. Admins see it before issuing; issuing calls it again; the badge
services ask `platform_unmet` of every later run of the evidence target."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from badges.models import BadgeKind
from config.errors import Unmet
from integrations.models import LISTED, Integration
from reviews import selectors as review_selectors
from reviews.models import CheckResult, Edition, RunStatus, VerificationRun
from support_sla.selectors import integration_has_open_breached_critical

# The platforms a run must have *detected* (never the target's declared kind) for each badge.
PLATFORMS = {
    BadgeKind.HCP_VAULT_VERIFIED: {Edition.HCP},
    BadgeKind.VAULT_ENTERPRISE_VERIFIED: {Edition.ENTERPRISE, Edition.HCP},
}
NEEDS_ENTERPRISE_FEATURE = {BadgeKind.VAULT_ENTERPRISE_VERIFIED}


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
        results = CheckResult.objects.filter(run=run, check_id="enterprise.features")
    for result in results:
        return list(result.details.get("features") or [])
    return []


def platform_unmet(run: VerificationRun, kind: str) -> Unmet | None:
    """Does the platform `run` detected fit a badge of `kind`? HCP Vault Verified needs a run
    that detected HCP Vault; Vault Enterprise Verified one that detected Vault Enterprise or
    HCP Vault and exercised an Enterprise feature. OpenBao and Vault Community never do."""
    detected = run.get_detected_edition_display() or "an unknown platform"
    platforms = PLATFORMS[kind]
    if run.detected_edition not in platforms:
        needed = " or ".join(sorted(Edition(p).label for p in platforms))
        return Unmet(
            "platform_not_verified",
            f"{BadgeKind(kind).label} needs a run on {needed}; the evidence target's latest "
            f"run found {detected}.",
        )
    if kind in NEEDS_ENTERPRISE_FEATURE and not run_enterprise_features(run):
        return Unmet(
            "no_enterprise_feature",
            "The evidence target's latest run exercised no Enterprise feature (namespaces, "
            "HSM seal or key management).",
        )
    return None


def evidence_unmet(integration: Integration, kind: str, *, now=None):
    """(unmet conditions, the evidence run): the latest finished run of the evidence target
    passed within VIP_BADGE_EVIDENCE_DAYS on a platform that fits `kind`. Not the newest
    passed run, and not another target's."""
    target = review_selectors.evidence_target_of(integration=integration)
    if target is None:
        return [Unmet("no_evidence", "The integration has no evidence target.")], None
    run = review_selectors.verdict_runs(target=target).first()
    days = settings.VIP_BADGE_EVIDENCE_DAYS
    if run is None:
        message = f"The evidence target “{target.name}” has no finished verification run."
        return [Unmet("no_evidence", message)], None
    if run.status != RunStatus.PASSED:
        message = (
            f"The latest finished run of the evidence target “{target.name}” "
            f"({run.get_status_display().lower()}) did not pass."
        )
        return [Unmet("no_evidence", message)], None
    if run.finished_at < (now or timezone.now()) - timedelta(days=days):
        message = (
            f"The latest run of the evidence target “{target.name}” passed more than {days} "
            "days ago; run it again."
        )
        return [Unmet("no_evidence", message)], None
    mismatch = platform_unmet(run, kind)
    if mismatch is not None:
        return [mismatch], None
    return [], run


def badge_eligibility(*, integration: Integration, kind: str, now=None) -> Eligibility:
    unmet = []
    if integration.stage not in LISTED:
        unmet.append(Unmet("not_released", "The integration must be in release or support."))
    if integration_has_open_breached_critical(integration=integration):
        unmet.append(
            Unmet("critical_breach_open", "A breached critical support issue is still open.")
        )
    evidence, run = evidence_unmet(integration, kind, now=now)
    unmet.extend(evidence)
    return Eligibility(kind=kind, unmet=unmet, run=run)
