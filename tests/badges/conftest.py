"""Badge tests use the same real OpenBao servers and program Vault as verification tests, and
the platform stand-ins in front of them (tests.standin)."""

from tests.reviews.conftest import (  # noqa: F401 - fixtures
    bao,
    bao_audit,
    bao_tls,
    community,
    egress,
    enterprise,
    hcp,
    hcp_standin,
    namespace,
    program_bao,
    program_vault_settings,
    rerun,
    verify,
)
