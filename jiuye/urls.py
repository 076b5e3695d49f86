from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from jiuye.audit import views as audit_views
from jiuye.casework import views as casework_views
from jiuye.jobs import views as job_views
from jiuye.ledgers import views as ledger_views
from jiuye.registry import views as registry_views
from jiuye.standards import views as standards_views

urlpatterns = [
    path("", casework_views.today, name="home"),
    path("standing/", standards_views.standing, name="standing"),
    path("standing/<str:code>/", standards_views.community, name="standing_community"),
    path("people/", registry_views.search, name="search"),
    path("people/<int:pk>/", registry_views.person, name="person"),
    path("people/<int:pk>/edit/", registry_views.person_edit, name="person_edit"),
    path("people/<int:pk>/reveal/", registry_views.reveal, name="person_reveal"),
    path("people/<int:pk>/jobs/", job_views.person_jobs, name="person_jobs"),
    path("people/<int:pk>/<slug:name>/", casework_views.flow, name="flow"),
    path("jobs/", job_views.vacancies, name="vacancies"),
    path("jobs/vacancies/new/", job_views.vacancy_new, name="vacancy_new"),
    path("jobs/vacancies/<int:pk>/", job_views.vacancy, name="vacancy"),
    path("jobs/vacancies/<int:pk>/refer/<int:person_pk>/", job_views.refer, name="refer"),
    path("jobs/referrals/", job_views.referrals, name="referrals"),
    path("jobs/referrals/<int:pk>/<slug:step>/", job_views.referral_step, name="referral_step"),
    path("jobs/employers/", job_views.employers, name="employers"),
    path("jobs/employers/<int:pk>/", job_views.employer, name="employer"),
    path("jobs/posts/", job_views.posts, name="posts"),
    path("jobs/posts/<int:pk>/", job_views.post, name="post"),
    path("households/new/", registry_views.household_new, name="household_new"),
    path("households/<int:pk>/", registry_views.household, name="household"),
    path("households/<int:household_pk>/add/", registry_views.person_add, name="person_add"),
    path("deadline/", casework_views.deadline, name="deadline"),
    path("follow-ups/<int:pk>/done/", casework_views.follow_up_done, name="follow_up_done"),
    path("zero/", casework_views.zero_board, name="zero_board"),
    path("zero/<int:pk>/recognize/", casework_views.zero_recognize, name="zero_recognize"),
    path("zero/<int:pk>/action/", casework_views.zero_action, name="zero_action"),
    path("ledgers/", ledger_views.index, name="ledgers"),
    path("ledgers/", include("jiuye.tasks.urls")),  # import, export, background jobs
    path("ledgers/<slug:slug>/", ledger_views.ledger, name="ledger"),
    path("ledgers/<slug:slug>/xlsx/", ledger_views.workbook, name="ledger_xlsx"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("jiuye.accounts.urls")),
    path("audit/", audit_views.search, name="audit_search"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("jiuye.api.urls")),
    path("", include("jiuye.oversight.urls")),
]

# Error pages in the user's language inside the site's layout (jiuye/errors.py).
handler400 = "jiuye.errors.bad_request"
handler403 = "jiuye.errors.permission_denied"
handler404 = "jiuye.errors.page_not_found"
handler500 = "jiuye.errors.server_error"
