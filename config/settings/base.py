"""Settings shared by every environment; everything that varies comes from the environment."""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
# Old keys still accepted after a rotation (sessions, signed links, authenticator seeds).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_ID = 1
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "config.apps.VipAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "integrations",
    "reviews",
    "badges",
    "support_sla",
    "pipeline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.ViewerTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.mfa.StaffMfaMiddleware",
    "config.middleware.ServiceUnavailableMiddleware",
    "config.middleware.RejectNulMiddleware",
    "config.middleware.RefusalMiddleware",
]

ROOT_URLCONF = env("ROOT_URLCONF", default="config.urls")  # benchmarks add a baseline view
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.program_roles",
                "accounts.context_processors.notifications",
            ],
            "libraries": {"vip": "config.templatetags.vip"},
        },
    },
    {
        # Plain-text e-mail (subject.txt, body.txt): nothing is HTML-escaped there.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"autoescape": False, "libraries": {"vip": "config.templatetags.vip"}},
    },
]

# --- Browser security headers -------------------------------------------------------------
# Content Security Policy (django-csp): scripts and styles only from our own origin or inline
# with this response's nonce (`{{ CSP_NONCE }}`); no eval (htmx runs with allowEval off, see
# templates/base.html), no inline style attributes (templates use classes), no plugins, no
# framing. `data:` images are Bootstrap's SVG icons (form controls, navbar toggler). Badge
# images are embedded by partners' pages through <img>, which this policy does not restrict.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Django's SecurityMiddleware sends these (its defaults, spelled out as the contract):
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page of ours uses (config.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# --- Data -------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (checked before reuse): a worker runs many short tasks.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web server and worker processes write at once: a writer takes the lock when
    # its transaction begins and others wait for it (instead of "database is locked"), and
    # readers go on while one writes (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="vip"),
            # Redis unreachable fails fast (a 503 page, config.middleware), never hangs a page.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- People -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "accounts.backends.AdminsHavePermissions",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_UNIQUE_EMAIL = True
# Addresses per account (sign-in address included): enough to move to a new one, too few to
# squat on many. Others' unverified addresses never block a sign-up (accounts.forms).
ACCOUNT_MAX_EMAIL_ADDRESSES = 3
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# allauth's forms with Bootstrap classes and inline errors (accounts/forms.py).
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "add_email": "accounts.forms.AddEmailForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[VIP Tracker] "

# Rate limits, all in one place: allauth's "amount/period/per" rules, per client IP, per key
# (the e-mail address tried) or per user, counted in the default cache (Redis when REDIS_URL is
# set, so every web process shares the count). Past a limit: 429. `create_api_token` is ours
# (accounts.views.profile); the other actions are allauth's own.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/h/ip,5/h/key",
    "reset_password_from_key": "20/m/ip",
    "create_api_token": "10/h/user",
    # Ours too (accounts.limits): intakes and invitations, per user and per partner.
    "intake": "10/h/user",
    "intake_partner": "20/h/key",
    # The intake's live hint of similar work (each answer tells a little about others' work).
    "intake_hint": "120/h/user",
    "invite": "20/h/user",
    "invite_partner": "30/h/key",
    # The target form's "Test connection" (reviews.views.target_test_connection): each test
    # connects to an address the partner typed.
    "test_connection": "20/h/user",
}
# Behind reverse proxies you run (a TLS terminator, a load balancer), per-IP limits must count
# the client, not the proxy: the number of such proxies, whose X-Forwarded-For entries are
# trusted (0: the header is ignored, as anyone can send it).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("VIP_TRUSTED_PROXY_COUNT", default=0)

# Two-factor authentication (allauth MFA): an authenticator app (TOTP) with recovery codes.
# Staff must enrol one before any staff page or API call works (accounts.mfa); on in
# production, off by default for the demo and the tests (which turn it on where they test it).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "VIP Tracker"
MFA_ADAPTER = "accounts.mfa.MFAAdapter"  # seeds stored encrypted
VIP_REQUIRE_STAFF_MFA = env.bool("VIP_REQUIRE_STAFF_MFA", default=False)

