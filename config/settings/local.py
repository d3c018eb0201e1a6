"""Development and `make demo`: SQLite, the filesystem broker, console e-mail; nothing external."""

import os

from config.settings._defaults import set_defaults

set_defaults(
    DEBUG="true",
    SECRET_KEY="local-development-only-not-a-secret",
    DATABASE_URL=f"sqlite:///{os.path.abspath('var/demo.sqlite3')}",
    ACCOUNT_EMAIL_VERIFICATION="optional",
)

from config.settings.base import *  # noqa: E402, F403

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
