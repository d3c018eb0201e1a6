import pytest

from integrations.models import Stage
from tests.factories import IntegrationFactory


@pytest.fixture
def supported(partner):
    """A supported integration whose partner works Monday to Friday in Berlin."""
    partner.support_timezone = "Europe/Berlin"
    partner.support_country = "DE"
    partner.support_subdivision = "BE"
    partner.save()
    return IntegrationFactory(partner=partner, stage=Stage.SUPPORT, name="Acme Sync")


def issue_data(severity="normal", **overrides):
    return {
        "title": "Login fails",
        "description": "AppRole login fails since 2.7.",
        "severity": severity,
        **overrides,
    }
