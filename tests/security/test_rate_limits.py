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


# --- Intakes and invitations (issue 15): per user and per partner --------------------------


def intake_body(partner, number: int) -> dict:
    return {
        "partner": partner.slug,
        "name": f"Burst Connector {number}",
        "category": "runtime",
        "summary": "s",
        "description": "d",
        "vault_editions": ["vault_community"],
        "auth_methods": ["approle"],
        "namespace_support": False,
        "contact_email": "dev@acme.example",
    }


def test_intakes_answer_429_past_the_limit_per_user(api, owner, member, partner):
    from integrations.models import Integration

    client = api.as_user(owner)
    for number in range(allowed("intake")):
        response = client.post("/api/v1/integrations/", intake_body(partner, number), format="json")
        assert response.status_code == 201, response.content
    response = client.post("/api/v1/integrations/", intake_body(partner, 99), format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert Integration.objects.count() == allowed("intake")
    # Another person of the same partner still may (the partner's own limit is higher).
    other = api.as_user(member).post(
        "/api/v1/integrations/", intake_body(partner, 100), format="json"
    )
    assert other.status_code == 201


def test_intakes_answer_429_past_the_limit_per_partner(api, partner):
    from tests.factories import MembershipFactory

    per_user, per_partner = allowed("intake"), allowed("intake_partner")
    people = [MembershipFactory(partner=partner).user for _ in range(per_partner // per_user + 1)]
    sent = 0
    for person in people[:-1]:
        client = api.as_user(person)
        for _ in range(per_user):
            body = intake_body(partner, sent)
            assert client.post("/api/v1/integrations/", body, format="json").status_code == 201
            sent += 1
    assert sent == per_partner
    fresh = api.as_user(people[-1])  # nothing counted for this person yet
    response = fresh.post("/api/v1/integrations/", intake_body(partner, sent), format="json")
    assert response.status_code == 429


def test_the_intake_page_answers_429_past_the_limit(client_as, owner, partner):
    from integrations.models import Integration

    client = client_as(owner)
    form = {**intake_body(partner, 0), "namespace_support": ""}
    for number in range(allowed("intake")):
        form["name"] = f"Page Connector {number}"
        assert client.post("/engage/", form).status_code == 302
    form["name"] = "One Too Many"
    response = client.post("/engage/", form)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert not Integration.objects.filter(name="One Too Many").exists()


def test_an_invalid_intake_does_not_count(api, owner, partner):
    client = api.as_user(owner)
    for _ in range(allowed("intake") + 1):
        body = {**intake_body(partner, 0), "category": "nonsense"}
        assert client.post("/api/v1/integrations/", body, format="json").status_code == 400
    response = client.post("/api/v1/integrations/", intake_body(partner, 0), format="json")
    assert response.status_code == 201


def invite(client, partner, number: int):
    return client.post(
        f"/accounts/partners/{partner.slug}/invite/",
        {"email": f"new{number}@acme.example", "role": "member"},
    )


def test_invitations_answer_429_past_the_limit_per_user(client_as, owner, partner):
    from accounts.models import Invitation

    client = client_as(owner)
    for number in range(allowed("invite")):
        assert invite(client, partner, number).status_code == 302
    response = invite(client, partner, 999)
    assert response.status_code == 429
    assert Invitation.objects.count() == allowed("invite")


def test_invitations_answer_429_past_the_limit_per_partner(client_as, owner, partner):
    from accounts.models import Invitation
    from tests.factories import MembershipFactory

    per_user, per_partner = allowed("invite"), allowed("invite_partner")
    owners = [owner] + [
        MembershipFactory(partner=partner, role="owner").user
        for _ in range(per_partner // per_user)
    ]
    sent = 0
    for person in owners:
        client = client_as(person)
        while sent < per_partner and invite(client, partner, sent).status_code == 302:
            sent += 1
            if sent % per_user == 0:
                break
    assert Invitation.objects.count() == per_partner
    response = invite(client_as(owners[-1]), partner, 1000)
    assert response.status_code == 429
    assert Invitation.objects.count() == per_partner
