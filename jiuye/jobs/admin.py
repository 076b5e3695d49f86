from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin as HistoryAdmin

from jiuye.divisions.revisions import PagesOutOfDateAdmin
from jiuye.jobs import models as j


class RegisterAdmin(PagesOutOfDateAdmin, HistoryAdmin):
    """Edits here go round the services: every cached page is recomputed."""


class AgreementInline(admin.TabularInline):
    model = j.EmployerAgreement
    extra = 0


class DemandInline(admin.TabularInline):
    model = j.EmployerDemand
    extra = 0


@admin.register(j.Employer)
class EmployerAdmin(RegisterAdmin):
    list_display = ("name", "credit_code", "industry", "community")
    list_filter = ("community",)
    search_fields = ("name", "credit_code", "industry")
    inlines = (AgreementInline, DemandInline)


@admin.register(j.Vacancy)
class VacancyAdmin(RegisterAdmin):
    list_display = ("title", "occupation_code", "count", "wage_min", "wage_max", "opened_on", "closed_on", "community")
    list_filter = ("hours", "source", "community")
    search_fields = ("title", "occupation_code", "skills", "employer__name")
    raw_id_fields = ("employer", "demand")
    date_hierarchy = "opened_on"


class TenureInline(admin.TabularInline):
    model = j.PostTenure
    extra = 0
    raw_id_fields = ("person", "employment")


@admin.register(j.DevelopedPost)
class DevelopedPostAdmin(RegisterAdmin):
    list_display = ("title", "kind", "slots", "opened_on", "closed_on", "community")
    list_filter = ("kind", "community")
    search_fields = ("title",)
    inlines = (TenureInline,)


class SubsidyInline(admin.TabularInline):
    model = j.SubsidyPeriod
    extra = 0


@admin.register(j.PostTenure)
class PostTenureAdmin(RegisterAdmin):
    list_display = ("post", "person", "start", "end")
    raw_id_fields = ("post", "person", "employment")
    inlines = (SubsidyInline,)


@admin.register(j.JobSeekerProfile)
class JobSeekerProfileAdmin(RegisterAdmin):
    list_display = ("person", "desired_text", "desired_codes", "wage_min", "hours", "updated_on")
    search_fields = ("person__name", "desired_text", "desired_codes")
    raw_id_fields = ("person",)


@admin.register(j.Referral)
class ReferralAdmin(RegisterAdmin):
    list_display = ("person", "vacancy", "referred_on", "interview_on", "outcome", "hired_start")
    list_filter = ("outcome",)
    search_fields = ("person__name", "vacancy__title")
    raw_id_fields = ("vacancy", "person", "service", "employment", "created_by")


for model in (j.EmployerAgreement, j.EmployerDemand, j.SubsidyPeriod):
    admin.site.register(model, RegisterAdmin)
