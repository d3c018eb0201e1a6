"""Shared fixtures: one person per role, their partners, API clients.

Roles: `owner` and `member` belong to `partner`; `outsider` owns `other_partner` (a member of
another partner); `reviewer` and `admin` are program staff; `anonymous` is nobody.
"""

import pytest
import redis
from celery.result import _set_task_join_will_block
from rest_framework.test import APIClient

from accounts.roles import ADMINS, REVIEWERS
from config.celery_app import app as celery_app
from config.settings.test import broker_url_for
from scripts.check_services import main as check_services
from tests.factories import IntegrationFactory, MembershipFactory, PartnerFactory, UserFactory


def pytest_configure(config):
    if check_services(browser=False) != 0:  # Chromium: tests/e2e/ says so when it is missing
        pytest.exit("PostgreSQL or Redis is not answering (see above).", returncode=3)
    if not hasattr(config, "workerinput"):  # once, in the main process: can every one run?
        _check_broker_databases(config)


def _check_broker_databases(config) -> None:
    """Each parallel test process has its own Redis database as broker (config.settings.test):
    the highest one must exist, or those processes' tests fail one by one."""
    processes = getattr(config.option, "numprocesses", None) or 0
    broker = broker_url_for(f"gw{max(int(processes) - 1, -1)}")
    try:
        redis.Redis.from_url(broker).ping()
    except redis.ResponseError as error:
        pytest.exit(
            f"{processes} test processes need Redis database {broker} ({error}): each takes "
            "the database in REDIS_URL plus its number plus 2; give REDIS_URL a lower "
            "database or run fewer processes.",
            returncode=3,
        )


@pytest.fixture(autouse=True)
def _celery_outside_any_task():
    """Celery keeps one process-wide "inside a task" flag that eager tasks set and restore
    around each call; two threads running eager tasks at once (the racing tests) can leave it
    set, and every later `.get()` in this test process would then refuse. Each test starts
    with it clear (celery's own test worker clears it the same way)."""
    _set_task_join_will_block(False)


def forget_rate_limits() -> None:
    """Delete the attempts allauth's rate limits counted in this test process's cache namespace
    (its KEY_PREFIX), and only those: cache.clear() would empty the Redis database the other
    test processes use too."""
    from django.conf import settings

    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith("RedisCache"):
        return
    client = redis.Redis.from_url(cache["LOCATION"])
    keys = list(client.scan_iter(match=f"{cache['KEY_PREFIX']}:*:allauth:rl:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _no_attempts_counted():
    """Each test starts with no rate-limited attempt counted (the counts live in Redis, past
    the test's transaction: an earlier test, or an earlier run, must not use up this one's)."""
    forget_rate_limits()


@pytest.fixture
def not_eager():
    """Tasks go through the broker to a worker the test starts, as in production."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture
def partner(db):
    return PartnerFactory(name="Acme Security", slug="acme-security")


@pytest.fixture
def other_partner(db):
    return PartnerFactory(name="Globex Cloud", slug="globex-cloud")


@pytest.fixture
def owner(partner):
    return MembershipFactory(partner=partner, role="owner", user__email="owner@acme.example").user


@pytest.fixture
def member(partner):
    return MembershipFactory(partner=partner, role="member", user__email="member@acme.example").user


@pytest.fixture
def outsider(other_partner):
    return MembershipFactory(
        partner=other_partner, role="owner", user__email="owner@globex.example"
    ).user


@pytest.fixture
def reviewer(db):
    return UserFactory(email="reviewer@vip.example", groups=[REVIEWERS])


@pytest.fixture
def admin(db):
    return UserFactory(email="admin@vip.example", groups=[ADMINS], is_staff=True)


@pytest.fixture
def integration(partner, owner):
    return IntegrationFactory(partner=partner, contact_email=owner.email)


@pytest.fixture
def people(owner, member, outsider, reviewer, admin):
    return {
        "anonymous": None,
        "owner": owner,
        "member": member,
        "outsider": outsider,
        "reviewer": reviewer,
        "admin": admin,
    }


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` authenticates through the session."""

    class Client(APIClient):
        def as_user(self, user):
            if user is None:
                self.logout()
            else:
                self.force_login(user)
            return self

    return Client()


@pytest.fixture
def client_as(client):
    def login(user):
        if user is None:
            client.logout()
        else:
            client.force_login(user)
        return client

    return login
