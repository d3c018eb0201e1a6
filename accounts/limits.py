"""Rate limits on our own actions that reach other people: intakes (each e-mails program
staff), the intake's live hint of similar work (each answer tells a little about other
partners' work; per user only, `intake_hint`) and invitations (each e-mails an address the
partner typed). Counted by allauth's limiter
in the shared cache, like sign-in and API token creation; the numbers are the `ACCOUNT_RATE_LIMITS`
entries `<action>` (per user) and `<action>_partner` (per partner).

Pages answer allauth's 429 page (`ratelimit.respond_429`), the API a 429 in its error shape
(`RateLimited`); either way nothing was done.
"""

from allauth.core import ratelimit

from config.errors import DomainError


class RateLimited(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "Too many requests of this kind in a short time; nothing was done. Try again later.",
            code="rate_limited",
            status=429,
        )


def over_limit(request, *, action: str, partner=None) -> bool:
    """Count one `action` by the signed-in user and, when it is for an existing partner, one
    for that partner; True when either is over its limit. Call it once the input is valid, just
    before the action (a mistyped form does not use up the allowance)."""
    http_request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    if not ratelimit.consume(http_request, action=action, user=request.user):
        return True
    if partner is None:
        return False
    return not ratelimit.consume(
        http_request, action=f"{action}_partner", key=f"partner:{partner.pk}"
    )
