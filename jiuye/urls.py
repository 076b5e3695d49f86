from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from jiuye.casework import views as casework_views
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
    path("people/<int:pk>/<slug:name>/", casework_views.flow, name="flow"),
    path("households/<int:pk>/", registry_views.household, name="household"),
    path("households/<int:household_pk>/add/", registry_views.person_add, name="person_add"),
    path("deadline/", casework_views.deadline, name="deadline"),
    path("zero/", casework_views.zero_board, name="zero_board"),
    path("zero/<int:pk>/recognize/", casework_views.zero_recognize, name="zero_recognize"),
    path("zero/<int:pk>/action/", casework_views.zero_action, name="zero_action"),
    path("ledgers/", ledger_views.index, name="ledgers"),
    path("ledgers/<slug:slug>/", ledger_views.ledger, name="ledger"),
    path("ledgers/<slug:slug>/xlsx/", ledger_views.workbook, name="ledger_xlsx"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("jiuye.oversight.urls")),
]
