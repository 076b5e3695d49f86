from django.contrib import admin

from jiuye.tasks.models import Job, MorningDigest


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("pk", "kind", "state", "failure", "user", "division_code", "created_at", "finished_at")
    list_filter = ("kind", "state", "failure")
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MorningDigest)
class MorningDigestAdmin(admin.ModelAdmin):
    list_display = ("day", "user", "total", "overdue")
    readonly_fields = ("user", "day", "total", "overdue", "by_kind", "created_at")

    def has_add_permission(self, request):
        return False
