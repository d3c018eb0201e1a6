from django import template
from django.conf import settings

from reviews.models import CheckStatus, RunStatus
from reviews.verification.server import platform_name

register = template.Library()

# The style of a run's or a check's status (RunStatus and CheckStatus share their verdicts).
STATUS_STYLE = {
    RunStatus.PASSED: ("success", "check-circle-fill"),
    RunStatus.FAILED: ("danger", "x-circle-fill"),
    RunStatus.ERROR: ("danger", "exclamation-octagon-fill"),
    CheckStatus.SKIPPED: ("secondary", "dash-circle"),
    RunStatus.QUEUED: ("secondary", "hourglass"),
    RunStatus.RUNNING: ("primary", "arrow-repeat"),
    RunStatus.CANCELLED: ("secondary", "slash-circle"),
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
