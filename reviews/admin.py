from django.contrib import admin

from config.forms import HTTPS_URLS
from reviews.models import (
    CheckResult,
    ConnectionTest,
    FeedbackItem,
    FeedbackReply,
    ReviewRound,
    VerificationRun,
    VerificationTarget,
)


@admin.register(VerificationTarget)
class VerificationTargetAdmin(admin.ModelAdmin):
    """Credentials are ciphertext and write-only: never shown here. The evidence target is
    switched on the integration page (reviews.services.target_make_primary), which writes the
    history."""

    formfield_overrides = HTTPS_URLS
    list_display = ["name", "integration", "kind", "url", "namespace", "primary"]
    search_fields = ["name", "integration__name"]
    exclude = ["credentials_ciphertext", "inspector_ciphertext"]
    readonly_fields = ["credentials_set", "inspector_set", "primary"]

    @admin.display(boolean=True, description="credentials set")
    def credentials_set(self, obj) -> bool:
        return obj.credentials_set

    @admin.display(boolean=True, description="inspector token set")
    def inspector_set(self, obj) -> bool:
        return obj.inspector_set


class CheckResultInline(admin.TabularInline):
    model = CheckResult
    extra = 0
    can_delete = False
    fields = readonly_fields = [
        "position",
        "check_id",
        "subject",
        "required",
        "status",
        "message",
        "duration_ms",
    ]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(VerificationRun)
class VerificationRunAdmin(admin.ModelAdmin):
    """Runs are written by the worker; here they are read-only."""

    list_display = ["pk", "integration", "target", "status", "queued_at", "finished_at"]
    list_filter = ["status", "detected_edition"]
    readonly_fields = [f.name for f in VerificationRun._meta.fields]
    inlines = [CheckResultInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ConnectionTest)
class ConnectionTestAdmin(admin.ModelAdmin):
    """Connection tests from the target form are recorded by the product (who, when, which
    host, the outcome; nothing else is kept): here they are read-only."""

    list_display = ["at", "integration", "target", "host", "outcome", "requested_by"]
    list_filter = ["outcome"]
    list_select_related = ["integration", "target", "requested_by"]
    search_fields = ["integration__name", "host"]
    readonly_fields = [f.name for f in ConnectionTest._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


class FeedbackInline(admin.TabularInline):
    model = FeedbackItem
    extra = 0
    show_change_link = True  # the item's page has its replies


@admin.register(ReviewRound)
class ReviewRoundAdmin(admin.ModelAdmin):
    list_display = ["pk", "integration", "status", "opened_at", "decided_at"]
    list_filter = ["status"]
    inlines = [FeedbackInline]


class FeedbackReplyInline(admin.TabularInline):
    model = FeedbackReply
    extra = 0


@admin.register(FeedbackItem)
class FeedbackItemAdmin(admin.ModelAdmin):
    list_display = ["pk", "round", "blocking", "created_at", "resolved_at"]
    list_filter = ["blocking"]
    list_select_related = ["round"]
    raw_id_fields = ["round"]
    inlines = [FeedbackReplyInline]
