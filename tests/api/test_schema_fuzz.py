"""schemathesis against the API's own OpenAPI schema (DESIGN.md §11): every operation, as a
partner owner and as an admin, with generated valid and invalid input. No response is a 5xx,
every status is documented, every body matches its schema. Path ids point at real objects of
the caller's partner half of the time, so generated bodies reach the services, not just 404s.

Bounded (a few examples per operation) so the suite stays fast; raise VIP_FUZZ_EXAMPLES for a
longer run: `VIP_FUZZ_EXAMPLES=200 pytest tests/api/test_schema_fuzz.py`."""

import itertools
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from accounts.services import api_token_create
from reviews import program_vault
from support_sla import services as support
from tests.factories import IntegrationFactory
from tests.reviews.conftest import program_bao  # noqa: F401  (the program Vault fixture)

EXAMPLES = int(os.environ.get("VIP_FUZZ_EXAMPLES", "15"))

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = get_wsgi_application()  # requests go through Django's WSGI handler, in-process


@pytest.fixture
def world(settings, program_bao, partner, owner, admin):  # noqa: F811
    """A partner with an integration in support (targets, runs, reviews and issues hang off
    it), its owner, and an admin, each with an API token."""
    settings.VIP_VAULT_ADDR, settings.VIP_VAULT_TOKEN = program_bao.url, "root"
    settings.VIP_VAULT_ROLE_ID = ""
    settings.VIP_ALLOW_PRIVATE_TARGETS = False  # generated URLs never reach this machine
    # Many generated intakes are valid: the limits have their own tests (security/).
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "intake": "1000/m/user",
        "intake_partner": "1000/m/key",
    }
    program_vault.reset_client()
    integration = IntegrationFactory(partner=partner, stage="support")
    issue = support.issue_open(
        integration=integration,
        actor=owner,
        data={
            "title": "Renewal fails",
            "description": "Token renewal fails after an hour.",
            "severity": "normal",
        },
    )
    tokens = {
        role: api_token_create(user=user, name="fuzz")[1]
        for role, user in (("partner", owner), ("staff", admin))
    }
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "tokens": tokens,
        "ids": {"integration": integration.pk, "issue": issue.pk},
        "partner": partner,
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    program_vault.reset_client()


_TURNS = itertools.count()


def _real_ids(case, world) -> None:
    """Point every other case's generated ids at real objects, so bodies get past the 404 (in
    turns: cases without a body are alike, and would all take the same side)."""
    if case.path_parameters is None or next(_TURNS) % 2:
        return
    path = case.operation.path
    for name in list(case.path_parameters):
        if name == "integration_pk" or path.startswith("/api/v1/integrations/"):
            case.path_parameters[name] = world["ids"]["integration"]
        elif path.startswith("/api/v1/support-issues/"):
            case.path_parameters[name] = world["ids"]["issue"]
        elif path.startswith("/api/v1/partners/"):
            case.path_parameters[name] = world["partner"].slug


@pytest.mark.parametrize("role", ["partner", "staff"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.generate],  # not schemathesis's exhaustive coverage phase: bounded for CI
    suppress_health_check=list(HealthCheck),
)
def test_api_operation_never_fails_and_matches_its_schema(case, role, world):
    _real_ids(case, world)
    case.call_and_validate(
        headers={"Authorization": f"Token {world['tokens'][role]}"},
        # The schema states types and formats, not every rule a service enforces (guards,
        # choices that depend on the object, "HCP targets are https"), so a schema-valid body
        # may rightly be refused with a 4xx. And DRF reads leniently where harmless (a number
        # sent as a title becomes its text; an unknown boolean filter value is ignored). Every
        # other check applies: no 5xx, documented statuses and content types, bodies matching
        # their schemas, authentication enforced.
        excluded_checks=[positive_data_acceptance, negative_data_rejection],
    )
