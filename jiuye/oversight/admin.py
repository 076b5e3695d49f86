"""Read-only admin views of the oversight workflow: every write goes through ``services``."""

from django.contrib import admin

from jiuye.oversight.models import (
    Certification,
    CertificationStep,
    Evidence,
    Filing,
    Recheck,
    Recommendation,
    Subsidy,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StepInline(admin.TabularInline):
    model = CertificationStep
    fields = ("at", "action", "actor", "role", "reason", "snapshot")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ("standard", "original_name", "kind", "size", "file", "uploaded_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Certification)
class CertificationAdmin(ReadOnlyAdmin):
    list_display = ("community", "status", "applied_at", "certified_on", "revoked_on")
    list_filter = ("status",)
    search_fields = ("community__code", "community__name")
    inlines = [StepInline, EvidenceInline]


@admin.register(Recheck)
class RecheckAdmin(ReadOnlyAdmin):
    list_display = ("community", "year", "as_of", "status", "due_on", "cleared_on")
    list_filter = ("year", "status")
    search_fields = ("community__code", "community__name")


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdmin):
    list_display = ("community", "year", "level", "created_by", "created_at")
    list_filter = ("year", "level")


@admin.register(Subsidy)
class SubsidyAdmin(ReadOnlyAdmin):
    list_display = ("community", "year", "kind", "amount", "recipient_code", "granted_by", "granted_at")
    list_filter = ("year", "kind")
    search_fields = ("community__code", "community__name", "recipient_code")


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ("district", "year", "submitted_by", "submitted_at")
    list_filter = ("year",)
