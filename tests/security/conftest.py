"""The reviews package's real OpenBao fixtures (a partner's test Vault, the program Vault that
encrypts credentials, `verify`), for the security tests that run verifications."""

from tests.reviews.conftest import (  # noqa: F401  (fixtures used here)
    bao,
    egress,
    namespace,
    program_bao,
    program_vault_settings,
    rerun,
    verify,
)
