"""seal.hsm: the server auto-unseals through an HSM (PKCS#11), with recovery keys."""

from reviews.verification.base import Check, Outcome, RunContext, failed, passed, skipped


def seal_hsm(ctx: RunContext, subject) -> Outcome:
    status = ctx.client(namespace=False).sys.read_seal_status()  # unauthenticated
    seal_type = status.get("type", "")
    if seal_type == "pkcs11" and status.get("recovery_seal"):
        ctx.features.append("hsm_seal")
        return passed("Auto-unseals through PKCS#11 with recovery keys.", seal_type=seal_type)
    if ctx.category != "hsm":
        return skipped(
            f"The seal is {seal_type or 'not named'}, not an HSM (only HSM integrations need one).",
            applicable=False,
            seal_type=seal_type,
        )
    return failed(
        "Expected auto-unseal through an HSM (pkcs11) with recovery keys; the server's seal is "
        f"{seal_type or 'not named'}.",
        seal_type=seal_type,
    )


CHECKS = [
    Check(
        "seal.hsm",
        "Auto-unseal through an HSM",
        seal_hsm,
        required=lambda ctx: ctx.category == "hsm",
        expects="the server's seal status",
    ),
]
