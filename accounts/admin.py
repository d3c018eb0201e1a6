from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import ApiToken, Invitation, Membership, Notification, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["partner"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_superuser", "is_active", "date_joined"]
    search_fields = ["email", "name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["name", "time_zone"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ["groups"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "partner__name"]
    autocomplete_fields = ["user", "partner"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitation keys are stored hashed and never shown."""

    list_display = ["email", "partner", "role", "invited_by", "created_at", "accepted_at"]
    search_fields = ["email", "partner__name"]
    exclude = ["key_hash"]
    readonly_fields = ["invited_by", "created_at", "accepted_at", "accepted_by"]

    def has_add_permission(self, request) -> bool:
        return False  # invitations are sent from the partner page, which e-mails the link


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """API tokens: only their prefix is shown; keys exist nowhere but with their owner."""

    list_display = ["name", "user", "key_prefix", "created_at", "expires_at", "revoked_at"]
    search_fields = ["name", "user__email", "key_prefix"]
    exclude = ["key_hash"]
    readonly_fields = ["user", "key_prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False  # created on the account page or with `manage.py issue_api_token`


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, for finding e-mails that failed. Read-only; bodies are not shown (an
    invitation's carries its one-time link until it is sent)."""

    list_display = ["event", "email", "email_state", "attempts", "created_at", "sent_at"]
    list_filter = ["email_state", "event"]
    search_fields = ["email", "key"]
    fields = [
        "event",
        "key",
        "email",
        "user",
        "subject",
        "link",
        "created_at",
        "read_at",
        "email_state",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# allauth's own admin shows an authenticator's `data`: the TOTP secret and the recovery-code
# seed, in clear. Ours never shows it; deleting an authenticator is how an admin resets a lost
# one (the person then enrols again).
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type", "created_at", "last_used_at"]
    search_fields = ["user__email"]
    exclude = ["data"]
    readonly_fields = ["user", "type", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False  # people enrol themselves, with their own app
