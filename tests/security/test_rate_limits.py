"""Rate limits on signing in, signing up, password resets and API token creation: the numbers
in settings.ACCOUNT_RATE_LIMITS, counted in Redis (the test settings' cache)."""

import pytest
from django.conf import settings

from accounts.models import ApiToken
from tests.config.test_settings import PRODUCTION_ENV, manage
from tests.conftest import forget_rate_limits as forget_attempts
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-good-long-password-42"


@pytest.fixture(autouse=True)
def fresh_counts():
    """Each test leaves no attempts counted for the tests after it (tests/conftest.py clears
    them before each test too)."""
    yield
    forget_attempts()


def allowed(action: str, rule: int = 0) -> int:
    """The amount of one of the action's rules ("10/m/ip,5/5m/key": rule 1 → 5)."""
    return int(settings.ACCOUNT_RATE_LIMITS[action].split(",")[rule].split("/")[0])


def test_the_limits_are_counted_in_redis():
    """Here (these tests count against Redis) and in production, where every web process must
    share the counts."""
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    script = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    production = manage("shell", "-c", script, **PRODUCTION_ENV)
    assert production.stdout.strip().splitlines()[-1] == (
        "django.core.cache.backends.redis.RedisCache"
    ), production.stderr


def test_login_answers_429_past_the_limit_per_ip(client):
    UserFactory(email="someone@acme.example", password=PASSWORD)
    body = {"login": "nobody@acme.example", "password": "wrong"}
    for _ in range(allowed("login")):
        assert client.post("/accounts/login/", body).status_code == 200
    response = client.post("/accounts/login/", body)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    forget_attempts()  # as when the window has passed
    right = {"login": "someone@acme.example", "password": PASSWORD}
    assert client.post("/accounts/login/", right).status_code == 302


def test_failed_logins_lock_that_address_only(client):
    UserFactory(email="target@acme.example", password=PASSWORD)
    UserFactory(email="bystander@acme.example", password=PASSWORD)
    failures = allowed("login_failed", rule=1)
    for _ in range(failures):
        client.post("/accounts/login/", {"login": "target@acme.example", "password": "wrong"})
    right = {"login": "target@acme.example", "password": PASSWORD}
    response = client.post("/accounts/login/", right)
    assert response.status_code == 200  # the form again, with the reason
    assert "Too many failed login attempts" in response.content.decode()
    other = {"login": "bystander@acme.example", "password": PASSWORD}
    assert client.post("/accounts/login/", other).status_code == 302


def test_signup_answers_429_past_the_limit_per_ip(client):
    for number in range(allowed("signup")):
        body = {"email": f"new{number}@acme.example", "password1": PASSWORD, "password2": PASSWORD}
        assert client.post("/accounts/signup/", body).status_code == 302
        client.logout()
    body = {"email": "one-more@acme.example", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/accounts/signup/", body).status_code == 429


def test_password_reset_answers_429_past_the_limit_per_address(client, mailoutbox):
    UserFactory(email="forgetful@acme.example")
    per_address = allowed("reset_password", rule=1)
    for _ in range(per_address):
        response = client.post("/accounts/password/reset/", {"email": "forgetful@acme.example"})
        assert response.status_code == 302
    response = client.post("/accounts/password/reset/", {"email": "forgetful@acme.example"})
    assert response.status_code == 429
    assert len(mailoutbox) == per_address
    other = client.post("/accounts/password/reset/", {"email": "someone-else@acme.example"})
    assert other.status_code == 302


def test_token_creation_answers_429_past_the_limit_per_user(client_as, owner, member):
    client = client_as(owner)
    for number in range(allowed("create_api_token")):
        response = client.post("/accounts/profile/", {"name": f"ci {number}", "days": 30})
        assert response.status_code == 200
    response = client.post("/accounts/profile/", {"name": "one more", "days": 30})
    assert response.status_code == 429
    assert ApiToken.objects.filter(user=owner).count() == allowed("create_api_token")
    other = client_as(member).post("/accounts/profile/", {"name": "mine", "days": 30})
    assert other.status_code == 200
    assert ApiToken.objects.filter(user=member).count() == 1


def test_an_invalid_token_form_does_not_count(client_as, owner):
    client = client_as(owner)
    for _ in range(allowed("create_api_token") + 1):
        assert client.post("/accounts/profile/", {"name": "", "days": 30}).status_code == 200
    assert client.post("/accounts/profile/", {"name": "ci", "days": 30}).status_code == 200
    assert ApiToken.objects.filter(user=owner).count() == 1


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(client, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    body = {"login": "nobody@acme.example", "password": "wrong"}
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for _ in range(allowed("login")):
        client.post("/accounts/login/", body, **first)
    assert client.post("/accounts/login/", body, **first).status_code == 429
    second = {"HTTP_X_FORWARDED_FOR": "203.0.113.8"}
    assert client.post("/accounts/login/", body, **second).status_code == 200


def test_without_trusted_proxies_a_forwarded_address_changes_nothing(client):
    body = {"login": "nobody@acme.example", "password": "wrong"}
    for number in range(allowed("login")):
        client.post("/accounts/login/", body, HTTP_X_FORWARDED_FOR=f"203.0.113.{number}")
    response = client.post("/accounts/login/", body, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert response.status_code == 429
