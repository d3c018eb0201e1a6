import pytest

from tests.support_sla.conftest import supported  # noqa: F401  (a supported integration)


@pytest.fixture(autouse=True)
def no_rate_limits_on_our_actions(settings):
    """Up to 50 examples a test, many of them valid: these tests are about bad input, and
    tests/security/test_rate_limits.py about the limits."""
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        **{action: "1000/m/user" for action in ("intake", "invite")},
        **{f"{action}_partner": "1000/m/key" for action in ("intake", "invite")},
    }
