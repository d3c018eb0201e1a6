"""Personal API tokens: stored hashed, expiring, revocable; the account page and the command."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def call_with(api, key):
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get(ME)


def test_the_key_is_stored_only_as_a_sha256(owner):
    token, key = api_token_create(user=owner, name="ci")
    row = ApiToken.objects.values().get(pk=token.pk)
    assert key not in str(row)
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith("vip_") and len(key) > 40
    assert row["key_prefix"] == key[:10]


def test_a_token_authenticates_as_its_user(api, owner):
    _, key = api_token_create(user=owner, name="ci")
    response = call_with(api, key)
    assert (response.status_code, response.json()["email"]) == (200, owner.email)
    assert ApiToken.objects.get().last_used_at is not None


def test_a_wrong_or_malformed_key_is_401(api, owner):
    api_token_create(user=owner, name="ci")
    assert call_with(api, "vip_not-a-real-key").status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Token")
    assert api.get(ME).status_code == 401
    api.credentials(HTTP_AUTHORIZATION="Token a b")
    assert api.get(ME).status_code == 401


def test_an_expired_token_is_refused(api, owner):
    _, key = api_token_create(user=owner, name="ci", days=1)
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        response = call_with(api, key)
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid, expired or revoked token."


def test_a_revoked_token_is_refused(api, owner):
    token, key = api_token_create(user=owner, name="ci")
    api_token_revoke(token=token, user=owner)
    assert call_with(api, key).status_code == 401


def test_a_deactivated_users_token_is_refused(api, owner):
    _, key = api_token_create(user=owner, name="ci")
    owner.is_active = False
    owner.save()
    assert call_with(api, key).status_code == 401


def test_account_page_creates_shows_once_and_revokes(client_as, owner, api):
    client = client_as(owner)
    response = client.post("/accounts/profile/", {"name": "laptop", "days": 30})
    key = response.context["new_key"]
    assert key.startswith("vip_")
    assert key in response.content.decode()
    assert key not in client.get("/accounts/profile/").content.decode()  # shown once
    token = ApiToken.objects.get(user=owner)
    assert (token.expires_at - token.created_at).days == 30
    assert call_with(api, key).status_code == 200
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert call_with(api, key).status_code == 401


def test_token_form_errors(client_as, owner):
    response = client_as(owner).post("/accounts/profile/", {"name": "", "days": 999})
    assert set(response.context["form"].errors) == {"name", "days"}
    assert ApiToken.objects.count() == 0


def test_nobody_revokes_another_users_token(client_as, owner, outsider):
    token, _ = api_token_create(user=owner, name="ci")
    assert client_as(outsider).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_issue_api_token_prints_a_working_key_once(capsys, api, owner):
    call_command("issue_api_token", owner.email, "--days", "7")
    out, err = capsys.readouterr()
    key = out.strip()
    assert "shown only now" in err
    assert call_with(api, key).status_code == 200
    assert ApiToken.objects.get().key_hash != key


def test_issue_api_token_for_an_unknown_user_fails_clearly(db):
    with pytest.raises(CommandError, match="No user with the e-mail address"):
        call_command("issue_api_token", "nobody@example.com")


# --- A new password ends every token (issue 15) --------------------------------------------

NEW_PASSWORD = "another-long-password-77"


def test_changing_the_password_revokes_every_token(api, client_as, owner, member):
    from tests.factories import PASSWORD

    _, key = api_token_create(user=owner, name="ci")
    _, other_key = api_token_create(user=owner, name="laptop")
    _, members_key = api_token_create(user=member, name="theirs")
    client = client_as(owner)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 API tokens were revoked" in response.content.decode()
    assert call_with(api, key).status_code == 401
    assert call_with(api, other_key).status_code == 401
    assert call_with(api, members_key).status_code == 200  # only the owner's own


def test_resetting_the_password_revokes_every_token(api, client, owner, mailoutbox):
    import re

    _, key = api_token_create(user=owner, name="ci")
    client.post("/accounts/password/reset/", {"email": owner.email})
    link = re.search(r"/accounts/password/reset/key/\S+/", mailoutbox[-1].body).group(0)
    form = client.get(link, follow=True)
    action = form.redirect_chain[-1][0] if form.redirect_chain else link
    response = client.post(action, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert call_with(api, key).status_code == 401


def test_the_account_page_says_a_new_password_revokes_tokens(client_as, owner):
    page = client_as(owner).get("/accounts/profile/").content.decode()
    assert "Changing or resetting your password revokes all your tokens" in page
