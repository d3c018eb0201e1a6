"""Second factor for program staff: the one rule that says who must enrol TOTP (allauth MFA)
before doing anything as staff. The page middleware and the API permission both ask it."""

import base64

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.crypto import salted_hmac
from django_htmx.http import HttpResponseClientRedirect
from rest_framework.permissions import BasePermission

from accounts.roles import is_program_staff

MFA_REQUIRED_MESSAGE = (
    "Program staff must turn on two-factor authentication first: add an authenticator app "
    "to your account."
)


def must_enrol_mfa(user) -> bool:
    """True for program staff (reviewers, admins, superusers) without an active TOTP
    authenticator, while settings.VIP_REQUIRE_STAFF_MFA is on. Staff can move integrations,
    issue badges and read every partner's data, so a stolen password alone must not be enough.
    Partners are not forced. Remembered on the user object for the request."""
    if not settings.VIP_REQUIRE_STAFF_MFA or not is_program_staff(user):
        return False
    enrolled = getattr(user, "_vip_has_totp", None)
    if enrolled is None:
        enrolled = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._vip_has_totp = enrolled
    return not enrolled


def _is_enrolment_page(path: str) -> bool:
    """allauth's own pages (sign out, re-authenticate, the MFA pages) stay reachable."""
    try:
        name = resolve(path).url_name or ""
    except Resolver404:
        return False
    return name.startswith(("account_", "mfa_"))


class StaffMfaMiddleware:
    """Sends signed-in staff without TOTP from every page to the TOTP activation page, with a
    message saying why. API requests are left to `StaffMfaEnrolled` (DRF authenticates tokens
    only in the view), which answers 403 in the API's error shape. Requests without a session
    cookie are never looked at: reading the session would make public responses (badge
    images) vary on cookies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.VIP_REQUIRE_STAFF_MFA
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and not request.path.startswith("/api/")
            and must_enrol_mfa(request.user)
            and not _is_enrolment_page(request.path_info)
        ):
            messages.warning(request, MFA_REQUIRED_MESSAGE)
            if getattr(request, "htmx", False):
                return HttpResponseClientRedirect(reverse("mfa_activate_totp"))
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class StaffMfaEnrolled(BasePermission):
    """API: staff without TOTP may do nothing, whether they come with the session or a token
    (403, code `mfa_required`)."""

    message = MFA_REQUIRED_MESSAGE
    code = "mfa_required"

    def has_permission(self, request, view) -> bool:
        return not must_enrol_mfa(request.user)


class MFAAdapter(DefaultMFAAdapter):
    """Authenticator seeds (the TOTP secret, the recovery codes' seed) are stored encrypted,
    not in the clear as allauth stores them by default: a copy of the database alone does not
    give anyone a staff member's second factor."""

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()


def _fernet() -> MultiFernet:
    """Fernet keys derived from SECRET_KEY, then from each of SECRET_KEY_FALLBACKS: after a
    key rotation, seeds stored under an old key still decrypt while it is a fallback."""
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac(
                        "accounts.mfa", "authenticator seeds", secret=secret, algorithm="sha256"
                    ).digest()
                )
            )
            for secret in secrets
        ]
    )
