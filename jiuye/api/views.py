"""API handlers: each one selector or service call, scoped to the caller.

Every read goes through ``Model.objects.for_user(user)`` or a selector that does; an
object outside the caller's scope is 404 (see ``jiuye.api.exceptions``). Writes go
through the services, which validate and audit. Reads of a person's or a household's
data are audited like the pages' (``via: api``).
"""

import datetime as dt
import re

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from jiuye.api import serializers as s
from jiuye.api.exceptions import refuse_nul, refuse_nul_in_body, run_service
from jiuye.api.pagination import MAX_OFFSET, Pagination
from jiuye.audit.services import audit_event_record
from jiuye.casework import services as casework_services
from jiuye.casework.services import zero_employment_sync
from jiuye.jobs import models as j
from jiuye.jobs import selectors as jobs
from jiuye.registry import models as m
from jiuye.registry import selectors as registry
from jiuye.registry import services as rs
from jiuye.registry import vocab
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
NEEDS_CONFIRMATION = {409: OpenApiResponse(
    s.ConfirmationNeededSerializer,
    description="the write would end or replace a current episode (or cancel a registration) and `confirm` is not "
                "true: nothing was written; `changes` says what would change / 需确认")}


def responses(ok, *errors: dict) -> dict:
    result = {200: ok, **UNAUTHENTICATED}
    for error in errors:
        result.update(error)
    return result


# -- helpers ---------------------------------------------------------------------------------------------


class NulGuard:
    """A NUL character in the path or the query string is a 400 saying so (in both languages),
    after authentication and before anything is read: it never reaches the database."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refuse_nul({k: v for k, v in kwargs.items() if isinstance(v, str)}, "path")
        params = {}
        for name, values in request.query_params.lists():
            params[name] = next((v for v in values if "\x00" in v), values[-1] if values else "")
            if "\x00" in name:
                params[name] = "\x00"
        refuse_nul(params, "query")


def query(serializer_class, request) -> dict:
    """The validated query parameters (400 on bad ones)."""
    # A plain dict, not the QueryDict: DRF reads a blank form value as "not given", the schema does not.
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def body(serializer_class, request) -> dict:
    refuse_nul_in_body(request.data)
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def today() -> dt.date:
    return rs.today()


def audit_read(request, action: str, target: str, division_code: str, **detail) -> None:
    audit_event_record(user=request.user, action=action, target=target, division_code=division_code,
                       detail={"via": "api", **detail})


def pk_of(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound() from None


# -- versions of a person (ETag / If-Match) ---------------------------------------------------------------

_ETAG_RE = re.compile(r'^(?:W/)?"person-(\d+)-v(\d+)"$')
ETAG_HEADER = OpenApiParameter(
    "ETag", str, OpenApiParameter.HEADER, response=[200], required=True,
    description='the version of the person read, e.g. `"person-12-v3"`: send it as `If-Match` to edit')
IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True,
    description="the `ETag` of your last read of this person. Without it: 428; if the person changed since: 412")
PRECONDITIONS = {
    412: OpenApiResponse(s.ErrorSerializer, description="the person changed since the version in If-Match (another "
                                                        "worker, a page, an import): read it again / 已被他人修改"),
    428: OpenApiResponse(s.ErrorSerializer, description="If-Match is missing / 须带 If-Match"),
}
STALE = "此人已被他人修改，请重新读取后再改 / this person was changed since the version you read: read it again"
NO_VERSION = ("须在 If-Match 中带上次读取时的 ETag / send the ETag of your last read of this person in If-Match "
              "(an edit is always checked against the stored version)")


def person_etag(person) -> str:
    return f'"person-{person.pk}-v{person.version}"'


def if_match_version(request, person) -> int | None:
    """The version the client read (from If-Match), None when it sends none; -1 when it names
    another person or is not an ETag of ours (never the stored version, so refused as stale)."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":  # "*" names no version: the edit would not be checked
        return None
    for tag in (t.strip() for t in header.split(",")):
        match = _ETAG_RE.match(tag)
        if match and int(match.group(1)) == person.pk:
            return int(match.group(2))
    return -1


# -- the register ------------------------------------------------------------------------------------

REGISTRATION_COLUMNS = {"registered_on": "登记日期", "unemployment_reason": "失业原因"}
STATUS_COLUMNS = {"status": "状态", "start": "开始日期", "employment_form": "就业形式", "employer_name": "单位名称",
                  "unemployment_reason": "失业原因"}
NUMBER_IN_URL = ("身份证号和电话号码不能放在网址中，请改用 POST 方法查找（接口 persons/search/）/ ID and phone numbers must not be sent in "
                 "a URL (logs keep them): search with POST persons/search/")
PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, OpenApiParameter.QUERY, description="1–500 (default 50)"),
    OpenApiParameter("offset", int, OpenApiParameter.QUERY, description=f"0–{MAX_OFFSET} (default 0)"),
]


@extend_schema_view(
    list=extend_schema(summary="Persons in your scope, or a search by name or pinyin initials (numbers: POST search/)",
                       parameters=[s.SearchQuery],
                       responses=responses(s.PersonSerializer(many=True), BAD_REQUEST)),
    retrieve=extend_schema(summary="A person with the dated history (audited); its ETag is the person's version",
                           responses={200: OpenApiResponse(s.PersonDetailSerializer), **UNAUTHENTICATED, **NOT_FOUND},
                           parameters=[ETAG_HEADER]),
)
class PersonViewSet(NulGuard, viewsets.ReadOnlyModelViewSet):
    pagination_class = Pagination
    serializer_class = s.PersonSerializer
    parser_classes = [JSONParser]  # a JSON API: bodies are JSON (the schema says so, and nothing else is read)

    def get_queryset(self):
        return (m.Person.objects.for_user(self.request.user).select_related("household__community")
                .order_by("household__community__code", "household__code", "pk"))

    def _search_page(self, request, wanted: str):
        people = registry.person_search(request.user, wanted, limit=100) if wanted else self.get_queryset()
        page = self.paginate_queryset(people)
        # The query itself is not logged: it may be an ID or phone number.
        audit_read(request, "person.search" if wanted else "person.list", "", request.user.scope_code or "",
                   results=len(page), offset=self.paginator.offset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def list(self, request):
        wanted = query(s.SearchQuery, request).get("q", "").strip()
        if registry.carries_number(wanted):
            raise ValidationError({"q": [NUMBER_IN_URL]})
        return self._search_page(request, wanted)

    @extend_schema(summary="Search persons by name, pinyin initials, full ID number or phone, sent in the body "
                           "(never in a URL); audited without the query",
                   request=s.PersonSearchSerializer, parameters=PAGE_PARAMETERS,
                   responses=responses(s.PersonPageSerializer, BAD_REQUEST))
    @action(detail=False, methods=["post"], url_path="search")
    def search(self, request):
        wanted = body(s.PersonSearchSerializer, request)["q"].strip()
        return self._search_page(request, wanted)

    def retrieve(self, request, pk=None):
        detail = registry.person_detail(request.user, pk_of(pk))
        person = detail["person"]
        audit_read(request, "person.view", f"person:{person.pk}", person.household.community.code,
                   **rs.person_ref(person))
        return Response(s.PersonDetailSerializer(detail).data, headers={"ETag": person_etag(person)})

    @extend_schema(summary="Change a person's 人员 columns (those given); needs If-Match with the ETag you read; "
                           "validated as the importer does and audited",
                   request=s.PersonPatchSerializer, parameters=[IF_MATCH, ETAG_HEADER],
                   responses={200: OpenApiResponse(s.PersonSerializer), **BAD_REQUEST, **UNAUTHENTICATED,
                              **NOT_FOUND, **PRECONDITIONS})
    def partial_update(self, request, pk=None):
        person = self.get_object()  # outside the scope: 404 before anything else
        version = if_match_version(request, person)
        if version is None:
            return Response({"detail": NO_VERSION}, status=status.HTTP_428_PRECONDITION_REQUIRED)
        data = body(s.PersonPatchSerializer, request)
        values = {}
        for field, value in data.items():
            if field == "categories":  # in the vocabulary's order
                value = ";".join(c for c in vocab.CATEGORY if c in value)
            values[s.PersonPatchSerializer.COLUMNS[field]] = "" if value is None else value
        try:
            person = run_service(rs.person_update, {field: column for field, column in
                                                    s.PersonPatchSerializer.COLUMNS.items()},
                                 user=request.user, person=person, values=values, base={"version": version})
        except rs.EditConflict:
            return Response({"detail": STALE}, status=status.HTTP_412_PRECONDITION_FAILED)
        person.refresh_from_db()
        return Response(s.PersonSerializer(person).data, headers={"ETag": person_etag(person)})

    def _person(self, what: str) -> m.Person:
        person = self.get_object()
        audit_read(self.request, "person.view", f"person:{person.pk}", person.household.community.code,
                   part=what, **rs.person_ref(person))
        return person

    @extend_schema(methods=["GET"], summary="A person's status episodes, newest first",
                   responses=responses(s.StatusEpisodeSerializer(many=True), NOT_FOUND))
    @action(detail=True, pagination_class=None)
    def statuses(self, request, pk=None):
        person = self._person("statuses")
        return Response(s.StatusEpisodeSerializer(person.statuses.order_by("-start"), many=True).data)

    @extend_schema(summary="Change the person's status from a day (not after today); audited. Ending or replacing "
                           "the current episode needs confirm: true (else 409 with the changes)",
                   request=s.StatusInputSerializer,
                   responses={201: s.StatusCreatedSerializer, **BAD_REQUEST, **UNAUTHENTICATED, **NOT_FOUND,
                              **NEEDS_CONFIRMATION})
    @statuses.mapping.post
    def change_status(self, request, pk=None):
        person = self.get_object()
        data = body(s.StatusInputSerializer, request)
        episode = run_service(rs.status_change, STATUS_COLUMNS, user=request.user, person=person, **data)
        zero_employment_sync(user=request.user, community=person.household.community, as_of=today())
        return Response(s.StatusCreatedSerializer(episode).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="A person's unemployment registrations, newest first",
                   responses=responses(s.RegistrationSerializer(many=True), NOT_FOUND))
    @action(detail=True, pagination_class=None)
    def registrations(self, request, pk=None):
        person = self._person("registrations")
        return Response(s.RegistrationSerializer(person.registrations.order_by("-registered_on"), many=True).data)

    @extend_schema(summary="Register the person as unemployed (失业登记, not after today); audited. Ending the job "
                           "recorded that day needs confirm: true (else 409 with the changes)",
                   request=s.RegistrationInputSerializer,
                   responses={201: s.RegistrationCreatedSerializer, **BAD_REQUEST, **UNAUTHENTICATED, **NOT_FOUND,
                              **NEEDS_CONFIRMATION})
    @registrations.mapping.post
    def register(self, request, pk=None):
        person = self.get_object()
        data = body(s.RegistrationInputSerializer, request)
        registration = run_service(casework_services.registration_create, REGISTRATION_COLUMNS,
                                   user=request.user, person=person, **data)
        # A household becomes (or stops being) zero-employment the day the data says so, as on the pages.
        zero_employment_sync(user=request.user, community=person.household.community, as_of=today())
        return Response(s.RegistrationCreatedSerializer(registration).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="Services given to a person, newest first",
                   responses=responses(s.ServiceRecordSerializer(many=True), NOT_FOUND))
    @action(detail=True, pagination_class=None)
    def services(self, request, pk=None):
        person = self._person("services")
        return Response(s.ServiceRecordSerializer(person.services.order_by("-date", "-id"), many=True).data)

    @extend_schema(summary="Record a service given to the person (not after today); audited (an identical one is "
                           "stored once)",
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
class HouseholdViewSet(NulGuard, viewsets.ReadOnlyModelViewSet):
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


class TodayView(NulGuard, APIView):
    @extend_schema(summary="Today's queue for the caller, most urgent first",
                   responses=responses(s.QueueItemSerializer(many=True)))
    def get(self, request):
        from jiuye.casework.selectors import today_queue  # pandas: not at start-up

        return Response(s.QueueItemSerializer(today_queue(request.user, today()), many=True).data)


class ZeroEmploymentView(NulGuard, APIView):
    @extend_schema(summary="Zero-employment households now, with days left; this year's eliminated cases",
                   responses=responses(s.ZeroBoardSerializer))
    def get(self, request):
        from jiuye.casework.selectors import zero_employment_board  # pandas: not at start-up

        return Response(s.ZeroBoardSerializer(zero_employment_board(request.user, today())).data)


# -- jobs ------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Vacancies in your scope", parameters=[s.VacancyQuery],
                       responses=responses(s.VacancySerializer(many=True), BAD_REQUEST)),
    retrieve=extend_schema(summary="A vacancy with its occupation and the referrals you may see",
                           responses=responses(s.VacancyDetailSerializer, NOT_FOUND)),
)
class VacancyViewSet(NulGuard, viewsets.ReadOnlyModelViewSet):
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
class EmployerViewSet(NulGuard, viewsets.ReadOnlyModelViewSet):
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
class ReferralViewSet(NulGuard, viewsets.ReadOnlyModelViewSet):
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


class StandingView(NulGuard, APIView):
    @extend_schema(operation_id="standards_communities_list",
                   summary="The eight standards of every community in your scope as of a date",
                   parameters=[s.AsOfQuery], responses=responses(s.StandingSerializer, BAD_REQUEST))
    def get(self, request):
        as_of = query(s.AsOfQuery, request).get("as_of") or today()
        return Response(s.StandingSerializer(standing_for_user(request.user, as_of)).data)


class CommunityStandingView(NulGuard, APIView):
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
