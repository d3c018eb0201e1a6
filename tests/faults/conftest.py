"""The reviews package's real OpenBao fixtures (the program Vault that encrypts credentials,
a TLS target, `verify`), and a target Vault of each test's own for the faults that break it."""

import pytest

from tests.reviews.conftest import (  # noqa: F401  (fixtures used here)
    bao,
    bao_tls,
    program_bao,
    program_vault_settings,
    verify,
)
from tests.vault import BaoServer


@pytest.fixture
def target_bao():
    server = BaoServer().start()
    yield server
    if server.process is not None:
        server.thaw()  # if the test froze it
        server.stop()
