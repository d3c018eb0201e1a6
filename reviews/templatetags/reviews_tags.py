from django import template
from django.conf import settings

from reviews.verification.server import platform_name

register = template.Library()

STATUS_STYLE = {
    "passed": ("success", "check-circle-fill"),
    "failed": ("danger", "x-circle-fill"),
    "error": ("danger", "exclamation-octagon-fill"),
    "skipped": ("secondary", "dash-circle"),
    "queued": ("secondary", "hourglass"),
    "running": ("primary", "arrow-repeat"),
    "cancelled": ("secondary", "slash-circle"),
}


@register.filter
def method_list(form, field_name: str) -> str:
    """The login methods a target-form field belongs to, space-separated."""
    return " ".join(form.method_of(field_name))


@register.inclusion_tag("reviews/_status.html")
def status_badge(status: str):
    """A status in words with an icon and a colour (colour is never the only signal)."""
    colour, icon = STATUS_STYLE.get(status, ("secondary", "question-circle"))
    return {"status": status, "colour": colour, "icon": icon}


@register.filter
def simulated(target) -> bool:
    """A demo target declared as a platform no server here really runs
    (VIP_SIMULATED_PLATFORMS)."""
    return target.kind in settings.VIP_SIMULATED_PLATFORMS


@register.filter
def platform(run) -> str:
    """The platform a run found (never the kind its target was declared as): "OpenBao 2.7.2";
    in the demo, a platform no server here really runs is said to be simulated."""
    if not run.detected_edition:
        return "not detected"
    name = platform_name(run.detected_edition, run.detected_version)
    if run.detected_edition in settings.VIP_SIMULATED_PLATFORMS:
        return f"{name} (simulated in this demo)"
    return name
