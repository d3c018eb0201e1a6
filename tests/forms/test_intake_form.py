"""Bad input on the intake webform (`/engage/`) and its API (`POST /api/v1/integrations/`):
a form error or a 400, never a 500, never a half-written integration, partner or history."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.forms.bad_input import (
    BOUNDED,
    JSON_JUNK,
    POSTED_JUNK,
    assert_api_answer,
    assert_page_answer,
    rolled_back,
    row_counts,
    spoiled,
)

pytestmark = pytest.mark.django_db

INTAKE = {
    "name": "Vault Sync Agent",
    "category": "runtime",
    "summary": "Syncs secrets from Vault.",
    "description": "Reads KV secrets with AppRole and renews its tokens.",
    "vault_editions": ["vault_enterprise"],
    "auth_methods": ["approle"],
    "namespace_support": "on",
    "repository_url": "https://github.com/acme/sync",
    "docs_url": "https://acme.example/docs",
    "contact_email": "dev@acme.example",
}

FOR_OWN_PARTNER = {**INTAKE, "partner": "acme-security"}
FOR_NEW_PARTNER = {
    **INTAKE,
    "partner": "__new__",
    "partner-name": "Initech Vaulting",
    "partner-website": "https://initech.example",
    "partner-support_timezone": "Europe/Berlin",
}


@BOUNDED
@given(data=st.one_of(spoiled(FOR_OWN_PARTNER, POSTED_JUNK), spoiled(FOR_NEW_PARTNER, POSTED_JUNK)))
@example(data={})  # an empty POST is "required" errors, not a blank form again
def test_the_intake_page_answers_bad_input_with_form_errors(client_as, owner, data):
    client = client_as(owner)
    with rolled_back():
        before = row_counts()
        assert_page_answer(client.post("/engage/", data), before)


@BOUNDED
@given(data=spoiled({**FOR_OWN_PARTNER, "namespace_support": True}, JSON_JUNK))
def test_the_intake_api_answers_bad_input_with_400(api, owner, data):
    client = api.as_user(owner)
    with rolled_back():
        before = row_counts()
        assert_api_answer(client.post("/api/v1/integrations/", data, format="json"), before)