# Staff get at most one intake e-mail per this many minutes; the rest come in one digest
# (accounts.notifications.DIGESTS).
VIP_INTAKE_DIGEST_MINUTES = env.int("VIP_INTAKE_DIGEST_MINUTES", default=15)

API_TOKEN_DAYS = env.int("VIP_API_TOKEN_DAYS", default=90)
INVITATION_DAYS = env.int("VIP_INVITATION_DAYS", default=14)

# --- Program rules with numbers (DESIGN.md) ----------------------------------
VIP_OVERLAP_THRESHOLD = env.float("VIP_OVERLAP_THRESHOLD", default=0.55)
VIP_BOARD_CARDS_PER_COLUMN = env.int("VIP_BOARD_CARDS_PER_COLUMN", default=12)
# After a move on the board, the person who made it may undo it for this many seconds (a real
# move back, when the state machine allows it for their role).
VIP_UNDO_SECONDS = env.int("VIP_UNDO_SECONDS", default=10)
VIP_SLA_WARN_AT = env.float("VIP_SLA_WARN_AT", default=0.75)  # share of the budget used
VIP_SLA_STANDING_DAYS = env.int("VIP_SLA_STANDING_DAYS", default=90)
# The most waiting on the reporter may add to one clock cycle, as a share of the budget
# (1: 48 hours for critical issues, 5 business days for normal ones).
VIP_SLA_MAX_PAUSE = env.float("VIP_SLA_MAX_PAUSE", default=1.0)
VIP_BADGE_EVIDENCE_DAYS = env.int("VIP_BADGE_EVIDENCE_DAYS", default=180)
VIP_REVERIFY_DAYS = env.int("VIP_REVERIFY_DAYS", default=30)
VIP_BADGE_CACHE_SECONDS = env.int("VIP_BADGE_CACHE_SECONDS", default=24 * 60 * 60)

# --- Vault: the program's own Vault (credentials) and partners' test Vaults (verification) -----
VIP_VAULT_ADDR = env("VIP_VAULT_ADDR", default="")
VIP_VAULT_TOKEN = env("VIP_VAULT_TOKEN", default="")
VIP_VAULT_ROLE_ID = env("VIP_VAULT_ROLE_ID", default="")
VIP_VAULT_SECRET_ID = env("VIP_VAULT_SECRET_ID", default="")
# Or files holding them (compose's vault-init writes one pair per process), read at each login.
VIP_VAULT_ROLE_ID_FILE = env("VIP_VAULT_ROLE_ID_FILE", default="")
VIP_VAULT_SECRET_ID_FILE = env("VIP_VAULT_SECRET_ID_FILE", default="")
# Production refuses a root VIP_VAULT_TOKEN (reviews.program_vault.refuse_root_token).
VIP_REFUSE_ROOT_VAULT_TOKEN = False
VIP_VAULT_NAMESPACE = env("VIP_VAULT_NAMESPACE", default="")
VIP_VAULT_TRANSIT_MOUNT = env("VIP_VAULT_TRANSIT_MOUNT", default="transit")
VIP_VAULT_CA_CERT = env("VIP_VAULT_CA_CERT", default="")  # path to a CA bundle, if not public
VIP_CREDENTIALS_KEY = "vip-credentials"
# Verification runs against partners' Vaults.
VIP_VAULT_CONNECT_TIMEOUT = env.float("VIP_VAULT_CONNECT_TIMEOUT", default=5.0)
VIP_VAULT_READ_TIMEOUT = env.float("VIP_VAULT_READ_TIMEOUT", default=15.0)
# Targets on private, loopback or link-local addresses: refused unless allowed (development).
VIP_ALLOW_PRIVATE_TARGETS = env.bool("VIP_ALLOW_PRIVATE_TARGETS", default=False)
VIP_MAX_TOKEN_TTL = env.int("VIP_MAX_TOKEN_TTL", default=24 * 60 * 60)  # seconds
# The longest an app's token may be renewed to (its explicit max TTL), in seconds: 768 h.
VIP_MAX_TOKEN_LIFETIME = env.int("VIP_MAX_TOKEN_LIFETIME", default=768 * 60 * 60)
# An HTTP proxy (http://host:port) every request to a partner's Vault goes through (CONNECT for
# https), such as Smokescreen: it then applies the address policy, and the program resolves no
# target host name itself.
VIP_EGRESS_PROXY = env("VIP_EGRESS_PROXY", default="")
# Demo only: platforms no server of this deployment really runs (the demo's Vault Enterprise is
# an OpenBao behind tests/standin.py, its badges stand on recorded runs); every page that names
# one of them says it is simulated.
VIP_SIMULATED_PLATFORMS = env.list("VIP_SIMULATED_PLATFORMS", default=[])
# /healthz probes at most once every this many seconds per process (config.health).
VIP_HEALTHZ_CACHE_SECONDS = env.float("VIP_HEALTHZ_CACHE_SECONDS", default=5.0)
VIP_RUN_TIME_LIMIT = env.int("VIP_RUN_TIME_LIMIT", default=180)  # seconds, per run
VIP_RUN_QUEUED_LIMIT = env.int("VIP_RUN_QUEUED_LIMIT", default=60 * 60)  # seconds in the queue
VIP_RUN_MAX_ATTEMPTS = env.int("VIP_RUN_MAX_ATTEMPTS", default=3)

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="VIP Tracker <vip@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)  # seconds; the sender holds its row meanwhile

