"""namespace.access: the server enforces the declared namespace, and the app works inside it."""

from reviews.verification.base import (
    Check,
    Outcome,
    RunContext,
    failed,
    needs_token,
    passed,
    skipped,
)


def namespace_access(ctx: RunContext, subject) -> Outcome:
    """The app's token, looked up in the namespace, must say it belongs there. A server that
    ignores `X-Vault-Namespace` (Vault Community) would let any namespace "work": its tokens
    report the root namespace, and this check fails."""
    if not ctx.namespace:
        return skipped("No namespace declared.", applicable=False)
    if (skip := needs_token(ctx)) is not None:
        return skip
    reported = str(ctx.token_info().get("namespace_path") or "").strip("/")
    if reported != ctx.namespace:
        where = f"namespace {reported}" if reported else "the root namespace"
        return failed(
            f"Expected the app's token to belong to namespace {ctx.namespace}; the server "
            f"reports it in {where}, so the server does not enforce the declared namespace.",
            namespace=ctx.namespace,
            reported=reported,
        )
    ctx.features.append("namespaces")
    return passed(
        f"The app's token belongs to namespace {ctx.namespace}, as the server reports.",
        namespace=ctx.namespace,
    )


CHECKS = [
    Check(
        "namespace.access",
        "The server enforces the declared namespace",
        namespace_access,
        required=lambda ctx: bool(ctx.namespace),
        expects="the app's token to belong to the declared namespace",
    ),
]
