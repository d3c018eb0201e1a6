"""Development and `make demo`: SQLite, the filesystem broker, console e-mail; nothing external."""

import os

from config.settings._defaults import set_defaults

set_defaults(
    # The demo shows the product's own 404 and 500 pages, not Django's debug pages (with the
    # URL list and settings); `DEBUG=true make demo` or `DEBUG=true manage.py runserver` when
    # developing.
    DEBUG="false",
    SECRET_KEY="local-development-only-not-a-secret",
    DATABASE_URL=f"sqlite:///{os.path.abspath('var/demo.sqlite3')}",
    ACCOUNT_EMAIL_VERIFICATION="optional",
    VIP_ALLOW_PRIVATE_TARGETS="true",  # test Vaults run on this machine
    # The OpenBao dev server `make demo` starts (manage.py demo_vault).
    VIP_VAULT_ADDR="http://127.0.0.1:8200",
    VIP_VAULT_TOKEN="vip-demo-root",
    # No HashiCorp binary runs in the demo: its Vault Enterprise cluster is that OpenBao behind
    # tests/standin.py (demo_vault), and its badges stand on recorded runs (demo_data).
    VIP_SIMULATED_PLATFORMS="vault_enterprise,hcp_vault,vault_community",
)

from config.settings.base import *  # noqa: E402, F403

WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
