from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from jiuye.accounts.models import User


@admin.register(User)
class JiuyeUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("就业 / jiuye", {"fields": ("role", "scope")}))
    list_display = ("username", "role", "scope", "is_active", "is_superuser")
    list_filter = ("role", "is_active", "is_superuser")


# Django's admin is for superusers only.
admin.site.has_permission = lambda request: request.user.is_active and request.user.is_superuser
admin.site.site_header = "就业 jiuye 管理"
