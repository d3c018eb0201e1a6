"""Project-wide pages: the front page and the health check."""

from django.db import DatabaseError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views import defaults
from django.views.decorators.cache import never_cache

from accounts.roles import is_program_staff
from config import health
from config.api import error_body


def home(request):
    if request.user.is_authenticated:
        return redirect("review_board" if is_program_staff(request.user) else "dashboard")
    return render(request, "home.html")


def _sees_details(request) -> bool:
    """Program staff see what each probe found; everyone else only ok or degraded. With the
    database down, a session cannot be read: that caller is treated as anonymous."""
    try:
        return is_program_staff(request.user)
    except DatabaseError:
        return False


@never_cache
def healthz(request):
    """The state of the database, the broker and the program Vault (config.health: probed at
    most every few seconds per process, with short timeouts). 503 when the database or the
    broker is down (nothing works); "degraded" when only the program Vault is (pages work,
    saving credentials and running verifications do not). Anonymous callers get only
    `{"status": "ok" | "degraded"}`: which service failed, and how, is for program staff."""
    checks = health.checks()
    if not (checks["database"]["ok"] and checks["broker"]["ok"]):
        status, code = "unavailable", 503
    else:
        status, code = ("ok" if checks["program_vault"]["ok"] else "degraded"), 200
    if _sees_details(request):
        return JsonResponse({"status": status, **checks}, status=code)
    return JsonResponse({"status": "ok" if status == "ok" else "degraded"}, status=code)


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
