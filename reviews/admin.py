from django.contrib import admin

from reviews.models import FeedbackItem, ReviewRound, VerificationRun, VerificationTarget


@admin.register(VerificationTarget)
class VerificationTargetAdmin(admin.ModelAdmin):
    """Credentials are ciphertext and write-only: never shown here."""

    list_display = ["name", "integration", "kind", "url", "namespace"]
    search_fields = ["name", "integration__name"]
    exclude = ["credentials_ciphertext"]
    readonly_fields = ["credentials_set"]

    @admin.display(boolean=True, description="credentials set")
    def credentials_set(self, obj) -> bool:
        return obj.credentials_set


@admin.register(VerificationRun)
class VerificationRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "integration", "target", "status", "queued_at", "finished_at"]
    list_filter = ["status"]


class FeedbackInline(admin.TabularInline):
    model = FeedbackItem
    extra = 0


@admin.register(ReviewRound)
class ReviewRoundAdmin(admin.ModelAdmin):
    list_display = ["pk", "integration", "status", "opened_at", "decided_at"]
    list_filter = ["status"]
    inlines = [FeedbackInline]
