"""Project-wide pages: the front page and the health check."""

import os
from pathlib import Path

import redis
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults
from django.views.decorators.cache import never_cache

from accounts.roles import is_program_staff
from config.api import error_body
from config.celery_app import app as celery_app
from reviews import program_vault


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
    """JSON state of the database, the broker and the program Vault. 503 when the database or
    the broker is down (nothing works); "degraded" when only the program Vault is (pages work,
    saving credentials and running verifications do not)."""
    checks = {
        "database": _database_state(),
        "broker": _broker_state(),
        "program_vault": program_vault.state(),
    }
    if not (checks["database"]["ok"] and checks["broker"]["ok"]):
        return JsonResponse({"status": "unavailable", **checks}, status=503)
    status = "ok" if checks["program_vault"]["ok"] else "degraded"
    return JsonResponse({"status": status, **checks})


# --- Errors: the API answers in its one JSON shape, pages with the product's templates -------


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse(error_body("Not found.", "not_found"), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        body = error_body("Something went wrong; the error was recorded.", "server_error")
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
