from django.contrib import admin

from config.forms import HTTPS_URLS
from integrations.models import (
    REVIEWED_FIELDS,
    Integration,
    IntegrationOverlap,
    Partner,
    StageTransition,
)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "slug", "support_timezone", "mnda_signed_at", "agreement_executed_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class HistoryInline(admin.TabularInline):
    """History is written by the services only; here it is read-only."""

    model = StageTransition
    extra = 0
    can_delete = False
    fields = readonly_fields = ["at", "field", "before", "after", "actor", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    """The stage is read-only here: stages change through the transition service (the
    integration page and the board), which checks guards and writes the history. So are the
    fields the review verified: they change on the integration's edit page, which records
    each change in the history."""

    formfield_overrides = HTTPS_URLS
    list_display = ["name", "partner", "category", "stage", "stage_changed_at", "assignee"]
    list_filter = ["stage", "category"]
    search_fields = ["name", "partner__name"]
    autocomplete_fields = ["partner", "assignee"]
    readonly_fields = [
        "stage",
        "stage_changed_at",
        *REVIEWED_FIELDS,
        "overlaps_acknowledged_at",
        "overlaps_acknowledged_by",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [HistoryInline]


@admin.register(IntegrationOverlap)
class IntegrationOverlapAdmin(admin.ModelAdmin):
    list_display = ["integration", "similar", "score", "created_at"]
    readonly_fields = ["integration", "similar", "score", "created_at"]


@admin.register(StageTransition)
class StageTransitionAdmin(admin.ModelAdmin):
    list_display = ["integration", "field", "before", "after", "actor", "at"]
    list_filter = ["field", "to_stage"]
    search_fields = ["integration__name"]
    readonly_fields = ["integration", "field", "before", "after", "actor", "at", "note"]
    exclude = ["from_stage", "to_stage", "from_value", "to_value"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
