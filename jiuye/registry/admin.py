from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jiuye.registry import models as m

for model in (m.Household, m.StatusEpisode, m.UnemploymentRegistration, m.DibaoEpisode, m.ServiceRecord,
              m.Complaint, m.Target, m.OrganizationRecord):
    admin.site.register(model, SimpleHistoryAdmin)


@admin.register(m.Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ("name", "sex", "birth_date", "household")
    search_fields = ("name", "household__code")
    exclude = ()
