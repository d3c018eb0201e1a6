"""Project-wide pages: the front page and the health check."""

from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.roles import is_program_staff


def home(request):
    if request.user.is_authenticated:
        return redirect("review_board" if is_program_staff(request.user) else "dashboard")
    return render(request, "home.html")


def _database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as error:
        return {"ok": False, "error": error.__class__.__name__}


def _broker_state() -> dict:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        ok = folder.is_dir() or not folder.exists()
        return (
            {"ok": ok, "transport": "filesystem"}
            if ok
            else {"ok": False, "transport": "filesystem", "error": "broker folder unusable"}
        )
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return {"ok": True, "transport": "redis"}
    except redis.RedisError as error:
        return {"ok": False, "transport": "redis", "error": error.__class__.__name__}


@never_cache
def healthz(request):
    """JSON state of the database and the broker; 503 when one of them is down."""
    checks = {"database": _database_state(), "broker": _broker_state()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
