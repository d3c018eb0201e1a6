from django.apps import AppConfig


class BadgesConfig(AppConfig):
    name = "badges"
    verbose_name = "Badges"

    def ready(self) -> None:
        from badges import receivers  # noqa: F401 - badges follow runs, targets and standing
