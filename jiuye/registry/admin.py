from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin as HistoryAdmin

from jiuye.divisions.revisions import PagesOutOfDateAdmin
from jiuye.registry import models as m


class RegisterAdmin(PagesOutOfDateAdmin, HistoryAdmin):
    """Edits here go round the services: every cached page is recomputed."""


for model in (m.Household, m.StatusEpisode, m.UnemploymentRegistration, m.DibaoEpisode, m.ServiceRecord,
              m.Complaint, m.Target, m.OrganizationRecord):
    admin.site.register(model, RegisterAdmin)


@admin.register(m.Person)
class PersonAdmin(RegisterAdmin):
    list_display = ("name", "sex", "birth_date", "household")
    search_fields = ("name", "household__code")
    exclude = ()
