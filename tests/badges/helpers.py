"""Evidence for badges: real verification runs against OpenBao answering as the platform the
badge names (tests.standin), as a partner would get them."""

from tests.vault import runtime_app


def hcp_style_run(hcp, namespace, integration, owner, verify):
    """A passed run on an HCP Vault cluster (the `hcp` stand-in, through the egress proxy):
    https with the cluster's CA, namespace admin/…"""
    body = runtime_app(hcp, namespace)
    body.update(name=f"hcp {namespace}")
    run = verify(integration, body, owner)
    assert run.status == "passed", run.reason
    assert run.detected_edition == "hcp_vault"
    return run


def enterprise_run(enterprise, namespace, integration, owner, verify, *, with_namespace=True):
    """A passed run on Vault Enterprise (the `enterprise` stand-in); with a namespace it
    exercises one."""
    body = runtime_app(enterprise, namespace if with_namespace else "")
    body.update(name=f"ent {namespace} {with_namespace}")
    run = verify(integration, body, owner)
    assert run.status == "passed", run.reason
    assert run.detected_edition == "vault_enterprise"
    return run
