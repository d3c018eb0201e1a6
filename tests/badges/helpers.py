"""Evidence for badges: real verification runs against OpenBao, as a partner would get them."""

from tests.vault import runtime_app


def hcp_style_run(bao_tls, namespace, integration, owner, verify):
    """A passed run on an `hcp_vault` target: https with the server's CA, namespace admin/…"""
    body = runtime_app(bao_tls, namespace)
    body.update(kind="hcp_vault", name=f"hcp {namespace}")
    run = verify(integration, body, owner)
    assert run.status == "passed", run.reason
    return run


def enterprise_run(bao, namespace, integration, owner, verify, *, with_namespace=True):
    """A passed run on a `vault_enterprise` target; with a namespace it exercises one."""
    body = runtime_app(bao, namespace if with_namespace else "")
    body.update(kind="vault_enterprise", name=f"ent {namespace} {with_namespace}")
    run = verify(integration, body, owner)
    assert run.status == "passed", run.reason
    return run
