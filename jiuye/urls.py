from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from jiuye.casework import views as casework_views
from jiuye.registry import views as registry_views
from jiuye.standards import views as standards_views

urlpatterns = [
    path("", casework_views.today, name="home"),
    path("standing/", standards_views.standing, name="standing"),
    path("people/", registry_views.search, name="search"),
    path("people/<int:pk>/", registry_views.person, name="person"),
    path("people/<int:pk>/reveal/", registry_views.reveal, name="person_reveal"),
    path("households/<int:pk>/", registry_views.household, name="household"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
