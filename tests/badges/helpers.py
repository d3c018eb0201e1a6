"""Evidence for badges: real verification runs against OpenBao answering as the platform the
badge names (tests.standin), as a partner would get them; and recorded runs, for the rules
that only read finished runs at pinned times."""

from django.utils import timezone

from reviews.models import CheckResult
from tests.factories import VerificationRunFactory, VerificationTargetFactory
from tests.vault import runtime_app


def hcp_style_run(hcp, namespace, integration, owner, verify):
    """A passed run on an HCP Vault cluster (the `hcp` stand-in, through the egress proxy):
    https with the cluster's CA, namespace admin/…; detected `hcp_vault`."""
    body = runtime_app(hcp, namespace)
    body.update(name=f"hcp {namespace}")
    run = verify(integration, body, owner)
    assert run.status == "passed", run.reason
    assert run.detected_edition == "hcp_vault"
    return run


def enterprise_run(enterprise, namespace, integration, owner, verify, *, with_namespace=True):
    """A passed run on Vault Enterprise (the `enterprise` stand-in): detected
    `vault_enterprise`; with a namespace (the default) it exercises one, an Enterprise
    feature."""
    body = runtime_app(enterprise, namespace if with_namespace else "")
    body.update(name=f"ent {namespace} {with_namespace}")
    run = verify(integration, body, owner)
    assert run.status == "passed", run.reason
    assert run.detected_edition == "vault_enterprise"
    return run


def recorded_run(
    integration=None,
    *,
    target=None,
    status="passed",
    edition="hcp_vault",
    features=("namespaces",),
    finished_at=None,
    reason="",
):
    """A finished run as the worker records it, on `target` (else a new HCP Vault target of
    `integration`: its first is the evidence target), that detected `edition` and found
    `features`: for the rules that read finished runs at pinned times (the real runs above
    prove what a run records)."""
    if target is None:
        target = VerificationTargetFactory(integration=integration, name="HCP cluster")
    finished_at = finished_at or timezone.now()
    run = VerificationRunFactory(
        target=target,
        status=status,
        detected_edition=edition,
        detected_version="1.19.5+ent",
        finished_at=finished_at,
        reason=reason,
    )
    CheckResult.objects.create(
        run=run,
        position=1,
        check_id="enterprise.features",
        title="Enterprise features exercised",
        required=False,
        status="passed",
        details={"features": list(features)},
    )
    return run
