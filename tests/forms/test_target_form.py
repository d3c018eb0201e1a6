"""Bad input on the target form (`/integrations/<id>/targets/new/`) and its API (`POST
/api/v1/integrations/<id>/targets/`): a form error or a 400, never a 500, never a target
saved half-way. Valid examples are encrypted by a real program Vault."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.forms.bad_input import (
    BOUNDED,
    JSON_JUNK,
    POSTED_JUNK,
    WRONG_JSON,
    assert_api_answer,
    assert_page_answer,
    rolled_back,
    row_counts,
    spoiled,
)
from tests.reviews.conftest import program_bao, program_vault_settings  # noqa: F401

pytestmark = pytest.mark.django_db

FORM = {
    "name": "staging cluster",
    "kind": "vault_community",
    "url": "http://127.0.0.1:8200",
    "namespace": "",
    "ca_cert": "",
    "auth_method": "approle",
    "auth_mount_path": "approle",
    "role_id": "d8a2b3c4-role",
    "secret_id": "5f1e2d3c-secret",
    "inspector_token": "",
    "plugin_name": "",
    "plugin_version": "",
    "mounts-TOTAL_FORMS": "2",
    "mounts-INITIAL_FORMS": "0",
    "mounts-MIN_NUM_FORMS": "0",
    "mounts-MAX_NUM_FORMS": "20",
    "mounts-0-path": "apps-kv",
    "mounts-0-type": "kv-v2",
    "mounts-0-writable_prefix": "vip",
    "mounts-1-path": "pki",
    "mounts-1-type": "pki",
    "mounts-1-role": "web",
    "mounts-1-common_name": "app.example.com",
}

TARGET = {
    "name": "staging cluster",
    "kind": "vault_community",
    "url": "http://127.0.0.1:8200",
    "namespace": "",
    "ca_cert": "",
    "inspector_token": "",
}
AUTH = {
    "method": "approle",
    "mount_path": "approle",
    "role_id": "d8a2b3c4-role",
    "secret_id": "5f1e2d3c-secret",
}
MOUNT = {"path": "apps-kv", "type": "kv-v2", "writable_prefix": "vip"}
PLUGIN = {
    "name": "vault-plugin-acme",
    "type": "secret",
    "version": "v1.2.3",
    "sha256": "a" * 64,
    "mount_path": "acme",
}


def target_bodies() -> st.SearchStrategy:
    """A target body spoiled at its top level, in `auth`, in a mount or in `plugin`."""
    return st.builds(
        lambda top, auth, mounts, plugin: {
            "auth": auth,
            "secret_mounts": mounts,
            **({"plugin": plugin} if plugin is not None else {}),
            **top,
        },
        spoiled(TARGET, JSON_JUNK),
        st.one_of(spoiled(AUTH, JSON_JUNK), WRONG_JSON),
        st.one_of(st.lists(spoiled(MOUNT, JSON_JUNK), max_size=3), WRONG_JSON),
        st.one_of(st.none(), spoiled(PLUGIN, JSON_JUNK, at_most=2)),
    )


@BOUNDED
@given(data=spoiled(FORM, POSTED_JUNK))
@example(data={})  # an empty POST is "required" errors, not a blank form again
def test_the_target_page_answers_bad_input_with_form_errors(client_as, owner, integration, data):
    client = client_as(owner)
    with rolled_back():
        before = row_counts()
        response = client.post(f"/integrations/{integration.pk}/targets/new/", data)
        assert_page_answer(response, before)


@BOUNDED
@given(data=target_bodies())
def test_the_target_api_answers_bad_input_with_400(api, owner, integration, data):
    client = api.as_user(owner)
    with rolled_back():
        before = row_counts()
        response = client.post(
            f"/api/v1/integrations/{integration.pk}/targets/", data, format="json"
        )
        assert_api_answer(response, before)
