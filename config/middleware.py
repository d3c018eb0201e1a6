"""Middleware of our own: pages in the viewer's time zone (static/js/timezone.js stores the
browser's zone in a cookie), the Permissions-Policy header, NUL in query strings, Redis down,
a rule's refusal."""

import logging
import zoneinfo
from urllib.parse import unquote

import redis
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone

from config.errors import DomainError
from config.timezones import COOKIE, DEFAULT, valid_zone

logger = logging.getLogger(__name__)


class ViewerTimeZoneMiddleware:
    """Activate the zone from the `vip_tz` cookie for this request. Without a valid cookie
    (first visit, scripts, API clients) a signed-in user's saved zone is used, else UTC.
    Unknown or malformed names are ignored. The session is only read when its cookie was
    sent, so public responses (badge images) never vary on cookies because of this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = valid_zone(unquote(request.COOKIES.get(COOKIE, "")))
        if zone == DEFAULT and settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = getattr(request, "user", None)
            if getattr(user, "is_authenticated", False):
                zone = valid_zone(getattr(user, "time_zone", ""))
        timezone.activate(zoneinfo.ZoneInfo(zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy` (settings.PERMISSIONS_POLICY) on every response: the browser
    features our pages never use stay off, even if injected content asks for them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response


# --- Input no page may take, and services that may be down ---------------------------------

NUL = "\x00"


def _bad_request(request, message: str, field: str):
    from config.api import error_body

    if request.path.startswith("/api/"):
        return JsonResponse(error_body(message, "invalid", errors={field: [message]}), status=400)
    return render(request, "400.html", {"message": message}, status=400)


class RejectNulMiddleware:
    """The one rule for every list filter and query parameter (`q`, `partner`, `search`,
    `status`, …, on pages and API lists alike): a NUL character is a 400 before any view reads
    it. No text of ours may hold one, and PostgreSQL refuses it in a query, so without this
    rule each list that filters on it answered a 500 (DESIGN.md §11). Last in MIDDLEWARE, so the
    400 page has the session, the user and the CSP nonce other pages have."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path:
            return _bad_request(request, "The address contains a NUL character.", "path")
        for name, values in request.GET.lists():
            if NUL in name or any(NUL in value for value in values):
                field = name.replace(NUL, "")
                message = f"The filter “{field}” contains a NUL character."
                return _bad_request(request, message, field or "query")
        return self.get_response(request)


class ServiceUnavailableMiddleware:
    """Redis down (the cache where rate limits are counted and badges kept) is a 503 that says
    so, not a 500: signing in asks the rate limiter first, and the limiter raises when it
    cannot count. The API answers in its error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, redis.RedisError):
            return None
        logger.error("Redis unavailable for %s: %s", request.path, exception.__class__.__name__)
        message = (
            "A service this page needs is unavailable for a moment, so nothing was done. "
            "Try again in a minute."
        )
        if request.path.startswith("/api/"):
            from config.api import error_body

            return JsonResponse(error_body(message, "service_unavailable"), status=503)
        response = render(request, "503.html", {"message": message}, status=503)
        response["Retry-After"] = "60"
        return response


class RefusalMiddleware:
    """An HTML view's refusal (accounts.access.require, or a service's 403 `DomainError` that
    config.http.refuse passes on) is the 403 page, as a `PermissionDenied` would be. The API
    answers its own refusals in its error shape (config.api.exception_handler)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or exception.status != 403:
            return None
        return response_for_exception(request, PermissionDenied(exception.message))
