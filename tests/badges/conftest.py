"""Badge tests use the same real OpenBao servers and program Vault as verification tests, and
a Vault Enterprise front on one of them (tests.fake_vault.EnterpriseFront)."""

import pytest

from tests.fake_vault import EnterpriseFront
from tests.reviews.conftest import (  # noqa: F401 - fixtures
    bao,
    bao_audit,
    bao_tls,
    namespace,
    program_bao,
    program_vault_settings,
    verify,
)


@pytest.fixture(scope="session")
def bao_enterprise(bao):  # noqa: F811 - the fixture imported above
    """`bao` as Vault Enterprise to edition detection: runs through it detect
    `vault_enterprise`; everything else they do happens on the real OpenBao server."""
    front = EnterpriseFront(bao.url).start()
    yield front
    front.stop()
