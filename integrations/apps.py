from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Partners and integrations"

    def ready(self) -> None:
        # The median aggregate the program metrics use needs a function on SQLite (the demo).
        import config.db  # noqa: F401
