from tests.support_sla.conftest import supported  # noqa: F401  (a supported integration)
