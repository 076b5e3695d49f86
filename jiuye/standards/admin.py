from django.contrib import admin

from jiuye.standards.models import CalendarYear, EvaluationSnapshot, Holiday, PolicyParameter


@admin.register(PolicyParameter)
class PolicyParameterAdmin(admin.ModelAdmin):
    list_display = ("key", "value", "note")
    search_fields = ("key",)


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "is_workday", "name")
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "complete")


@admin.register(EvaluationSnapshot)
class EvaluationSnapshotAdmin(admin.ModelAdmin):
    list_display = ("id", "as_of", "division_code", "created_at", "created_by")
    readonly_fields = ("as_of", "division_code", "created_at", "created_by", "result")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
