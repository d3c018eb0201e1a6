"""Staff must enrol an authenticator app (TOTP, allauth MFA) before staff pages and the API
work, when settings.VIP_REQUIRE_STAFF_MFA is on (production); partners are not forced."""

import base64
import hashlib
import hmac
import json
import re
import struct
import time
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.adapter import get_adapter
from cryptography.fernet import InvalidToken
from django.utils import timezone

from accounts import services
from accounts.mfa import MFA_REQUIRED_MESSAGE
from tests.config.test_settings import PRODUCTION_ENV, manage
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture(autouse=True)
def staff_mfa_required(settings):
    settings.VIP_REQUIRE_STAFF_MFA = True


def totp(secret: str, at: float | None = None) -> str:
    """The 6-digit code an authenticator app shows for `secret` (RFC 6238: HMAC-SHA1 over
    30-second steps), computed here independently of allauth.

    For "now", a code read in the last seconds of its step is stale by the time allauth checks
    it (allauth accepts the current step only), as a person would find; so, like a person, wait
    for the next code first."""
    if at is None:
        left = 30 - time.time() % 30
        if left < 5:
            time.sleep(left + 0.05)
        at = time.time()
    counter = int(at // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sign_in(client, user):
    """Through allauth's login form, as a person does (force_login skips what MFA checks)."""
    return client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})


def enrol(client) -> str:
    """Activate TOTP through allauth's pages with the secret the page shows; returns it.
    allauth first asks for the password again (MFA_REAUTHENTICATION_REQUIRED)."""
    page = client.get(ACTIVATE)
    assert page["Location"].startswith("/accounts/reauthenticate/")
    assert client.post(page["Location"], {"password": PASSWORD})["Location"] == ACTIVATE
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = re.search(r'id="authenticator_secret"[^>]*value="([A-Z2-7]+)"', page.content.decode())
    if secret is None:  # attribute order differs between allauth's elements
        secret = re.search(r'value="([A-Z2-7]{32})"', page.content.decode())
    response = client.post(ACTIVATE, {"code": totp(secret.group(1))})
    assert response.status_code == 302, response.content.decode()
    return secret.group(1)


def test_staff_pages_send_staff_without_totp_to_the_activation_page(client_as, reviewer):
    client = client_as(reviewer)
    for path in ("/review/board/", "/program/", "/", "/accounts/profile/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == ACTIVATE
    response = client.get("/review/board/", follow=True)
    assert "must turn on two-factor authentication" in response.content.decode()


def test_htmx_requests_are_redirected_by_htmx(client_as, admin):
    response = client_as(admin).get("/review/board/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == ACTIVATE


def test_the_admin_site_is_covered_too(client_as, admin):
    assert client_as(admin).get("/admin/")["Location"] == ACTIVATE


def test_partners_are_not_forced(client_as, api, owner):
    assert client_as(owner).get("/dashboard/").status_code == 200
    assert api.as_user(owner).get("/api/v1/integrations/").status_code == 200


def test_without_the_setting_staff_pages_work(client_as, reviewer, settings):
    settings.VIP_REQUIRE_STAFF_MFA = False
    assert client_as(reviewer).get("/review/board/").status_code == 200


def test_the_api_refuses_staff_without_totp_in_the_error_shape(api, reviewer):
    response = api.as_user(reviewer).get("/api/v1/integrations/")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    assert "two-factor authentication" in response.json()["message"]


def test_the_api_refuses_a_staff_token_without_totp(api, reviewer, owner):
    _token, key = services.api_token_create(user=reviewer, name="ci")
    response = api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 403
    assert response.json() == {"message": MFA_REQUIRED_MESSAGE, "code": "mfa_required"}
    _token, partner_key = services.api_token_create(user=owner, name="ci")
    assert api.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {partner_key}").status_code == 200


def test_staff_enrol_through_allauth_and_then_everything_works(client, api, reviewer):
    assert sign_in(client, reviewer)["Location"] == "/"
    assert client.get("/review/board/")["Location"] == ACTIVATE
    enrol(client)
    assert reviewer.authenticator_set.filter(type="totp").exists()
    assert client.get("/review/board/").status_code == 200
    assert client.get("/program/").status_code == 200
    _token, key = services.api_token_create(user=reviewer, name="ci")
    assert api.get("/api/v1/integrations/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_an_enrolled_staff_member_signs_in_with_the_code(client, reviewer):
    sign_in(client, reviewer)
    secret = enrol(client)
    client.post("/accounts/logout/")

    # A later sign-in (the next 30-second step: a code is accepted only once).
    with time_machine.travel(timezone.now() + timedelta(seconds=60)):
        response = sign_in(client, reviewer)
        assert response["Location"] == "/accounts/2fa/authenticate/"
        assert client.get("/review/board/")["Location"].startswith("/accounts/login/")
        wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
        right = client.post("/accounts/2fa/authenticate/", {"code": totp(secret)})
        assert right.status_code == 302
        assert client.get("/review/board/").status_code == 200


def test_the_admin_login_form_cannot_skip_the_code(client, admin):
    """The admin's own login form takes a password only: sign-in goes to allauth instead,
    which asks an enrolled admin for the code before any admin page opens."""
    sign_in(client, admin)
    enrol(client)
    client.post("/accounts/logout/")
    response = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert response["Location"] == "/accounts/login/?next=/admin/"
    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    with time_machine.travel(timezone.now() + timedelta(seconds=60)):
        assert sign_in(client, admin)["Location"] == "/accounts/2fa/authenticate/"
        assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_admin_login_page_sends_people_to_the_sign_in_page(
    client, client_as, owner, admin, settings
):
    settings.VIP_REQUIRE_STAFF_MFA = False  # the page itself, not the enrolment rule
    assert client.get("/admin/login/?next=/admin/badges/")["Location"] == (
        "/accounts/login/?next=/admin/badges/"
    )
    assert client_as(owner).get("/admin/login/").status_code == 403
    assert client_as(admin).get("/admin/login/")["Location"] == "/admin/"


def test_the_seeds_are_stored_encrypted_and_survive_a_key_rotation(client, reviewer, settings):
    sign_in(client, reviewer)
    secret = enrol(client)
    stored = json.dumps([a.data for a in reviewer.authenticator_set.all()])
    assert secret not in stored
    recovery = reviewer.authenticator_set.get(type="recovery_codes")
    assert get_adapter().decrypt(recovery.data["seed"])  # a Fernet token, not a bare seed
    totp_row = reviewer.authenticator_set.get(type="totp")
    assert get_adapter().decrypt(totp_row.data["secret"]) == secret

    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-" + "x" * 20
    assert get_adapter().decrypt(totp_row.data["secret"]) == secret
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(InvalidToken):
        get_adapter().decrypt(totp_row.data["secret"])


def test_production_requires_staff_mfa_and_local_does_not():
    script = "from django.conf import settings as s; print(s.VIP_REQUIRE_STAFF_MFA)"
    production = manage("shell", "-c", script, **PRODUCTION_ENV)
    assert production.stdout.strip().splitlines()[-1] == "True", production.stderr
    local = manage(
        "shell",
        "-c",
        script,
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DATABASE_URL="sqlite://:memory:",
    )
    assert local.stdout.strip().splitlines()[-1] == "False", local.stderr
