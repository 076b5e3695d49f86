from django.urls import path

from jiuye.tasks import views

# Under /ledgers/ (jiuye/urls.py includes them before the ledgers' own <slug> pages).
urlpatterns = [
    path("import/", views.import_start, name="ledger_import"),
    path("export/", views.export_start, name="ledger_export"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("jobs/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("jobs/<int:pk>/download/", views.job_download, name="job_download"),
]
