import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Refuse to serve with a root token for the program Vault (production settings): gunicorn's
# workers then fail to boot, with the reason in the log.
from reviews.program_vault import refuse_root_token  # noqa: E402 - needs the apps loaded

refuse_root_token()
