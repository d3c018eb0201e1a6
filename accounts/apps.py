from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from accounts import (
            schema,  # noqa: F401 - registers the API token scheme
            signals,  # noqa: F401 - tokens end when the password changes
        )
