"""Redis down: signing in (whose rate limiter counts attempts in Redis) answers 503 with a
message that says so, not a 500 (issue 15). The cache points at a port where nothing listens."""

import json
import socket

import pytest
import redis

from config.middleware import ServiceUnavailableMiddleware
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_sign_in_with_redis_down_is_a_503_with_a_message(client, redis_down):
    UserFactory(email="someone@acme.example")
    response = client.post(
        "/accounts/login/", {"login": "someone@acme.example", "password": PASSWORD}
    )
    assert response.status_code == 503
    assert "unavailable for a moment" in response.content.decode()
    assert response["Retry-After"] == "60"
    assert "_auth_user_id" not in client.session


def test_sign_up_with_redis_down_is_a_503(client, redis_down):
    body = {"email": "new@acme.example", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/accounts/signup/", body).status_code == 503


def test_the_sign_in_page_itself_still_shows(client, redis_down):
    assert client.get("/accounts/login/").status_code == 200


def test_the_api_answers_503_in_its_error_shape(rf):
    request = rf.get("/api/v1/me/")
    response = ServiceUnavailableMiddleware(lambda request: None).process_exception(
        request, redis.ConnectionError("Connection refused")
    )
    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "service_unavailable"


def test_other_errors_are_left_alone(rf):
    middleware = ServiceUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(rf.get("/"), ValueError("x")) is None
