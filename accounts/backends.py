from django.contrib.auth.backends import BaseBackend

from accounts.roles import is_admin


class AdminsHavePermissions(BaseBackend):
    """Members of the `admins` group may do everything in the Django admin, like superusers."""

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return user_obj.is_active and is_admin(user_obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return user_obj.is_active and is_admin(user_obj)
