"""API handlers: each one selector or service call, scoped to the caller.

Every read goes through ``Model.objects.for_user(user)`` or a selector that does; an
object outside the caller's scope is 404 (see ``jiuye.api.exceptions``). Writes go
through the services, which validate and audit. Reads of a person's or a household's
data are audited like the pages' (``via: api``).
"""

import datetime as dt

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuye.api import serializers as s
from jiuye.api.exceptions import run_service
from jiuye.api.pagination import Pagination
from jiuye.audit.services import audit_event_record
from jiuye.casework import services as casework_services
from jiuye.casework.selectors import today_queue, zero_employment_board
from jiuye.casework.services import zero_employment_sync
from jiuye.jobs import models as j
from jiuye.jobs import selectors as jobs
from jiuye.registry import models as m
from jiuye.registry import selectors as registry
from jiuye.registry import services as rs
from jiuye.standards.selectors import community_standing, standing_for_user

# -- documented errors -------------------------------------------------------------------------------

_FIELD_ERRORS = {
    "type": "object",
    "description": "messages per field (`non_field_errors` where no field applies), or `detail`",
    "additionalProperties": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
}
BAD_REQUEST = {400: OpenApiResponse(_FIELD_ERRORS, description="invalid query or body / 参数错误")}
UNAUTHENTICATED = {401: OpenApiResponse(s.ErrorSerializer, description="no valid token or session / 未登录")}
NOT_FOUND = {404: OpenApiResponse(s.ErrorSerializer, description="no such object in your scope / 不存在或不在管辖范围内")}


def responses(ok, *errors: dict) -> dict:
    result = {200: ok, **UNAUTHENTICATED}
    for error in errors:
        result.update(error)
    return result


# -- helpers ---------------------------------------------------------------------------------------------


