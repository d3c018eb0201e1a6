from django.contrib import admin

from accounts.roles import is_admin


class VipAdminSite(admin.AdminSite):
    """The Django admin is for the program's admins (the `admins` group and superusers)."""

    site_header = "VIP Tracker administration"
    site_title = "VIP Tracker admin"
    index_title = "Program data"

    def has_permission(self, request) -> bool:
        return request.user.is_active and is_admin(request.user)
