"""The test suite: PostgreSQL and Redis on their local defaults, e-mail kept in memory."""

from config.settings._defaults import set_defaults

set_defaults(
    SECRET_KEY="test-only-not-a-secret",
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/vip_tracker",
    REDIS_URL="redis://127.0.0.1:6379/0",
    ACCOUNT_EMAIL_VERIFICATION="optional",
    VIP_ALLOW_PRIVATE_TARGETS="true",  # test Vaults run on this machine
)

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import CACHES, REDIS_URL, env  # noqa: E402

# Each xdist worker (gw0, gw1, …) gets its own Redis database for the broker (counted from the
# database in REDIS_URL, so two suites with different REDIS_URLs can run side by side) and its
# own cache namespace, so parallel test processes never take each other's tasks.
_WORKER = env("PYTEST_XDIST_WORKER", default="gw-1")


def broker_url_for(worker: str) -> str:
    server, database = REDIS_URL.rsplit("/", 1)
    return f"{server}/{int(database or 0) + int(worker[2:]) + 2}"


CELERY_BROKER_URL = broker_url_for(_WORKER)

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = env.bool("VIP_CELERY_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CACHES["default"]["KEY_PREFIX"] = f"vip-test-{_WORKER}"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files from the app folders, as in development (no collectstatic for tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
