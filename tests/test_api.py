"""The REST API: tokens from the command line, scope (404 outside it), masking, audited reads and writes."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.management import call_command
from knox.models import AuthToken

from jiuye.audit.models import AuditEvent
from jiuye.registry.models import ServiceRecord
from jiuye.registry.rules.idnumber import mask, mask_phone
from tests.api_world import A, B, C, build_world

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 30, 4, 0, tzinfo=dt.UTC)  # noon in Chongqing, on the example's D


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # four users per test
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def world(jiuye, example_dir):
    return build_world(jiuye, example_dir)


@pytest.fixture
def token(jiuye, world):
    """``token("a")``: a new token of that user, made by the command."""

    def make(who: str) -> str:
        run = jiuye("token", "create", world.users[who].username)
        assert run.code == 0, run.stderr
        return run.stdout.strip()

    return make


@pytest.fixture
def api(client, token):
    """``api("a").get(path)``: requests with the Bearer token of that user."""

    class Caller:
        def __init__(self, value):
            self.headers = {"Authorization": f"Bearer {value}"}

        def get(self, path, **params):
            return client.get(f"/api/v1/{path}", params, headers=self.headers)

        def post(self, path, data):
            return client.post(f"/api/v1/{path}", json.dumps(data), content_type="application/json",
                               headers=self.headers)

        def search(self, q, **params):
            """A search sent in the body (an ID or phone number never travels in a URL)."""
            query = "&".join(f"{k}={v}" for k, v in params.items())
            return client.post(f"/api/v1/persons/search/{'?' + query if query else ''}", json.dumps({"q": q}),
                               content_type="application/json", headers=self.headers)

    return lambda who: Caller(token(who))


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    data = response.json()
    rows = data["results"] if isinstance(data, dict) else data
    return {row.get("name") or row.get("title") for row in rows}


# -- tokens -------------------------------------------------------------------------------------------


def test_token_create_prints_only_the_token_which_works_until_revoked(jiuye, world, client):
    run = jiuye("token", "create", "worker_a")
    assert run.code == 0
    lines = run.stdout.splitlines()
    assert len(lines) == 1 and len(lines[0]) >= 32 and " " not in lines[0]
    token = lines[0]
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/persons/", headers=bearer).status_code == 200
    # Stored hashed; the audit event names the user, never the token.
    stored = AuthToken.objects.get(user=world.users["a"])
    assert stored.digest != token and token not in stored.digest
    event = AuditEvent.objects.get(action="api.token.create")
    assert event.target == "user:worker_a" and event.division_code == A
    assert token not in json.dumps(event.detail) + event.target
    assert token[:15] not in json.dumps(list(AuditEvent.objects.values("target", "detail")), ensure_ascii=False)

    revoked = jiuye("token", "revoke", "worker_a")
    assert revoked.code == 0 and "1" in revoked.stdout
    response = client.get("/api/v1/persons/", headers=bearer)
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action="api.token.revoke", target="user:worker_a").exists()


def test_revoking_one_token_leaves_the_others(jiuye, world, client):
    first, second = (jiuye("token", "create", "worker_a").stdout.strip() for _ in range(2))
    assert jiuye("token", "revoke", "worker_a", "--token", "nonsense").code != 0
    assert jiuye("token", "revoke", "worker_a", "--token", first).code == 0
    assert client.get("/api/v1/persons/", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert client.get("/api/v1/persons/", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_token_command_refuses_unknown_and_inactive_users(jiuye, world):
    unknown = jiuye("token", "create", "nobody")
    assert unknown.code != 0 and unknown.stdout == ""
    assert "用户不存在" in unknown.stderr and "no such active user" in unknown.stderr
    user = world.users["b"]
    user.is_active = False
    user.save()
    for args in (("create", "worker_b"), ("revoke", "worker_b")):
        run = jiuye("token", *args)
        assert run.code != 0 and "no such active user" in run.stderr
    assert not AuditEvent.objects.filter(action__startswith="api.token").exists()


def test_a_deactivated_users_token_stops_working(world, api):
    caller = api("b")
    assert caller.get("persons/").status_code == 200
    world.users["b"].is_active = False
    world.users["b"].save()
    assert caller.get("persons/").status_code == 401


def test_anonymous_and_bad_tokens_get_401(world, client):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Token abc"}):
        response = client.get("/api/v1/persons/", headers=headers)
        assert response.status_code == 401, headers
    assert client.get("/api/v1/persons/").headers["WWW-Authenticate"] == "Bearer"
    assert client.post(f"/api/v1/persons/{world.person('张建国').pk}/services/", {}).status_code == 401


def test_session_login_works_too(client, world):
    client.login(username="worker_a", password="Gongzuo-2026!x")
    assert "张建国" in names(client.get("/api/v1/persons/"))


# -- the schema ------------------------------------------------------------------------------------------


def test_schema_is_public_openapi_3_and_generates_without_warnings(client, jiuye, tmp_path):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/")
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/persons/{id}/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["knoxApiToken"] == {"type": "http", "scheme": "bearer"}
    # drf-spectacular's own validation against the OpenAPI 3 meta-schema; a warning is a failure.
    out = tmp_path / "schema.json"
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", "--file", str(out))
    assert json.loads(out.read_text())["paths"].keys() == schema["paths"].keys()


# -- scope ------------------------------------------------------------------------------------------------


def test_persons_and_households_are_scoped(world, api):
    a, street, c = api("a"), api("street"), api("c")
    sun = world.person("孙伟")  # of B
    zhang = world.person("张建国")  # of A
    assert names(a.get("persons/")) == {"张建国", "李秀英", "张小龙", "王芳", "王德福", "刘婷", "刘洋", "刘志强",
                                        "陈勇", "赵磊"}
    seen_by_street = names(street.get("persons/", limit=100))
    assert {"张建国", "孙伟"} <= seen_by_street and "朱红" not in seen_by_street
    assert names(c.get("persons/")) == {"马国强", "朱红", "胡敏", "林强", "林娟", "林涛"}
    for path in (f"persons/{sun.pk}/", f"persons/{sun.pk}/statuses/", f"persons/{sun.pk}/registrations/",
                 f"persons/{sun.pk}/services/", f"persons/{sun.pk}/matches/", f"households/{sun.household_id}/",
                 "persons/999999/", "persons/abc/", "households/0/"):
        response = a.get(path)
        assert response.status_code == 404, path
        assert "孙伟" not in response.content.decode()
    assert street.get(f"persons/{sun.pk}/").status_code == 200
    assert c.get(f"persons/{zhang.pk}/").status_code == 404
    # A search finds only people in scope, even by full ID number.
    assert names(a.get("persons/", q="孙伟")) == set()
    assert names(street.search(sun.id_number)) == {"孙伟"}
    assert names(a.search(sun.id_number)) == set()
    assert names(a.get("persons/", q="zjg")) == {"张建国"}
    households = {h["code"] for h in a.get("households/").json()["results"]}
    assert households == {"A1", "A2", "A3", "A4"}
    assert {h["code"] for h in street.get("households/", community=B).json()["results"]} == {"B1", "B2", "B3", "B4"}
    assert a.get("households/", community=B).json()["results"] == []


def test_jobs_are_scoped(world, api):
    a, b, street = api("a"), api("b"), api("street")
    for path in (f"jobs/vacancies/{world.vacancy.pk}/", f"jobs/vacancies/{world.vacancy.pk}/candidates/",
                 f"jobs/employers/{world.employer.pk}/", f"jobs/referrals/{world.referral.pk}/"):
        assert a.get(path).status_code == 200, path
        assert street.get(path).status_code == 200, path
        assert b.get(path).status_code == 404, path
    for path in ("jobs/vacancies/", "jobs/employers/", "jobs/referrals/"):
        assert names(a.get(path)) != set() and b.get(path).json()["results"] == []
    detail = a.get(f"jobs/vacancies/{world.vacancy.pk}/").json()
    assert detail["free"] == 3 and detail["referrals"][0]["person"]["name"] == "刘婷"
    # Matching: B's resident is not offered A's vacancy by B's worker, but is by the street.
    sun = world.person("孙伟")
    assert b.get(f"persons/{sun.pk}/matches/").json() == []
    ranked = street.get(f"persons/{sun.pk}/matches/").json()
    assert [m["vacancy"]["title"] for m in ranked] == ["收银员"]
    assert ranked[0]["total"] == sum(ranked[0]["parts"].values())


def test_standards_as_of_a_date_for_communities_in_scope(world, api):
    a, street = api("a"), api("street")
    standing = a.get("standards/communities/", as_of="2026-06-30").json()
    assert [c["code"] for c in standing["communities"]] == [A] and standing["communities"][0]["pass"] is True
    both = street.get("standards/communities/", as_of="2026-06-30").json()
    assert [(c["code"], c["pass"]) for c in both["communities"]] == [(A, True), (B, False)]
    assert both["communities"][1]["standards"]["s1"] == {"pass": False, "value": 0.5, "numerator": 3,
                                                         "denominator": 6}
    for code in (B, C, "500103", "x"):
        assert a.get(f"standards/communities/{code}/", as_of="2026-06-30").status_code == 404, code
    detail = street.get(f"standards/communities/{B}/", as_of="2026-06-30").json()
    s2 = detail["community"]["explain"]["s2"]
    assert s2[0]["household"] == "B1" and s2[0]["since"] == "2026-05-01"
    sun = world.person("孙伟")
    s1 = {e["name"]: e for e in detail["community"]["explain"]["s1"]}
    assert s1["孙伟"]["id_number"] == mask(sun.id_number)
    assert sun.id_number not in json.dumps(detail)


# -- masking and audit -----------------------------------------------------------------------------------


def test_ids_and_phones_are_always_masked_and_a_person_read_is_audited(world, api):
    a = api("a")
    zhang = world.person("张建国")
    response = a.get(f"persons/{zhang.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    person = response.json()["person"]
    assert person["id_number"] == mask(zhang.id_number) == "500103********0119"
    assert person["phone"] == mask_phone("13812345678") == "138****5678"
    for listing in (a.get("persons/"), a.search(zhang.id_number), a.get(f"households/{zhang.household_id}/"),
                    a.search("13812345678")):
        body += listing.content.decode()
    assert zhang.id_number not in body and "13812345678" not in body
    assert "张建国" in body  # the searches found him
    employer = a.get(f"jobs/employers/{world.employer.pk}/").json()["employer"]
    assert employer["contact_phone"] == "139****1111"
    event = AuditEvent.objects.filter(action="person.view", target=f"person:{zhang.pk}").first()
    assert event is not None and event.user == world.users["a"] and event.division_code == A
    assert event.detail["via"] == "api" and zhang.id_number not in json.dumps(event.detail)
    assert AuditEvent.objects.filter(action="household.view", target=f"household:{zhang.household_id}").exists()
    search = AuditEvent.objects.filter(action="person.search").first()
    assert search is not None and zhang.id_number not in json.dumps(search.detail) + search.target
    assert "13812345678" not in json.dumps(list(AuditEvent.objects.values_list("detail", flat=True)))
    assert AuditEvent.objects.filter(action="person.list", user=world.users["a"]).exists()


# -- writes -----------------------------------------------------------------------------------------------


def test_recording_a_service_goes_through_the_service_and_is_audited(world, api):
    a, b = api("a"), api("b")
    zhao = world.person("赵磊")
    payload = {"date": "2026-06-29", "service_type": "职业指导", "handler": "王", "note": "电话回访"}
    before = ServiceRecord.objects.count()
    assert b.post(f"persons/{zhao.pk}/services/", payload).status_code == 404
    assert ServiceRecord.objects.count() == before
    response = a.post(f"persons/{zhao.pk}/services/", payload)
    assert response.status_code == 201, response.content
    record = ServiceRecord.objects.get(pk=response.json()["id"])
    assert (record.person, record.date, record.service_type) == (zhao, dt.date(2026, 6, 29), "职业指导")
    event = AuditEvent.objects.get(action="service.record", target=f"service:{record.pk}")
    assert event.user == world.users["a"]
    assert record.history.first().history_user == world.users["a"]
    listed = a.get(f"persons/{zhao.pk}/services/").json()
    assert listed[0] == {"id": record.pk, "date": "2026-06-29", "service_type": "职业指导", "handler": "王",
                         "note": "电话回访"}


def test_invalid_writes_are_400_with_field_errors_and_write_nothing(world, api):
    a = api("a")
    zhao = world.person("赵磊")  # registered 2025-09-30 in the example
    before = (ServiceRecord.objects.count(), zhao.registrations.count(), AuditEvent.objects.count())
    cases = [
        ("services", {"date": "2026-13-01", "service_type": "职业指导"}, "date"),
        ("services", {"date": "2026-06-01", "service_type": "算命"}, "service_type"),
        ("services", {"service_type": "职业指导"}, "date"),
        ("services", {"date": "0001-01-01", "service_type": "职业指导"}, "date"),
        ("registrations", {"registered_on": "2025-09-30"}, "registered_on"),  # the service's own check
        ("registrations", {"registered_on": "1984-01-01"}, "registered_on"),  # before his birth
    ]
    for what, payload, field in cases:
        response = a.post(f"persons/{zhao.pk}/{what}/", payload)
        assert response.status_code == 400, (payload, response.content)
        assert list(response.json()) == [field], response.json()
    messages = a.post(f"persons/{zhao.pk}/registrations/", {"registered_on": "2025-09-30"}).json()
    assert "already registered on this day" in messages["registered_on"][0]
    assert a.post(f"persons/{zhao.pk}/services/", ["x"]).status_code == 400
    # Reads of the person (404s, 400s) wrote no audit events; nothing else was written.
    assert (ServiceRecord.objects.count(), zhao.registrations.count(), AuditEvent.objects.count()) == before


def test_registration_through_the_api_makes_the_person_unemployed(world, api):
    a = api("a")
    zhao = world.person("赵磊")  # 就业 since 2025-10-30: the registration ends that episode, so it is confirmed
    payload = {"registered_on": "2026-06-29", "unemployment_reason": "辞职"}
    refused = a.post(f"persons/{zhao.pk}/registrations/", payload)
    assert refused.status_code == 409, refused.content
    assert [(c["kind"], c["status"], c["start"], c["end"]) for c in refused.json()["changes"]] == [
        ("ends", "就业", "2025-10-30", "2026-06-28")]
    assert not zhao.registrations.filter(registered_on=dt.date(2026, 6, 29)).exists()
    response = a.post(f"persons/{zhao.pk}/registrations/", {**payload, "confirm": True})
    assert response.status_code == 201, response.content
    assert response.json()["registered_on"] == "2026-06-29"
    assert response.json()["changes"] == refused.json()["changes"]
    assert zhao.statuses.get(start=dt.date(2026, 6, 29)).status == "失业"
    assert AuditEvent.objects.filter(action="registration.create", user=world.users["a"]).exists()
    statuses = a.get(f"persons/{zhao.pk}/statuses/").json()
    assert statuses[0]["status"] == "失业" and statuses[0]["start"] == "2026-06-29"


# -- casework ------------------------------------------------------------------------------------------------


def test_queue_and_zero_employment_board_are_the_callers(world, api):
    a, b = api("a"), api("b")
    board = b.get("casework/zero-employment/").json()
    assert [row["household"]["code"] for row in board["current"]] == ["B1"]
    assert board["current"][0]["days_left"] < 0  # 孙伟's household is overdue
    assert a.get("casework/zero-employment/").json()["current"] == []
    queue = b.get("casework/today/").json()
    assert any(item["kind"] == "zero" and item["household_id"] == world.person("孙伟").household_id for item in queue)
    assert all("孙伟" not in item["title"] for item in a.get("casework/today/").json())


# -- bad parameters --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path,params", [
    ("standards/communities/", {"as_of": "2026-02-30"}),
    ("standards/communities/", {"as_of": "yesterday"}),
    ("standards/communities/", {"as_of": "0001-01-01"}),
    (f"standards/communities/{A}/", {"as_of": "9999-12-31"}),
    ("households/", {"community": "abc"}),
    ("jobs/vacancies/", {"occupation": "x-y"}),
    ("jobs/vacancies/", {"open": "maybe"}),
    ("jobs/referrals/", {"vacancy": "one"}),
    ("jobs/referrals/", {"stage": "面谈"}),
    ("persons/", {"q": "张\x00"}),
    ("persons/", {"q": "x" * 101}),
])
def test_bad_query_parameters_are_400(world, api, path, params):
    response = api("a").get(path, **params)
    assert response.status_code == 400, response.content
    assert set(response.json()) <= set(params)


def test_bad_parameters_of_a_person_are_400_not_500(world, api):
    zhang = world.person("张建国")
    for params in ({"limit": "0"}, {"limit": "1000"}, {"on": "2026-06-31"}, {"include_excluded": "perhaps"}):
        assert api("a").get(f"persons/{zhang.pk}/matches/", **params).status_code == 400, params
