from django.contrib import admin

from jiuye.divisions.models import Division


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "group", "zone")
    list_filter = ("level", "group")
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
