from django.contrib import admin

from badges.models import Badge, BadgeEvent


class EventInline(admin.TabularInline):
    """History is written by the badge services only; here it is read-only."""

    model = BadgeEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "action", "actor", "reason", "run"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    """Badges are issued, suspended, restored and revoked by the badge services (the
    integration page and the API), which check eligibility and keep the history."""

    list_display = ["integration", "kind", "status", "issued_at", "verified_at", "public_id"]
    list_filter = ["kind", "status"]
    search_fields = ["integration__name", "integration__partner__name", "public_id"]
    readonly_fields = [field.name for field in Badge._meta.fields]
    inlines = [EventInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
