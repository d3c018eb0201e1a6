from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Verification and review"

    def ready(self) -> None:
        from reviews import checks  # noqa: F401 - registers the program Vault token check
