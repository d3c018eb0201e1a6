"""Reads about support that other parts depend on."""

from django.db import models


class Standing(models.TextChoices):
    GOOD = "good", "Good"
    AT_RISK = "at_risk", "At risk"
    FAILING = "failing", "Failing"


def integration_support_standing(integration) -> str:
    """Support standing (DESIGN.md §7) from the integration's recorded SLA breaches.

    Support issues and their breaches are not tracked yet, so there is nothing that can put an
    integration at risk: every integration is in good standing until the SLA clocks exist.
    """
    return Standing.GOOD


def integration_has_open_breached_critical(integration) -> bool:
    """Is a critical support issue of this integration breached and still open?

    Support issues are not tracked yet, so none can be: this answers from recorded breaches
    once the SLA clocks exist.
    """
    return False
