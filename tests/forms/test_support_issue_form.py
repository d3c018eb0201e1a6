"""Bad input on the support issue form (`/integrations/<id>/support/new/`) and its API (`POST
/api/v1/integrations/<id>/support-issues/`): a form error or a 400, never a 500, never an
issue (or its SLA events and notifications) written half-way."""

import pytest
from hypothesis import example, given

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

ISSUE = {
    "title": "Login fails",
    "description": "AppRole login fails since 2.7.",
    "severity": "critical",
}


@BOUNDED
@given(data=spoiled(ISSUE, POSTED_JUNK))
@example(data={})  # an empty POST is "required" errors, not a blank form again
def test_the_issue_page_answers_bad_input_with_form_errors(client_as, owner, supported, data):
    client = client_as(owner)
    with rolled_back():
        before = row_counts()
        response = client.post(f"/integrations/{supported.pk}/support/new/", data)
        assert_page_answer(response, before)


@BOUNDED
@given(data=spoiled(ISSUE, JSON_JUNK))
def test_the_issue_api_answers_bad_input_with_400(api, owner, supported, data):
    client = api.as_user(owner)
    with rolled_back():
        before = row_counts()
        response = client.post(
            f"/api/v1/integrations/{supported.pk}/support-issues/", data, format="json"
        )
        assert_api_answer(response, before)
