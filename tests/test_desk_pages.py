"""The worker's desk over HTTP: flows, errors beside fields, and no way across communities."""

import datetime as dt
import re

import pytest
import time_machine

from jiuye.accounts.services import user_add
from jiuye.casework.models import ZeroEmploymentCase
from jiuye.registry import models as m

pytestmark = pytest.mark.django_db
PASSWORD = "Gongzuo-2026!x"


@pytest.fixture
def register(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    user_add(username="jia", role="community", scope_code="500103001001", password=PASSWORD)
    user_add(username="yi", role="community", scope_code="500103001002", password=PASSWORD)


@pytest.fixture
def as_jia(client, register):
    client.login(username="jia", password=PASSWORD)
    return client


def _person(name):
    return m.Person.objects.get(name=name)


def _counts():
    return {model.__name__: model.objects.count() for model in (
        m.Person, m.Household, m.StatusEpisode, m.UnemploymentRegistration, m.ServiceRecord, ZeroEmploymentCase)}


@time_machine.travel(dt.date(2026, 10, 9))
def test_registration_flow_shows_the_deadline_and_changes_the_standing(as_jia):
    zhao = _person("赵磊")
    page = as_jia.get(f"/people/{zhao.pk}/register/")
    assert page.status_code == 200 and "登记日期" in page.content.decode()
    assert "2026-10-10" in as_jia.get("/deadline/?date=2026-09-30").content.decode()
    # 赵磊 is recorded in work: the page says which episode ends, and writes nothing until confirmed.
    asked = as_jia.post(f"/people/{zhao.pk}/register/", {"date": "2026-09-30", "reason": "辞职"})
    body = asked.content.decode()
    assert asked.status_code == 200 and 'id="confirmation"' in body
    assert "2025-10-30" in body and "2026-09-29" in body
    assert not zhao.registrations.filter(registered_on=dt.date(2026, 9, 30)).exists()
    token = re.search(r'name="confirm" value="([^"]+)"', body).group(1)
    response = as_jia.post(f"/people/{zhao.pk}/register/", {"date": "2026-09-30", "reason": "辞职", "confirm": token},
                           follow=True)
    assert "2026-10-10" in response.content.decode()
    assert zhao.statuses.get(start=dt.date(2026, 9, 30)).status == "失业"
    assert "A4" in as_jia.get("/zero/").content.decode()
    standing = as_jia.get("/standing/500103001001/").content.decode()
    assert "7/8" in standing


@time_machine.travel(dt.date(2026, 10, 9))
def test_an_invalid_entry_is_shown_beside_its_field_and_nothing_is_written(as_jia):
    zhang = _person("张建国")
    before = _counts()
    response = as_jia.post(f"/people/{zhang.pk}/employment/", {"start": "1970-01-01", "form": "单位就业"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-start"' in body and "出生" in body
    assert _counts() == before


def test_person_edit_validates_like_the_importer(as_jia):
    from jiuye.registry.forms import PersonForm

    zhang = _person("张建国")
    form = {"id_number": "500103198003150118", "name": "张建国", "sex": "男", "birth_date": "1980-03-15",
            "residence_start": "2005-01-01", "base": PersonForm.initial_for(zhang)["base"]}
    body = as_jia.post(f"/people/{zhang.pk}/edit/", form).content.decode()
    assert 'id="error-id_number"' in body and "身份证号校验失败" in body and "GB 11643 check" not in body
    form["id_number"] = zhang.id_number
    form["skills"] = "电工证"
    assert as_jia.post(f"/people/{zhang.pk}/edit/", form).status_code == 302
    zhang.refresh_from_db()
    assert zhang.skills == "电工证"
    assert zhang.history.first().history_user.username == "jia"


def test_search_by_pinyin_initials_name_and_id(as_jia):
    assert "张建国" in as_jia.get("/people/?q=zjg").content.decode()
    assert "张建国" in as_jia.get("/people/?q=建国").content.decode()
    assert "张建国" in as_jia.post("/people/", {"q": "500103198003150119"}).content.decode()
    body = as_jia.get("/people/?q=sw").content.decode()  # 孙伟 lives in 乙: not found from 甲
    assert "孙伟" not in body


def test_ids_are_masked_and_revealing_needs_permission(as_jia):
    zhang = _person("张建国")
    body = as_jia.get(f"/people/{zhang.pk}/").content.decode()
    assert "500103198003150119" not in body and "500103********0119" in body
    assert as_jia.post(f"/people/{zhang.pk}/reveal/", {"reason": "核对"}).status_code == 403


def test_a_worker_can_neither_see_nor_change_another_community(client, register):
    client.login(username="yi", password=PASSWORD)
    zhang = _person("张建国")  # of 甲 (500103001001)
    household = zhang.household
    before = _counts()
    for url in (f"/people/{zhang.pk}/", f"/households/{household.pk}/", f"/people/{zhang.pk}/edit/",
                f"/people/{zhang.pk}/register/", f"/people/{zhang.pk}/employment/",
                "/standing/500103001001/", f"/households/{household.pk}/add/"):
        assert client.get(url).status_code == 404, url
    for url, data in ((f"/people/{zhang.pk}/register/", {"date": "2026-06-01"}),
                      (f"/people/{zhang.pk}/guidance/", {"date": "2026-06-01"}),
                      (f"/people/{zhang.pk}/reveal/", {"reason": "x"}),
                      (f"/people/{zhang.pk}/edit/", {"name": "x"})):
        assert client.post(url, data).status_code == 404, url
    for url in ("/ledgers/unemployed/?division=500103001001", "/ledgers/unemployed/xlsx/?division=500103001001",
                "/ledgers/labour-force/?division=500103"):
        assert client.get(url).status_code == 403, url
    assert "没有找到居民" in client.get("/people/?q=张建国").content.decode()
    standing = client.get("/standing/").content.decode()
    assert "示例乙社区" in standing and "示例甲社区" not in standing
    assert _counts() == before


def test_ledgers_page_and_printable_workbook(as_jia):
    body = as_jia.get("/ledgers/").content.decode()
    assert body.count('href="/ledgers/') == 14  # the nav link, import, export, jobs and the ten ledgers
    page = as_jia.get("/ledgers/migrant-workers/?as_of=2026-06-30").content.decode()
    assert "陈勇" in page
    response = as_jia.get("/ledgers/migrant-workers/xlsx/?as_of=2026-06-30")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "农民工台账" in text and "陈勇" in text and "500103199001010117" not in text


def test_anonymous_users_are_sent_to_login(client, register):
    for url in ("/", "/people/", "/zero/", "/ledgers/", "/standing/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@time_machine.travel(dt.date(2026, 10, 9))
def test_a_person_added_in_the_browser_is_in_the_export_and_the_standards(as_jia, jiuye, tmp_path):
    household = m.Household.objects.get(code="A4")
    form = {"id_number": "50010319900101013X", "name": "赵新", "sex": "男", "birth_date": "1990-01-01",
            "relation": "配偶", "residence_start": "2020-01-01"}
    from jiuye.registry.rules.idnumber import check_digit

    form["id_number"] = "50010319900101013" + check_digit("50010319900101013")
    assert as_jia.post(f"/households/{household.pk}/add/", form).status_code == 302
    zhao_xin = _person("赵新")
    as_jia.post(f"/people/{zhao_xin.pk}/register/", {"date": "2026-10-08", "reason": "辞职"})
    out = tmp_path / "export"
    assert jiuye("export", str(out)).code == 0
    people = (out / "人员.csv").read_text(encoding="utf-8-sig")
    assert "赵新" in people and form["id_number"] in people
    assert "2026-10-08" in (out / "失业登记.csv").read_text(encoding="utf-8-sig")
    # The same rows imported into an empty register give the same evaluation.
    from jiuye.standards.evaluate import evaluate

    browser_view = evaluate(dt.date(2026, 10, 9))["communities"]
    for model in (m.ServiceRecord, m.StatusEpisode, m.UnemploymentRegistration, m.DibaoEpisode, m.Complaint,
                  m.Target, m.OrganizationRecord):
        model.objects.all().delete()
    ZeroEmploymentCase.objects.all().delete()
    m.Person.objects.all().delete()
    m.Household.objects.all().delete()
    assert jiuye("import", str(out)).code == 0
    assert evaluate(dt.date(2026, 10, 9))["communities"] == browser_view


@time_machine.travel(dt.date(2026, 10, 9))
def test_a_date_out_of_any_calendar_is_refused_beside_its_field(as_jia):
    zhao = _person("赵磊")
    before = _counts()
    response = as_jia.post(f"/people/{zhao.pk}/register/", {"date": "9999-12-30", "reason": "辞职"})
    assert response.status_code == 200 and "日期超出范围" in response.content.decode()
    assert _counts() == before
    assert as_jia.get("/deadline/?date=9999-12-30").status_code == 200
