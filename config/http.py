"""What every app's HTML views share: showing a refused rule, and a safe "next" URL."""

from django.contrib import messages
from django.utils.http import url_has_allowed_host_and_scheme

from config.errors import DomainError


def show_domain_error(request, error: DomainError) -> None:
    """An HTML view's rendering of a rule that said no: the message and each unmet condition."""
    messages.error(request, error.message, extra_tags="domain")
    for unmet in error.unmet:
        messages.error(request, unmet.message, extra_tags="unmet")


def refuse(request, error: DomainError) -> None:
    """An HTML view's one answer to a rule that said no. Not allowed is a 403, as in the API
    (the action stays refused whatever page the form came from): the error goes on to
    config.middleware.RefusalMiddleware, which shows the 403 page, as it does for
    accounts.access.require. Any other refusal is a message on the page the view goes back to."""
    if error.status == 403:
        raise error
    show_domain_error(request, error)


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
