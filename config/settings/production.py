"""Production: fails closed. SECRET_KEY, DATABASE_URL and REDIS_URL must be set."""

import environ

from config.settings.base import *  # noqa: F403
from config.settings.base import STORAGES, env

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
VIP_REQUIRE_STAFF_MFA = env.bool("VIP_REQUIRE_STAFF_MFA", default=True)
# Web and worker refuse to start with a root token for the program Vault (AppRole instead).
VIP_REFUSE_ROOT_VAULT_TOKEN = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True

STORAGES["staticfiles"]["BACKEND"] = "whitenoise.storage.CompressedManifestStaticFilesStorage"

if not env("REDIS_URL", default=""):
    raise environ.ImproperlyConfigured("REDIS_URL must be set in production")
