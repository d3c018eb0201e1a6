"""Public badge endpoints (image, shields JSON, verify page) and the admins' badge actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import require
from badges import rendering, services
from badges.eligibility import run_enterprise_features
from badges.models import BadgeStatus, StatusReason
from badges.selectors import badge_for, public_badge_for
from config.confirm import Confirmation, confirmation_page, reason_form
from config.errors import DomainError
from config.http import refuse
from integrations.selectors import integration_for
from reviews.verification.enterprise import LABELS

CACHE_CONTROL = "public, max-age=300"

# The verify page's words for each status reason: what the public may know (the details, such
# as a run's failure message, stay on the integration page).
REASON_WORDS = {
    StatusReason.NOT_LISTED: "the integration is no longer listed in the program's directory",
    StatusReason.SUPPORT_FAILING: (
        "the partner's support of the integration is failing the program's support commitment"
    ),
    StatusReason.EVIDENCE_ARCHIVED: (
        "the test cluster this badge was verified against was removed, and no other has been "
        "verified in its place yet"
    ),
    StatusReason.REVERIFICATION_FAILED: (
        "the program's two latest verifications of the integration did not pass"
    ),
}


def _public(request, public_id: str, body_key: str, content_type: str) -> HttpResponse:
    """Serve a rendered badge: no database query when the cache is warm, a 304 when the
    client's copy is current, cacheable by anyone for five minutes, usable from any origin."""
    payload = rendering.public_payload(public_id)
    if payload is None:
        raise Http404("No such badge.")
    etag = payload[f"{body_key}_etag"]
    if etag in request.META.get("HTTP_IF_NONE_MATCH", ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(payload[body_key], content_type=content_type)
    response["ETag"] = etag
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = CACHE_CONTROL
    return response


@require_GET
def badge_svg(request, public_id: str):
    return _public(request, public_id, "svg", "image/svg+xml; charset=utf-8")


@require_GET
def badge_json(request, public_id: str):
    return _public(request, public_id, "json", "application/json")


def badge_verify(request, public_id: str):
    """The public verify page: what was verified, against which Vault, when; no secrets and
    no target address."""
    badge = public_badge_for(public_id=public_id)
    results = list(badge.run.results.select_related("waiver__granted_by").order_by("position"))
    return render(
        request,
        "badges/verify.html",
        {
            "badge": badge,
            "run": badge.run,
            "waived": [result for result in results if result.waiver_id],
            "results": results,
            "features": [LABELS.get(f, f) for f in run_enterprise_features(badge.run)],
            "active": badge.status == BadgeStatus.ACTIVE,
            "reason_words": REASON_WORDS.get(badge.status_reason, ""),
        },
    )


@login_required
@require_POST
def badge_issue(request, pk: int):
    integration, _ = integration_for(user=request.user, pk=pk)
    try:
        badge = services.badge_issue(
            integration=integration, kind=request.POST.get("kind", ""), actor=request.user
        )
    except DomainError as error:
        refuse(request, error)
    else:
        messages.success(request, f"{badge.get_kind_display()} badge issued.")
    return redirect("integration_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def badge_revoke(request, pk: int):
    """GET asks first, with the reason the partner will read (config/confirm.py); POST
    revokes (admins only, as the service says)."""
    badge, may_revoke = badge_for(user=request.user, pk=pk)  # 404 for strangers
    integration = badge.integration
    if request.method == "GET":
        require(may_revoke, "Only program admins revoke badges.", code="admins_only")
        return confirmation_page(
            request,
            Confirmation(
                title=f"Revoke the {badge.get_kind_display()} badge of “{integration.name}”?",
                sentence=(
                    f"The {badge.get_kind_display()} badge of “{integration.name}” will be "
                    "revoked: its image and its public verify page say “revoked” at once, "
                    "wherever the partner embedded it. A revocation is final: it is never "
                    "restored; a new badge would have to be issued."
                ),
                details=["The partner's owners are told, with your reason."],
                action=reverse("badge_revoke", args=[pk]),
                button="Revoke the badge",
                back=reverse("integration_detail", args=[integration.pk]),
                reason=reason_form(
                    name="reason", label="Reason (the partner will read it)", required=True
                ),
                blocked=["This badge is already revoked."]
                if badge.status == BadgeStatus.REVOKED
                else [],
            ),
        )
    try:
        services.badge_revoke(badge=badge, actor=request.user, reason=request.POST.get("reason"))
    except DomainError as error:
        refuse(request, error)
    else:
        messages.success(request, f"{badge.get_kind_display()} badge revoked.")
    return redirect("integration_detail", pk=badge.integration_id)
