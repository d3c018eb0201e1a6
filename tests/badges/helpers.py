"""Evidence for badges: real verification runs against OpenBao, as a partner would get them,
and recorded runs for the one platform no server here can be (HCP Vault)."""

from django.utils import timezone

from reviews.models import CheckResult
from tests.factories import VerificationRunFactory, VerificationTargetFactory
from tests.vault import runtime_app


def enterprise_run(bao_enterprise, bao, namespace, integration, owner, verify, **options):
    """A passed run through the Vault Enterprise front: detected `vault_enterprise`; with a
    namespace (the default) it exercises one, an Enterprise feature."""
    with_namespace = options.pop("with_namespace", True)
    body = runtime_app(bao, namespace if with_namespace else "")
    body.update(kind="vault_enterprise", url=bao_enterprise.url, name=f"ent {namespace}", **options)
    run = verify(integration, body, owner)
    assert run.status == "passed", run.reason
    assert run.detected_edition == "vault_enterprise"
    return run


def openbao_hcp_style_run(bao_tls, namespace, integration, owner, verify):
    """A passed run on a target *declared* `hcp_vault` (https, namespace admin/…) that is in
    fact OpenBao: the run detects `openbao`, which never justifies a badge."""
    body = runtime_app(bao_tls, namespace)
    body.update(kind="hcp_vault", name=f"hcp {namespace}")
    run = verify(integration, body, owner)
    assert run.status == "passed", run.reason
    assert run.detected_edition == "openbao"
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
    `features`. For HCP Vault, which no server here can be."""
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
