"""One language per page, in Chinese and in English: messages, errors beside fields, a job's
problems, the error pages (403, 404, 500, an expired form, a login lockout) inside the site's
layout, and no link the user could not follow."""

import datetime as dt
import re

import pytest
from django.test import Client, override_settings
from django.urls import include, path

from jiuye.accounts.models import User
from jiuye.accounts.services import user_add
from jiuye.bilingual import halves
from jiuye.registry import models as m

pytestmark = pytest.mark.django_db
PASSWORD = "Gongzuo-2026!x"
JIA, YI = "500103001001", "500103001002"


def boom(request):
    raise RuntimeError("a bug")


# This module is also a URL map: the site's, plus a page that fails.
urlpatterns = [path("boom/", boom), path("", include("jiuye.urls"))]
handler500 = "jiuye.errors.server_error"
handler404 = "jiuye.errors.page_not_found"
handler403 = "jiuye.errors.permission_denied"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def users(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return {"jia": user_add(username="jia", role="community", scope_code=JIA, password=PASSWORD),
            "jie": user_add(username="jie", role="street", scope_code="500103001", password=PASSWORD),
            "yu": user_add(username="yu", role="district", scope_code="500103", password=PASSWORD),
            "root": User.objects.create_superuser("root", password=PASSWORD)}


def _client(user=None, language="zh-hans", **kwargs) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _main(response) -> str:
    html = response.content.decode()
    assert '<html lang="' in html and 'class="top"' in html, "not inside the site's layout"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1].split("</main>", 1)[0]))


def _one_language(text: str) -> bool:
    return not any(halves(part) for part in re.split(r"\s{2,}|\n", text) if part.strip())


# -- error pages ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("language", "title", "reason"), [
    ("zh-hans", "无权访问", "该区划不在您的管辖范围内"), ("en", "Not allowed", "this division is outside your scope")])
def test_a_refusal_is_a_page_in_the_users_language(users, language, title, reason):
    response = _client(users["jia"], language).get("/ledgers/unemployed/", {"division": YI})
    assert response.status_code == 403
    text = _main(response)
    assert title in text and reason in text and _one_language(text)
    assert "Forbidden" not in response.content.decode()


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "页面不存在"), ("en", "Page not found")])
def test_a_missing_page_is_a_page_in_the_users_language(users, language, title):
    client = _client(users["jia"], language)
    for url in ("/no-such-page/", f"/people/{m.Person.objects.get(name='孙伟').pk}/"):  # another community's
        response = client.get(url)
        assert response.status_code == 404 and title in _main(response)
        assert 'class="tabs"' in response.content.decode()  # the navigation is there to go on from
    anonymous = _client(None, language).get("/no-such-page/")
    assert anonymous.status_code == 404 and title in _main(anonymous)


@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize(("language", "title"), [("zh-hans", "出错了"), ("en", "Something went wrong")])
def test_a_server_error_is_a_page_in_the_users_language(users, language, title):
    client = _client(users["jia"], language, raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    text = _main(response)
    assert title in text and "a bug" not in text and "Traceback" not in response.content.decode()


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "表单已失效"), ("en", "The form has expired")])
def test_an_expired_form_is_a_page_in_the_users_language(users, language, title):
    zhang = m.Person.objects.get(name="张建国")
    client = _client(users["jia"], language, enforce_csrf_checks=True)
    response = client.post(f"/people/{zhang.pk}/visit/", {"date": "2026-06-30"},
                           HTTP_REFERER=f"http://testserver/people/{zhang.pk}/visit/")
    assert response.status_code == 403
    text = _main(response)
    assert title in text and "CSRF" not in text and _one_language(text)
    assert f'href="http://testserver/people/{zhang.pk}/visit/"' in response.content.decode()
    assert not m.ServiceRecord.objects.filter(person=zhang, date=dt.date(2026, 6, 30)).exists()


@pytest.mark.parametrize(("language", "words"), [("zh-hans", "登录失败次数过多"), ("en", "Too many failed logins")])
def test_a_lockout_is_the_login_page_in_the_users_language(users, settings, language, words):
    settings.AXES_FAILURE_LIMIT = 2
    client = _client(None, language)
    for _ in range(2):
        client.post("/login/", {"username": "jia", "password": "wrong"})
    response = client.post("/login/", {"username": "jia", "password": PASSWORD})
    assert response.status_code == 429
    text = _main(response)
    assert words in text and _one_language(text)


# -- messages, errors beside fields, a job's problems -------------------------------------------------------


