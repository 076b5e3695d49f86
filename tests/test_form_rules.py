"""The rules every form and API write follows, as a worker (or a client of the API) meets them:
no fact dated after today, a confirmation before a write ends or changes a current episode,
edits always checked against the version they started from, and a NUL said for what it is.

The worked example, seen on 2026-10-09 at 10:00 in Chongqing by 甲's worker.
"""

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client

from jiuye.accounts.services import user_add
from jiuye.api.services import token_create
from jiuye.audit.models import AuditEvent
from jiuye.casework import services as cs
from jiuye.casework.models import FollowUp, PolicyBenefit, Training, ZeroEmploymentCase
from jiuye.jobs import models as j
from jiuye.jobs import services as js
from jiuye.registry import models as m
from jiuye.registry import services as rs
from jiuye.registry.forms import PersonForm
from jiuye.registry.rules.idnumber import check_digit

pytestmark = pytest.mark.django_db

PASSWORD = "Gongzuo-2026!x"
A, B = "500103001001", "500103001002"
TODAY = dt.date(2026, 10, 9)
TOMORROW = TODAY + dt.timedelta(days=1)
FUTURE = "晚于今天"  # the refusal of a fact dated after today, in the Chinese half of its message


@pytest.fixture(autouse=True)
def on_the_day(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # 00:30 in Chongqing is still the evening before in UTC: "today" is the register's day, not UTC's.
    with time_machine.travel(dt.datetime(2026, 10, 9, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def world(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return {
        "jia": user_add(username="jia", role="community", scope_code=A, password=PASSWORD),
        "yi": user_add(username="yi", role="community", scope_code=B, password=PASSWORD),
    }


@pytest.fixture
def jia(client, world):
    client.force_login(world["jia"])
    return client


@pytest.fixture
def api(world):
    client, token = Client(), token_create(username="jia")
    headers = {"Authorization": f"Bearer {token}"}

    class Caller:
        def get(self, path, **extra):
            return client.get(f"/api/v1/{path}", headers={**headers, **extra})

        def post(self, path, data):
            return client.post(f"/api/v1/{path}", json.dumps(data), content_type="application/json", headers=headers)

        def patch(self, path, data, **extra):
            return client.patch(f"/api/v1/{path}", json.dumps(data), content_type="application/json",
                                headers={**headers, **extra})

    return Caller()


def person(name):
    return m.Person.objects.select_related("household").get(name=name)


def counts():
    return {model.__name__: model.objects.count() for model in (
        m.Person, m.Household, m.StatusEpisode, m.UnemploymentRegistration, m.ServiceRecord, Training, PolicyBenefit,
        ZeroEmploymentCase, FollowUp, j.Referral, j.EmployerAgreement)}


def statuses(p):
    return [(s.status, s.start, s.end) for s in p.statuses.order_by("start")]


def token_of(body: str) -> str:
    return re.search(r'name="confirm" value="([^"]+)"', body).group(1)


def field_error(body: str, field: str) -> str:
    found = re.search(rf'id="error-{field}">([^<]*)<', body)
    return found.group(1) if found else ""


# -- no fact after today --------------------------------------------------------------------------------

# flow, the form, its date field (each a fact)
FLOW_FORMS = [
    ("register", {"reason": "辞职"}, "date"),
    ("guidance", {}, "date"),
    ("referral", {}, "date"),
    ("visit", {"note": "走访"}, "date"),
    ("outreach", {"kind": "政策宣传"}, "date"),
    ("training", {"course": "电工"}, "start"),
    ("benefit", {"kind": "社会保险补贴", "amount": "100"}, "start"),
    ("employment", {"form": "单位就业", "employer": "重庆某物业公司"}, "start"),
    ("status", {"status": "失业", "reason": "辞职"}, "start"),
    ("cancel", {"reason": "其他"}, "date"),
]


@pytest.mark.parametrize(("flow", "data", "field"), FLOW_FORMS, ids=[f[0] for f in FLOW_FORMS])
def test_a_casework_date_after_today_is_refused_beside_its_field(jia, world, flow, data, field):
    zhao = person("赵磊")
    if flow == "cancel":  # a registration to cancel
        cs.registration_create(user=world["jia"], person=zhao, registered_on=dt.date(2026, 9, 30))
    before = counts()
    response = jia.post(f"/people/{zhao.pk}/{flow}/", {**data, field: TOMORROW.isoformat()})
    body = response.content.decode()
    assert response.status_code == 200
    assert FUTURE in field_error(body, field) and "2026-10-10" in field_error(body, field), body
    assert counts() == before
    # The date picker offers no later day either.
    assert f'max="{TODAY.isoformat()}"' in body


def test_today_is_accepted_and_so_is_a_planned_end(jia, world):
    zhao = person("赵磊")
    response = jia.post(f"/people/{zhao.pk}/guidance/", {"date": TODAY.isoformat()})
    assert response.status_code == 302
    # A course that ends next month, a benefit that runs into next year: ends may be planned.
    assert jia.post(f"/people/{zhao.pk}/training/", {"course": "电工", "start": TODAY.isoformat(),
                                                     "end": "2026-11-30"}).status_code == 302
    assert jia.post(f"/people/{zhao.pk}/benefit/", {"kind": "社会保险补贴", "start": TODAY.isoformat(),
                                                    "end": "2027-09-30"}).status_code == 302
    assert Training.objects.get(person=zhao).end == dt.date(2026, 11, 30)


def _new_person_form(**changes) -> dict:
    body = "50010319900101013"
    return {"id_number": body + check_digit(body), "name": "赵新", "sex": "男", "birth_date": "1990-01-01",
            "relation": "配偶", "residence_start": "2020-01-01"} | changes


def test_a_person_born_or_moving_in_after_today_is_refused(jia):
    household = m.Household.objects.get(code="A4")
    before = counts()
    body = "50010320261010001"
    born = _new_person_form(id_number=body + check_digit(body), birth_date="2026-10-10", residence_start="2026-10-10")
    page = jia.post(f"/households/{household.pk}/add/", born).content.decode()
    assert FUTURE in field_error(page, "birth_date") and FUTURE in field_error(page, "residence_start")
    page = jia.post(f"/households/{household.pk}/add/", _new_person_form(residence_start="2026-11-01")).content.decode()
    assert FUTURE in field_error(page, "residence_start") and not field_error(page, "birth_date")
    assert counts() == before
    assert jia.post(f"/households/{household.pk}/add/", _new_person_form()).status_code == 302


def test_an_edit_refuses_only_the_dates_it_writes(jia):
    # An import may carry a planned move: 刘洋 moves in on 2026-12-01 and out at the end of 2027.
    liu = person("刘洋")
    m.Person.objects.filter(pk=liu.pk).update(residence_start=dt.date(2026, 12, 1),
                                              residence_end=dt.date(2027, 12, 31))
    liu.refresh_from_db()
    url = f"/people/{liu.pk}/edit/"
    form = {"base": PersonForm.initial_for(liu)["base"], "name": liu.name, "sex": liu.sex,
            "birth_date": liu.birth_date.isoformat(), "residence_start": "2026-12-01",
            "residence_end": "2027-12-31", "education": liu.education, "skills": "电工证"}
    assert jia.post(url, form).status_code == 302  # the stored future dates do not block the skills
    liu.refresh_from_db()
    assert liu.skills == "电工证" and liu.residence_start == dt.date(2026, 12, 1)
    form["base"] = PersonForm.initial_for(liu)["base"]
    page = jia.post(url, {**form, "residence_start": "2026-11-15"}).content.decode()
    assert FUTURE in field_error(page, "residence_start")
    liu.refresh_from_db()
    assert liu.residence_start == dt.date(2026, 12, 1)


def test_jobs_and_zero_employment_facts_after_today_are_refused(jia, world):
    worker = world["jia"]
    employer = js.employer_create(user=worker, community=A, name="甲社区超市")
    page = jia.post(f"/jobs/employers/{employer.pk}/", {"form": "agreement", "a-kind": "结对子",
                                                         "a-signed_on": TOMORROW.isoformat()}).content.decode()
    assert re.search(rf'name="a-signed_on"[^>]*>\s*</label><p class="field-error">[^<]*{FUTURE}', page)
    vacancy = js.vacancy_create(user=worker, community=A, title="收银员", employer=employer,
                                opened_on=dt.date(2026, 9, 1), count=2)
    referral = js.referral_create(user=worker, vacancy=vacancy, person=person("刘婷"), referred_on=TODAY)
    response = jia.post(f"/jobs/referrals/{referral.pk}/hire/", {"date": TOMORROW.isoformat()}, follow=True)
    assert FUTURE in response.content.decode()
    referral.refresh_from_db()
    assert referral.outcome == "" and not j.EmployerAgreement.objects.exists()
    # A vacancy may open next month (a plan), a follow-up visit may be due then; one done tomorrow is not a fact.
    js.vacancy_create(user=worker, community=A, title="保洁员", opened_on=dt.date(2026, 11, 1))
    follow_up = cs.follow_up_schedule(user=worker, person=person("赵磊"), due=dt.date(2026, 11, 9))
    with pytest.raises(rs.ValidationFailed, match=FUTURE):
        cs.follow_up_done(user=worker, follow_up=follow_up, done_on=TOMORROW)
    # 赵磊 (alone in A4) out of work: A4 is zero-employment; its recognition is a fact too.
    cs.registration_create(user=worker, person=person("赵磊"), registered_on=dt.date(2026, 9, 30))
    cs.zero_employment_sync(user=worker, community=A, as_of=TODAY)
    case = ZeroEmploymentCase.objects.in_division(A).get()
    response = jia.post(f"/zero/{case.pk}/recognize/", {"date": TOMORROW.isoformat(), "plan": "一对一"}, follow=True)
    assert FUTURE in response.content.decode()
    case.refresh_from_db()
    assert case.recognized_on is None


def test_the_api_refuses_facts_after_today_beside_the_field(api):
    zhao, zhang = person("赵磊"), person("张建国")
    before = counts()
    cases = [
        (f"persons/{zhao.pk}/services/", {"date": "2026-10-10", "service_type": "职业指导"}, "date"),
        (f"persons/{zhao.pk}/registrations/", {"registered_on": "2026-10-10", "confirm": True}, "registered_on"),
        (f"persons/{zhang.pk}/statuses/", {"status": "失业", "start": "2026-10-10", "confirm": True}, "start"),
    ]
    for path, payload, field in cases:
        response = api.post(path, payload)
        assert response.status_code == 400, (path, response.content)
        assert list(response.json()) == [field] and FUTURE in response.json()[field][0]
    etag = api.get(f"persons/{zhang.pk}/")["ETag"]
    response = api.patch(f"persons/{zhang.pk}/", {"residence_start": "2026-10-10"}, **{"If-Match": etag})
    assert response.status_code == 400 and FUTURE in response.json()["residence_start"][0]
    assert counts() == before
    assert api.post(f"persons/{zhao.pk}/services/", {"date": "2026-10-09", "service_type": "职业指导"}).status_code == 201


# -- confirmation before a current episode ends or changes ------------------------------------------------


def test_a_status_change_shows_what_ends_and_waits_for_confirmation(jia):
    zhang = person("张建国")  # 就业 since 2005-03-01 at 重庆某公司
    before, stored = counts(), statuses(zhang)
    url = f"/people/{zhang.pk}/status/"
    data = {"status": "失业", "start": "2026-10-09", "reason": "单位解除合同"}
    page = jia.post(url, data).content.decode()
    assert 'id="confirmation"' in page
    assert "就业（自 2005-03-01 起，重庆某公司）于 2026-10-08 结束" in page
    assert counts() == before and statuses(zhang) == stored
    token = token_of(page)
    # The worker changes the day after seeing it: the confirmation was for another change, so it asks again.
    again = jia.post(url, {**data, "start": "2026-10-01", "confirm": token}).content.decode()
    assert "于 2026-09-30 结束" in again and statuses(zhang) == stored
    assert jia.post(url, {**data, "start": "2026-10-01", "confirm": token_of(again)}).status_code == 302
    assert statuses(zhang) == [("就业", dt.date(2005, 3, 1), dt.date(2026, 9, 30)), ("失业", dt.date(2026, 10, 1), None)]


def test_the_confirmation_is_in_the_pages_language(client, world):
    client.force_login(world["jia"])
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    zhang = person("张建国")
    page = client.post(f"/people/{zhang.pk}/register/", {"date": "2026-10-09", "reason": "辞职"}).content.decode()
    assert "就业 since 2005-03-01 at 重庆某公司 ends on 2026-10-08" in page
    assert "Confirm and save" in page and "结束" not in page


def test_employment_lists_the_episode_and_the_registration_it_closes(jia, world):
    zhao = person("赵磊")
    cs.registration_create(user=world["jia"], person=zhao, registered_on=dt.date(2026, 9, 30),
                           unemployment_reason="辞职", confirm=True)
    url = f"/people/{zhao.pk}/employment/"
    data = {"start": "2026-10-09", "form": "单位就业", "employer": "重庆某物业公司"}
    page = jia.post(url, data).content.decode()
    changes = re.findall(r'<li class="change-(\w+)">([^<]*)</li>', page)
    assert changes == [("ends", "失业（自 2026-09-30 起，辞职）于 2026-10-08 结束"),
                       ("cancelled", "2026-09-30 的失业登记于 2026-10-09 注销（已就业）")], page
    registration = zhao.registrations.get(registered_on=dt.date(2026, 9, 30))
    assert registration.cancelled_on is None
    assert jia.post(url, {**data, "confirm": token_of(page)}).status_code == 302
    registration.refresh_from_db()
    assert registration.cancelled_on == TODAY and registration.cancel_reason == "已就业"


def test_a_write_that_ends_nothing_needs_no_confirmation(jia, world):
    household = m.Household.objects.get(code="A4")
    newcomer = rs.person_create(user=world["jia"], household=household, values={
        "身份证号": _new_person_form()["id_number"], "姓名": "赵新", "性别": "男", "出生日期": "1990-01-01",
        "居住起始日期": "2020-01-01"})  # no status recorded
    response = jia.post(f"/people/{newcomer.pk}/register/", {"date": "2026-10-08", "reason": "辞职"})
    assert response.status_code == 302
    assert statuses(newcomer) == [("失业", dt.date(2026, 10, 8), None)]


def test_the_api_refuses_an_unconfirmed_change_and_answers_what_changed(api):
    zhang = person("张建国")
    stored = statuses(zhang)
    payload = {"status": "退休", "start": "2026-10-01"}
    refused = api.post(f"persons/{zhang.pk}/statuses/", payload)
    assert refused.status_code == 409
    change = refused.json()["changes"][0]
    assert (change["kind"], change["status"], change["start"], change["end"], change["detail"]) == (
        "ends", "就业", "2005-03-01", "2026-09-30", "重庆某公司")
    assert "ends on 2026-09-30" in change["description"] and "结束" in change["description"]
    assert statuses(zhang) == stored
    assert api.post(f"persons/{zhang.pk}/statuses/", {**payload, "confirm": False}).status_code == 409
    done = api.post(f"persons/{zhang.pk}/statuses/", {**payload, "confirm": True})
    assert done.status_code == 201 and done.json()["status"] == "退休"
    assert done.json()["changes"] == refused.json()["changes"]
    assert statuses(zhang)[-1] == ("退休", dt.date(2026, 10, 1), None)
    assert AuditEvent.objects.filter(action="status.change", target=f"person:{zhang.pk}").exists()
    # Nothing current to end: no confirmation asked, nothing listed.
    again = api.post(f"persons/{zhang.pk}/services/", {"date": "2026-10-09", "service_type": "上门走访"})
    assert again.status_code == 201


def test_a_status_from_the_day_an_episode_starts_replaces_it_once_confirmed(jia):
    li = person("李秀英")  # 就业 (灵活就业) since 2026-03-01
    url = f"/people/{li.pk}/status/"
    data = {"status": "就业", "start": "2026-03-01", "employment_form": "单位就业", "employer": "重庆某超市"}
    page = jia.post(url, data).content.decode()
    assert re.findall(r'<li class="change-(\w+)">([^<]*)</li>', page) == [
        ("replaced", "自 2026-03-01 起的就业（灵活就业）改为就业（重庆某超市）")]
    assert jia.post(url, {**data, "confirm": token_of(page)}).status_code == 302
    assert li.statuses.get(start=dt.date(2026, 3, 1)).employer_name == "重庆某超市"
    # The same episode again is no change: saved without asking.
    assert jia.post(url, data).status_code == 302


def test_the_schema_documents_the_confirmation_field_and_the_409(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path, body in (("/api/v1/persons/{id}/registrations/", "RegistrationInput"),
                       ("/api/v1/persons/{id}/statuses/", "StatusInput")):
        operation = schema["paths"][path]["post"]
        assert "409" in operation["responses"] and "201" in operation["responses"]
        assert schema["components"]["schemas"][body]["properties"]["confirm"]["type"] == "boolean"


# -- edits always version-checked ------------------------------------------------------------------------


def test_an_edit_posted_without_its_version_is_refused_like_a_stale_one(jia):
    zhang = person("张建国")
    url = f"/people/{zhang.pk}/edit/"
    data = {"name": "张建国", "sex": "男", "birth_date": "1980-03-15", "residence_start": "2005-01-01",
            "education": "大学本科"}
    response = jia.post(url, data)  # no "base": an old page, or a client of its own
    body = response.content.decode()
    assert response.status_code == 409 and 'id="conflict"' in body
    assert "大学本科" in body  # what saving would change, from the stored 大专
    zhang.refresh_from_db()
    assert zhang.education == "大专"
    base = re.search(r'name="base" value="([^"]+)"', body).group(1)  # the form now starts from the stored version
    assert jia.post(url, {**data, "base": base}).status_code == 302
    zhang.refresh_from_db()
    assert zhang.education == "大学本科"


def test_an_api_edit_sends_the_version_it_read(api, jia, world):
    zhang = person("张建国")
    read = api.get(f"persons/{zhang.pk}/")
    etag = read["ETag"]
    assert read.status_code == 200 and etag == f'"person-{zhang.pk}-v{zhang.version}"'
    for headers in ({}, {"If-Match": "*"}):
        response = api.patch(f"persons/{zhang.pk}/", {"skills": "焊工"}, **headers)
        assert response.status_code == 428 and "If-Match" in response.json()["detail"]
    done = api.patch(f"persons/{zhang.pk}/", {"skills": "焊工", "categories": ["复转军人"]}, **{"If-Match": etag})
    assert done.status_code == 200, done.content
    assert done.json()["skills"] == "焊工" and done.json()["categories"] == ["复转军人"]
    assert done["ETag"] != etag and done["ETag"] == api.get(f"persons/{zhang.pk}/")["ETag"]
    stale = api.patch(f"persons/{zhang.pk}/", {"skills": "电工"}, **{"If-Match": etag})
    assert stale.status_code == 412
    # A change on a page also makes the version read by the API stale.
    current = done["ETag"]
    zhang.refresh_from_db()
    form = {"base": PersonForm.initial_for(zhang)["base"], "name": "张建国", "sex": "男", "birth_date": "1980-03-15",
            "residence_start": "2005-01-01", "education": "大专", "skills": "焊工;电工"}
    assert jia.post(f"/people/{zhang.pk}/edit/", form).status_code == 302
    assert api.patch(f"persons/{zhang.pk}/", {"skills": "x"}, **{"If-Match": current}).status_code == 412
    zhang.refresh_from_db()
    assert zhang.skills == "焊工;电工"
    assert AuditEvent.objects.filter(action="person.update", user=world["jia"]).count() == 2
    # Outside the scope it is not found, If-Match or not.
    sun = person("孙伟")
    assert api.patch(f"persons/{sun.pk}/", {"skills": "x"}).status_code == 404


# -- NUL in the API ------------------------------------------------------------------------------------------


def _nul_said(messages) -> bool:
    text = " ".join(messages)
    return "空字符" in text and "NUL" in text


def test_a_nul_anywhere_in_an_api_request_is_named_in_both_languages(api):
    zhao = person("赵磊")
    for path, name in (("persons/?q=%00", "q"), ("households/?q=a%00b", "q"), ("households/?community=%00", "community"),
                       ("jobs/vacancies/?on=%00", "on"), ("jobs/employers/?q=%00", "q"),
                       ("jobs/referrals/?stage=%00", "stage"), ("persons/?limit=%00", "limit"),
                       ("standards/communities/?as_of=2026-06-30%00", "as_of"),
                       (f"persons/{zhao.pk}/matches/?on=%00", "on")):
        response = api.get(path)
        assert response.status_code == 400, (path, response.content)
        assert _nul_said(response.json()[name]), (path, response.json())
    response = api.get("standards/communities/5001%0003001001/")
    assert response.status_code == 400 and _nul_said(response.json()["code"])
    response = api.post(f"persons/{zhao.pk}/services/", {"date": "2026-10-09", "service_type": "职业指导",
                                                          "note": "走访\x00"})
    assert response.status_code == 400 and _nul_said(response.json()["note"])
    response = api.post("persons/search/", {"q": "张\x00"})
    assert response.status_code == 400 and _nul_said(response.json()["q"])
    assert not m.ServiceRecord.objects.filter(note__startswith="走访").exists()


def test_a_nul_in_a_form_is_refused_beside_its_field_and_in_a_search_finds_nobody(jia):
    zhao = person("赵磊")
    page = jia.post(f"/people/{zhao.pk}/visit/", {"date": "2026-10-09", "note": "走访\x00"}).content.decode()
    assert "空字符" in field_error(page, "note")
    assert jia.post("/people/", {"q": "赵\x00"}).status_code == 200
    assert jia.get("/people/?q=%E8%B5%B5%00").status_code == 200
    assert jia.get("/jobs/?q=%00").status_code == 200 and jia.get("/jobs/employers/?q=%00").status_code == 200
