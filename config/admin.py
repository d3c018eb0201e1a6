from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from accounts.roles import is_admin


class VipAdminSite(admin.AdminSite):
    """The Django admin is for the program's admins (the `admins` group and superusers)."""

    site_header = "VIP Tracker administration"
    site_title = "VIP Tracker admin"
    index_title = "Program data"

    def has_permission(self, request) -> bool:
        return request.user.is_active and is_admin(request.user)

    def login(self, request, extra_context=None):
        """Signing in always goes through allauth, never the admin's own password-only form:
        allauth's rate limits apply, and an enrolled second factor is asked for."""
        if not request.user.is_authenticated:
            return redirect_to_login(
                request.GET.get("next") or reverse("admin:index"), reverse("account_login")
            )
        if not self.has_permission(request):
            raise PermissionDenied("The admin is for the program's admins.")
        return redirect("admin:index")
