"""namespace.access: the declared namespace exists and the app can work inside it."""

from reviews.verification.base import Check, Outcome, RunContext, passed, skipped


def namespace_access(ctx: RunContext, subject) -> Outcome:
    if not ctx.namespace:
        return skipped("No namespace declared.", applicable=False)
    # An unauthenticated request inside the namespace: Vault resolves the namespace first
    # (unknown → InvalidPath "namespace not found", which fails this check).
    ctx.client().adapter.get("/v1/sys/internal/ui/mounts")
    ctx.features.append("namespaces")
    return passed(f"Namespace {ctx.namespace} answers.", namespace=ctx.namespace)


CHECKS = [
    Check(
        "namespace.access",
        "Works inside the declared namespace",
        namespace_access,
        required=lambda ctx: bool(ctx.namespace),
    ),
]
