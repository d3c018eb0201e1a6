"""The test suite: PostgreSQL and Redis on their local defaults, e-mail kept in memory."""

from config.settings._defaults import set_defaults

set_defaults(
    SECRET_KEY="test-only-not-a-secret",
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/vip_tracker",
    REDIS_URL="redis://127.0.0.1:6379/0",
    ACCOUNT_EMAIL_VERIFICATION="optional",
)

from config.settings.base import *  # noqa: E402, F403
from config.settings.base import CACHES, env  # noqa: E402

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Each xdist worker gets its own cache namespace in the shared Redis.
CACHES["default"]["KEY_PREFIX"] = f"vip-test-{env('PYTEST_XDIST_WORKER', default='main')}"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files from the app folders, as in development (no collectstatic for tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