@pytest.mark.parametrize(("language", "saved"), [("zh-hans", "已保存"), ("en", "saved")])
def test_a_message_after_saving_is_in_one_language(users, language, saved):
    from jiuye.registry.forms import PersonForm

    zhang = m.Person.objects.get(name="张建国")
    form = {"base": PersonForm.initial_for(zhang)["base"], "name": "张建国", "sex": "男", "birth_date": "1980-03-15",
            "residence_start": "2005-01-01", "skills": "电工证"}
    response = _client(users["jia"], language).post(f"/people/{zhang.pk}/edit/", form, follow=True)
    messages = re.findall(r'<ul class="messages">(.*?)</ul>', response.content.decode(), re.S)
    assert messages and re.sub(r"<[^>]+>", "", messages[0]).strip() == saved


@pytest.mark.parametrize(("language", "shown", "hidden"), [
    ("zh-hans", "状态开始日期早于出生日期", "status episode starts before birth"),
    ("en", "status episode starts before birth", "状态开始日期早于出生日期")])
def test_an_error_beside_its_field_is_in_one_language(users, language, shown, hidden):
    zhang = m.Person.objects.get(name="张建国")
    response = _client(users["jia"], language).post(f"/people/{zhang.pk}/employment/",
                                                    {"start": "1970-01-01", "form": "单位就业"})
    error = re.search(r'<p class="field-error" id="error-start">(.*?)</p>', response.content.decode()).group(1)
    assert shown in error and hidden not in error


@pytest.mark.parametrize(("language", "shown", "hidden"), [
    ("zh-hans", "出生日期与身份证号不符", "birth date disagrees"), ("en", "birth date disagrees with the ID number", "不符")])
def test_an_imports_problems_on_the_job_page_are_in_one_language(users, tmp_path, language, shown, hidden,
                                                                  django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    header = "身份证号,姓名,性别,出生日期,家庭编号,与户主关系,文化程度,居住起始日期,居住终止日期,人员类别,退休年龄类别,联系电话,技能"
    row = "500103198003150119,张建国,男,1981-03-15,A1,户主,大专,2005-01-01,,,,,"
    upload = SimpleUploadedFile("人员.csv", f"{header}\r\n{row}\r\n".encode(), "text/csv")
    client = _client(users["jia"], language)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/ledgers/import/", {"files": [upload]})
    assert started.status_code == 302
    page = client.get(started["Location"]).content.decode()
    problems = page.split('class="list job-findings"', 1)[1].split("</table>", 1)[0]
    assert shown in problems and hidden not in problems


@pytest.mark.parametrize(("language", "shown"), [("zh-hans", "职业指导截止日期：2026-10-10（星期六）"),
                                               ("en", "Vocational guidance due by 2026-10-10 (Saturday)")])
def test_the_guidance_deadline_beside_the_date_is_in_one_language(users, language, shown):
    assert _client(users["jia"], language).get("/deadline/", {"date": "2026-09-30"}).content.decode() == shown


# -- links the user may not follow ------------------------------------------------------------------------


def _links(response) -> set[str]:
    return set(re.findall(r'href="(/[^"?#]*)', response.content.decode()))


def test_links_a_user_may_not_follow_are_not_shown(users):
    street = _client(users["jie"]).get("/certification/")
    assert "/filing/" not in _links(street) and "/audit/" not in _links(street)
    assert _client(users["jie"]).get("/filing/").status_code == 403
    worker = _client(users["jia"]).get("/jobs/")
    assert {"/", "/jobs/vacancies/new/"} <= _links(worker) and "/filing/" not in _links(worker)
    street_jobs = _client(users["jie"]).get("/jobs/")
    assert "/jobs/vacancies/new/" not in _links(street_jobs)
    assert _client(users["jie"]).get("/jobs/vacancies/new/").status_code == 403
    district = _client(users["yu"]).get("/certification/")
    assert {"/filing/", "/audit/"} <= _links(district)
    # A superuser without a role is not an audit reader (the page refuses them): no link either.
    root = _client(users["root"]).get("/standing/")
    assert "/audit/" not in _links(root) and _client(users["root"]).get("/audit/").status_code == 403


def test_every_link_of_the_navigation_opens(users):
    for name in ("jia", "jie", "yu", "root"):
        client = _client(users[name])
        html = client.get("/standing/").content.decode()
        nav = html.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
        for url in re.findall(r'href="([^"]+)"', nav):
            status = client.get(url).status_code
            assert status in (200, 302), (name, url, status)
