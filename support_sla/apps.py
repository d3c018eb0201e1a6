from django.apps import AppConfig


class SupportSlaConfig(AppConfig):
    name = "support_sla"
    verbose_name = "Support SLAs"