def query(serializer_class, request) -> dict:
    """The validated query parameters (400 on bad ones)."""
    # A plain dict, not the QueryDict: DRF reads a blank form value as "not given", the schema does not.
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def body(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def today() -> dt.date:
    return dt.date.today()


def audit_read(request, action: str, target: str, division_code: str, **detail) -> None:
    audit_event_record(user=request.user, action=action, target=target, division_code=division_code,
                       detail={"via": "api", **detail})


def pk_of(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


# -- the register ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Persons in your scope, or a search", parameters=[s.SearchQuery],
                       responses=responses(s.PersonSerializer(many=True), BAD_REQUEST)),
    retrieve=extend_schema(summary="A person with the dated history (audited)",
                           responses=responses(s.PersonDetailSerializer, NOT_FOUND)),
)
class PersonViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination
    serializer_class = s.PersonSerializer

    def get_queryset(self):
        return (m.Person.objects.for_user(self.request.user).select_related("household__community")
                .order_by("household__community__code", "household__code", "pk"))

    def list(self, request):
        wanted = query(s.SearchQuery, request).get("q", "").strip()
        people = registry.person_search(request.user, wanted, limit=100) if wanted else self.get_queryset()
        page = self.paginate_queryset(people)
        # The query itself is not logged: it may be an ID or phone number.
        audit_read(request, "person.search" if wanted else "person.list", "", request.user.scope_code or "",
                   results=len(page), offset=self.paginator.offset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        detail = registry.person_detail(request.user, pk_of(pk))
        person = detail["person"]
        audit_read(request, "person.view", f"person:{person.pk}", person.household.community.code,
                   **rs.person_ref(person))
        return Response(s.PersonDetailSerializer(detail).data)

    def _person(self, what: str) -> m.Person:
        person = self.get_object()
        audit_read(self.request, "person.view", f"person:{person.pk}", person.household.community.code,
                   part=what, **rs.person_ref(person))
        return person

    @extend_schema(summary="A person's status episodes, newest first",
                   responses=responses(s.StatusEpisodeSerializer(many=True), NOT_FOUND))
    @action(detail=True, pagination_class=None)
    def statuses(self, request, pk=None):
        person = self._person("statuses")
        return Response(s.StatusEpisodeSerializer(person.statuses.order_by("-start"), many=True).data)

    @extend_schema(methods=["GET"], summary="A person's unemployment registrations, newest first",
                   responses=responses(s.RegistrationSerializer(many=True), NOT_FOUND))
    @action(detail=True, pagination_class=None)
    def registrations(self, request, pk=None):
        person = self._person("registrations")
        return Response(s.RegistrationSerializer(person.registrations.order_by("-registered_on"), many=True).data)

    @extend_schema(summary="Register the person as unemployed (失业登记); audited",
                   request=s.RegistrationInputSerializer,
                   responses={201: s.RegistrationSerializer, **BAD_REQUEST, **UNAUTHENTICATED, **NOT_FOUND})
    @registrations.mapping.post
    def register(self, request, pk=None):
        person = self.get_object()
        data = body(s.RegistrationInputSerializer, request)
        registration = run_service(casework_services.registration_create, {"registered_on": "登记日期",
                                                            "unemployment_reason": "失业原因"},
                                   user=request.user, person=person, **data)
        # A household becomes (or stops being) zero-employment the day the data says so, as on the pages.
        zero_employment_sync(user=request.user, community=person.household.community, as_of=today())
        return Response(s.RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="Services given to a person, newest first",
                   responses=responses(s.ServiceRecordSerializer(many=True), NOT_FOUND))
    @action(detail=True, pagination_class=None)
    def services(self, request, pk=None):
        person = self._person("services")
        return Response(s.ServiceRecordSerializer(person.services.order_by("-date", "-id"), many=True).data)

    @extend_schema(summary="Record a service given to the person; audited (an identical one is stored once)",
                   request=s.ServiceInputSerializer,
                   responses={201: s.ServiceRecordSerializer, **BAD_REQUEST, **UNAUTHENTICATED, **NOT_FOUND})
    @services.mapping.post
    def record_service(self, request, pk=None):
        person = self.get_object()
        data = body(s.ServiceInputSerializer, request)
        record = run_service(rs.service_record, {"date": "服务日期", "service_type": "服务类型", "handler": "经办人",
                                                 "note": "备注"}, user=request.user, person=person, **data)
        return Response(s.ServiceRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Open vacancies ranked for the person, each score explained",
                   parameters=[s.MatchQuery],
                   responses=responses(s.VacancyMatchSerializer(many=True), BAD_REQUEST, NOT_FOUND))
    @action(detail=True, pagination_class=None)
    def matches(self, request, pk=None):
        from jiuye.jobs import matching  # loads NumPy: not at start-up

        params = query(s.MatchQuery, request)
        person = self._person("matches")
        found = matching.vacancies_for_person(request.user, person, on=params.get("on") or today(),
                                              limit=params["limit"], include_excluded=params["include_excluded"])
        return Response(s.VacancyMatchSerializer(found, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Households in your scope", parameters=[s.HouseholdQuery],
                       responses=responses(s.HouseholdSerializer(many=True), BAD_REQUEST)),
    retrieve=extend_schema(summary="A household with its members (audited)",
                           responses=responses(s.HouseholdDetailSerializer, NOT_FOUND)),
)
class HouseholdViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination
    serializer_class = s.HouseholdSerializer

    def get_queryset(self):
        return m.Household.objects.for_user(self.request.user).select_related("community")

    def list(self, request):
        params = query(s.HouseholdQuery, request)
        households = self.get_queryset()
        if params.get("community"):
            households = households.in_division(params["community"])
        wanted = params.get("q", "").strip()
        if wanted:
            households = households.filter(Q(code__contains=wanted) | Q(address__contains=wanted))
        page = self.paginate_queryset(households.order_by("community__code", "code"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        detail = registry.household_detail(request.user, pk_of(pk))
        household = detail["household"]
        audit_read(request, "household.view", f"household:{household.pk}", household.community.code,
                   household=household.pk, code=household.code)
        return Response(s.HouseholdDetailSerializer(detail).data)


# -- casework ------------------------------------------------------------------------------------------


class TodayView(APIView):
    @extend_schema(summary="Today's queue for the caller, most urgent first",
                   responses=responses(s.QueueItemSerializer(many=True)))
    def get(self, request):
        return Response(s.QueueItemSerializer(today_queue(request.user, today()), many=True).data)


class ZeroEmploymentView(APIView):
    @extend_schema(summary="Zero-employment households now, with days left; this year's eliminated cases",
                   responses=responses(s.ZeroBoardSerializer))
    def get(self, request):
        return Response(s.ZeroBoardSerializer(zero_employment_board(request.user, today())).data)


# -- jobs ------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Vacancies in your scope", parameters=[s.VacancyQuery],
                       responses=responses(s.VacancySerializer(many=True), BAD_REQUEST)),
    retrieve=extend_schema(summary="A vacancy with its occupation and the referrals you may see",
                           responses=responses(s.VacancyDetailSerializer, NOT_FOUND)),
)
class VacancyViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination
    serializer_class = s.VacancySerializer

    def get_queryset(self):
        return j.Vacancy.objects.for_user(self.request.user)

    def list(self, request):
        params = query(s.VacancyQuery, request)
        vacancies = jobs.vacancy_list(request.user, on=params.get("on"), open_only=params["open"],
                                      community=params.get("community"), occupation=params.get("occupation", ""),
                                      query=params.get("q", ""))
        page = self.paginate_queryset(vacancies)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(s.VacancyDetailSerializer(jobs.vacancy_detail(request.user, pk)).data)

    @extend_schema(summary="Residents ranked for the vacancy (unemployed first), each score explained",
                   parameters=[s.MatchQuery],
                   responses=responses(s.PersonMatchSerializer(many=True), BAD_REQUEST, NOT_FOUND))
    @action(detail=True, pagination_class=None)
    def candidates(self, request, pk=None):
        from jiuye.jobs import matching  # loads NumPy: not at start-up

        params = query(s.MatchQuery, request)
        found = matching.persons_for_vacancy(request.user, pk, on=params.get("on") or today(),
                                             limit=params["limit"], include_excluded=params["include_excluded"])
        return Response(s.PersonMatchSerializer(found, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Employers (辖区单位) in your scope", parameters=[s.EmployerQuery],
                       responses=responses(s.EmployerSerializer(many=True), BAD_REQUEST)),
    retrieve=extend_schema(summary="An employer with agreements, demand and vacancies",
                           responses=responses(s.EmployerDetailSerializer, NOT_FOUND)),
)
class EmployerViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination
    serializer_class = s.EmployerSerializer

    def get_queryset(self):
        params = query(s.EmployerQuery, self.request)
        return jobs.employer_list(self.request.user, community=params.get("community"), query=params.get("q", ""))

    def retrieve(self, request, pk=None):
        detail = jobs.employer_detail(request.user, pk)
        detail["employer"].vacancy_count = len(detail["vacancies"])
        return Response(s.EmployerDetailSerializer(detail).data)


@extend_schema_view(
    list=extend_schema(summary="Referrals of persons in your scope, newest first", parameters=[s.ReferralQuery],
                       responses=responses(s.ReferralSerializer(many=True), BAD_REQUEST)),
    retrieve=extend_schema(summary="A referral", responses=responses(s.ReferralSerializer, NOT_FOUND)),
)
class ReferralViewSet(viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination
    serializer_class = s.ReferralSerializer

    def get_queryset(self):
        return j.Referral.objects.for_user(self.request.user).select_related("vacancy", "person")

    def list(self, request):
        params = query(s.ReferralQuery, request)
        referrals = jobs.referral_list(request.user, vacancy=params.get("vacancy"), person=params.get("person"),
                                       stage=params.get("stage"))
        page = self.paginate_queryset(referrals)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# -- standards ---------------------------------------------------------------------------------------------


class StandingView(APIView):
    @extend_schema(operation_id="standards_communities_list",
                   summary="The eight standards of every community in your scope as of a date",
                   parameters=[s.AsOfQuery], responses=responses(s.StandingSerializer, BAD_REQUEST))
    def get(self, request):
        as_of = query(s.AsOfQuery, request).get("as_of") or today()
        return Response(s.StandingSerializer(standing_for_user(request.user, as_of)).data)


class CommunityStandingView(APIView):
    @extend_schema(summary="One community's standards as of a date, with the persons behind each failure",
                   parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, pattern=r"^[0-9]{12}$",
                                                description="community code (12 digits)"), s.AsOfQuery],
                   responses=responses(s.CommunityStandingDetailSerializer, BAD_REQUEST, NOT_FOUND))
    def get(self, request, code: str):
        as_of = query(s.AsOfQuery, request).get("as_of") or today()
        result = community_standing(request.user, code, as_of)
        if result is None:
            raise NotFound()
        audit_read(request, "standing.view", f"community:{code}", code, as_of=as_of.isoformat())
        return Response(s.CommunityStandingDetailSerializer(result).data)



@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(request, *args, **kwargs):
    """Any other path under /api/v1/: a JSON 404 (after authentication), not the site's HTML page."""
    raise NotFound()
