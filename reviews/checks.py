"""System checks of the verification side (`manage.py check`, `check --deploy`)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def program_vault_token_is_not_root(app_configs=None, **kwargs) -> list:
    """`check --deploy` refuses a root VIP_VAULT_TOKEN (production settings), as web and worker
    do when they start. Where the program Vault cannot be asked (CI runs `check --deploy` with
    no Vault), it says so as information and does not fail: web and worker ask again when
    they start, and before the token's first use."""
    from reviews.program_vault import RootTokenRefused, refuse_root_token

    if not (settings.VIP_REFUSE_ROOT_VAULT_TOKEN and settings.VIP_VAULT_TOKEN):
        return []
    try:
        asked = refuse_root_token()
    except RootTokenRefused as error:
        return [checks.Error(str(error), id="vip.E001")]
    if not asked:
        return [
            checks.Info(
                "The program Vault could not be asked whether VIP_VAULT_TOKEN is a root token; "
                "web and worker ask again when they start.",
                id="vip.I001",
            )
        ]
    return []
