"""Pages in the viewer's time zone (static/js/timezone.js stores the browser's zone in a
cookie)."""

import zoneinfo
from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone

from config.timezones import COOKIE, DEFAULT, valid_zone


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
