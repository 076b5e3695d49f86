"""Oversight pages: dashboards, certification, filing, subsidies, reports, the public notice board."""

from django.urls import path

from jiuye.oversight import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="oversight_dashboard"),
    path("dashboard/<str:code>/", views.dashboard, name="oversight_dashboard_code"),
    path("certification/", views.certification_list, name="certification_list"),
    path("certification/apply/", views.certification_apply, name="certification_apply"),
    path("certification/rechecks/", views.recheck_list, name="recheck_list"),
    path("certification/rechecks/<int:pk>/clear/", views.recheck_clear, name="recheck_clear"),
    path("certification/<int:pk>/", views.certification_detail, name="certification_detail"),
    path("certification/<int:pk>/review/", views.certification_review, name="certification_review"),
    path("certification/<int:pk>/accept/", views.certification_accept, name="certification_accept"),
    path("certification/<int:pk>/revoke/", views.certification_revoke, name="certification_revoke"),
    path("certification/<int:pk>/evidence/<int:evidence_pk>/", views.evidence_download, name="evidence_download"),
    path("filing/", views.filing, name="filing"),
    path("filing/recommend/", views.filing_recommend, name="filing_recommend"),
    path("filing/submit/", views.filing_submit, name="filing_submit"),
    path("filing/<str:district_code>/<int:year>.xlsx", views.filing_xlsx, name="filing_xlsx"),
    path("filing/<str:district_code>/<int:year>.pdf", views.filing_pdf, name="filing_pdf"),
    path("subsidies/", views.subsidy_ledger, name="subsidy_ledger"),
    path("subsidies/grant/", views.subsidy_grant, name="subsidy_grant"),
    path("subsidies/<str:district_code>/<int:year>.xlsx", views.subsidy_ledger_xlsx, name="subsidy_ledger_xlsx"),
    path("reports/", views.report_index, name="report_index"),
    path("reports/monthly.xlsx", views.report_monthly, name="report_monthly"),
    path("reports/yearly.xlsx", views.report_yearly, name="report_yearly"),
    path("notice/<str:code>/", views.notice, name="notice"),
    path("notice/<str:code>/poster.pdf", views.notice_poster, name="notice_poster"),
    path("notice/<str:code>/edit/", views.notice_edit, name="notice_edit"),
]