# --- Internationalisation -----------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The product speaks English only and ships no translations: Django's translation machinery
# stays off (every gettext, month and day name would otherwise go through it; the SLA sweep
# renders three e-mails per event). Dates and numbers are still formatted for LANGUAGE_CODE.
USE_I18N = False
USE_TZ = True

# --- Static files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site root (/favicon.ico), served by WhiteNoise as they are.
WHITENOISE_ROOT = BASE_DIR / "public"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.mfa.StaffMfaEnrolled",
    ],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    # JSON with a nesting cap (config.parsers.JSONParser): a deeply nested body is a 400.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VIP Tracker API",
    "DESCRIPTION": "HashiCorp Vault integration program: partners, integrations, pipeline.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "Stage": "integrations.models.Stage",
        "VaultEdition": "integrations.models.VaultEdition",
        "RunStatus": "reviews.models.RunStatus",
        "BadgeKind": "badges.models.BadgeKind",
        "BadgeStatus": "badges.models.BadgeStatus",
        "IssueStatus": "support_sla.models.IssueStatus",
        "Severity": "support_sla.models.Severity",
    },
}

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange bindings (the worker's queues, ping replies): under var/ too, not ./control.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("VIP_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("VIP_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# Verification runs wait on partners' networks (50-200 ms a request), so they have their own
# queue, served by workers with a thread pool (`-Q verification --pool threads --concurrency
# $VIP_VERIFY_CONCURRENCY`); beat's jobs, the sweep and notifications stay on the default queue
# (`-Q celery`). A worker started without -Q serves both (the demo's, the tests').
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = (
    Queue("celery", routing_key="celery"),
    Queue("verification", routing_key="verification"),
)
CELERY_TASK_ROUTES = {"reviews.tasks.run_execute": {"queue": "verification"}}
VIP_VERIFY_CONCURRENCY = env.int("VIP_VERIFY_CONCURRENCY", default=20)
# Keep each worker's database connection across tasks, like web requests do (CONN_MAX_AGE);
# celery_app closes connections that are too old or unusable before each task instead.
CELERY_DB_REUSE_MAX = 10_000

# --- Logging ------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"redact_login_paths": {"()": "config.logging.RedactLoginPaths"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "urllib3.connectionpool": {"filters": ["redact_login_paths"]},
    },
}
