from django.contrib import admin

from jiuye.divisions.revisions import PagesOutOfDateAdmin
from jiuye.standards.models import CalendarYear, EvaluationSnapshot, Holiday, PolicyParameter


class PolicyAdmin(PagesOutOfDateAdmin, admin.ModelAdmin):
    """A policy table edited here: every cached page is recomputed (``divisions/revisions.py``)."""


@admin.register(PolicyParameter)
class PolicyParameterAdmin(PolicyAdmin):
    list_display = ("key", "value", "note")
    search_fields = ("key",)


@admin.register(Holiday)
class HolidayAdmin(PolicyAdmin):
    list_display = ("date", "is_workday", "name")
    date_hierarchy = "date"


@admin.register(CalendarYear)
class CalendarYearAdmin(PolicyAdmin):
    list_display = ("year", "complete")


@admin.register(EvaluationSnapshot)
class EvaluationSnapshotAdmin(admin.ModelAdmin):
    list_display = ("id", "as_of", "division_code", "created_at", "created_by")
    readonly_fields = ("as_of", "division_code", "created_at", "created_by", "result")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
