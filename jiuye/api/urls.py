"""/api/v1/: the register, casework, jobs and standards; the OpenAPI 3 schema at openapi.json."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from jiuye.api import views

app_name = "api"

router = SimpleRouter()
router.register("persons", views.PersonViewSet, basename="person")
router.register("households", views.HouseholdViewSet, basename="household")
router.register("jobs/vacancies", views.VacancyViewSet, basename="vacancy")
router.register("jobs/employers", views.EmployerViewSet, basename="employer")
router.register("jobs/referrals", views.ReferralViewSet, basename="referral")

urlpatterns = [
    # The schema is public (it holds no data); everything else needs a token or a session.
    path("openapi.json", SpectacularJSONAPIView.as_view(authentication_classes=[], permission_classes=[AllowAny]),
         name="schema"),
    path("casework/today/", views.TodayView.as_view(), name="today"),
    path("casework/zero-employment/", views.ZeroEmploymentView.as_view(), name="zero_employment"),
    path("standards/communities/", views.StandingView.as_view(), name="standing"),
    path("standards/communities/<str:code>/", views.CommunityStandingView.as_view(), name="standing_community"),
    *router.urls,
    # Last: other paths ending in a slash are a JSON 404 (without a slash, Django first tries adding one).
    re_path(r"^.*/$", views.not_found),
]
