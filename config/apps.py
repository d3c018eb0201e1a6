from django.contrib.admin.apps import AdminConfig


class VipAdminConfig(AdminConfig):
    default_site = "config.admin.VipAdminSite"
