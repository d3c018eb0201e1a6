"""Project-wide pages: the front page and the health check."""

import os
from pathlib import Path

import redis
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from accounts.roles import is_program_staff
from config.celery_app import app as celery_app


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
    url = celery_app.conf.broker_url  # configuring the app also creates the filesystem folders
    if url.startswith("filesystem://"):
        folder = Path(celery_app.conf.broker_transport_options["data_folder_in"])
        if folder.is_dir() and os.access(folder, os.W_OK):
            return {"ok": True, "transport": "filesystem"}
        return {"ok": False, "transport": "filesystem", "error": "broker folder not writable"}
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
