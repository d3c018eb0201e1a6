from django.contrib import admin

from config.forms import HTTPS_URLS
from reviews.models import (
    CheckResult,
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
