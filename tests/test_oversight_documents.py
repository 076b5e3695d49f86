"""Oversight pages as a district labour bureau reads them (issue 15, parts 5–7), through the pages:

- the notice board and its poster as official documents: district and street in the heading,
  the contact and 公示期 set by the community, the 监督电话 set by the district, the issuer;
- the re-check page: counts and each community's result, one consistent message per run;
- the standing, community and dashboard pages as of a past date, recomputed (and saying so)
  unless an evaluation was saved for that day; the dashboard's trend of 12 month ends, the
  missing ones filled by a background job the page does not wait for;
- certification: eligibility is checked before any evidence is asked for.
"""

import datetime as dt
import re
import shutil
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from jiuye.accounts.services import user_add
from jiuye.audit.models import AuditEvent
from jiuye.casework import services as cw
from jiuye.oversight import dashboards, noticeboard
from jiuye.oversight import services as sv
from jiuye.oversight.models import Certification, NoticeContact, NoticeSupervision
from jiuye.standards.evaluate import evaluate
from jiuye.standards.models import EvaluationSnapshot
from jiuye.tasks.models import Job, JobKind, JobState

pytestmark = pytest.mark.django_db

PASSWORD = "Gongzuo-2026!x"
A, B, C = "500103001001", "500103001002", "500105002003"  # 甲 passes on D; 乙 fails S1 S2 S3 S5
D = dt.date(2026, 6, 30)
TZ = ZoneInfo("Asia/Shanghai")
USERS = {
    "jia": ("community", A), "yi": ("community", B), "street": ("street", "500103001"),
    "yuzhong": ("district", "500103"), "jiangbei": ("district", "500105"), "city": ("city", "500000"),
}


def on(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=TZ), tick=False)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"



@pytest.fixture
def register(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return {name: user_add(username=name, role=role, scope_code=code, password=PASSWORD)
            for name, (role, code) in USERS.items()}


def _as(client, name):
    client.logout()
    assert client.login(username=name, password=PASSWORD)
    return client


def _text(response) -> str:
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str, element_id: str) -> str:
    return html.split(f'id="{element_id}"', 1)[1].split("</section>")[0].split("</footer>")[0]


def _pdf(name):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "application/pdf")


# -- the notice board as an official document ------------------------------------------------------------


@on(D)
def test_the_community_sets_its_contact_and_period_the_district_its_supervision_line(client, register):
    page = _text(client.get(f"/notice/{B}/"))
    # Before anything is set: no "role: role" contact, a standing notice, the district's bureau.
    assert "社区劳动保障协理员: 社区劳动保障协理员" not in page and "请到社区劳动保障服务站咨询" in page
    assert "重庆市渝中区解放碑街道" in page and "常年公示" in page and "渝中区人力资源和社会保障局" in page

    _as(client, "yi")
    form = client.get(f"/notice/{B}/edit/")
    assert form.status_code == 200
    html = form.content.decode()
    for name in ("contact_name", "station_phone", "period_start", "period_end", "issuer"):
        assert re.search(rf'<label for="id_{name}">', html), name  # every input has its label
    bad = client.post(f"/notice/{B}/edit/", {"contact_name": "钱老师", "station_phone": "call us"})
    assert bad.status_code == 400 and "服务站电话应为电话号码" in _text(bad)
    assert " / " not in bad.content.decode().split('id="notice-form"')[1].split("</form>")[0]  # Chinese only
    assert not NoticeContact.objects.exists()
    saved = client.post(f"/notice/{B}/edit/", {"contact_name": "钱老师", "station_phone": "023-63891234",
                                               "period_start": "2026-06-28"})
    assert saved.status_code == 302 and saved["Location"] == f"/notice/{B}/"
    contact = NoticeContact.objects.get()
    assert contact.period_end == dt.date(2026, 7, 4)  # a week by default
    event = AuditEvent.objects.filter(action="notice.contact.set").get()
    assert "63891234" not in str(event.detail) and "station_phone" in event.detail["changed"]

    # Another community's worker, the street, a district elsewhere: refused.
    assert _as(client, "jia").get(f"/notice/{B}/edit/").status_code == 404
    assert _as(client, "street").get(f"/notice/{B}/edit/").status_code == 403
    assert _as(client, "jiangbei").get("/notice/500103/edit/").status_code == 404
    assert _as(client, "yi").get("/notice/500103/edit/").status_code == 403

    _as(client, "yuzhong")
    page = client.get("/notice/500103/edit/").content.decode()
    assert f"/notice/{B}/" in page and "尚未设置联系人" in page  # 甲 has none yet, 乙 has
    assert client.post("/notice/500103/edit/", {"phone": "12333"}).status_code == 302
    assert NoticeSupervision.objects.get().phone == "12333"

    client.logout()
    response = client.get(f"/notice/{B}/")
    board, html = response.context["board"], response.content.decode()
    head = _text(response).split("数据截至")[0]
    assert "重庆市渝中区解放碑街道" in head and "示例乙社区" in head and "创建充分就业社区公示" in head
    assert "公示期：2026-06-28 至 2026-07-04" in _text(response) and "公示中" in _text(response)
    assert board["as_of"] == "2026-06-28"  # the figures of the period's first day
    contact = _section(html, "contact")
    assert "钱老师" in contact and "023-63891234" in contact and "12333" in contact
    assert "渝中区人力资源和社会保障局" in contact
    assert "示例乙社区居民委员会" in _section(html, "issuer") and "2026-06-28" in _section(html, "issuer")
    assert "/edit/" not in html  # the public sees no edit link


def test_a_period_publishes_the_figures_of_its_first_day(client, register):
    with on(D):
        sv.notice_contact_set(user=register["yi"], community=B, contact_name="钱老师", station_phone="023-63891234",
                              period_start="2025-12-31", period_end="2026-01-06")
        response = client.get(f"/notice/{B}/")
    board = response.context["board"]
    assert board["period"]["state"] == "ended" and board["as_of"] == "2025-12-31"
    assert board["counts"] == noticeboard.notice_board(B, dt.date(2025, 12, 31))["counts"]
    assert board["counts"]["employed"] == 5 and board["shown"]["employed"] == "5"  # on D: 3, shown "<5"
    assert "已结束" in _text(response) and "数据截至 2025-12-31" in _text(response)
    # The period's end cannot come before its start; an end without a start is refused.
    with on(D), pytest.raises(sv.OversightError, match="早于开始日期"):
        sv.notice_contact_set(user=register["yi"], community=B, contact_name="钱", station_phone="12333",
                              period_start="2026-07-01", period_end="2026-06-01")


@on(D)
@pytest.mark.pg_only
def test_the_poster_prints_the_same_document(client, register):
    if noticeboard.poster_missing() or not shutil.which("pdftotext"):
        pytest.skip("the poster cannot be made here: " + "; ".join(noticeboard.poster_missing() or ["pdftotext"]))
    sv.notice_contact_set(user=register["yi"], community=B, contact_name="钱老师", station_phone="023-63891234",
                          period_start="2026-06-28")
    sv.notice_supervision_set(user=register["yuzhong"], district="500103", phone="12333")
    response = client.get(f"/notice/{B}/poster.pdf")
    assert response.status_code == 200
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True,
                          check=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    for expected in ("重庆市渝中区解放碑街道", "示例乙社区", "创建充分就业社区公示", "公示期：2026-06-28至2026-07-04",
                     "钱老师", "023-63891234", "监督电话", "12333", "渝中区人力资源和社会保障局", "发布单位",
                     "示例乙社区居民委员会"):
        assert expected in flat, expected
    assert text.count("\f") <= 1  # one A3 page


# -- the re-check page -----------------------------------------------------------------------------------


def _certify_jia(users):
    with on(D):
        certification = sv.certification_apply(user=users["jia"], community=A,
                                                evidence={"s6": _pdf("s6.pdf"), "s7": _pdf("s7.pdf"),
                                                          "s8": _pdf("s8.pdf")})
        sv.certification_review(user=users["street"], certification=certification, approve=True)
        return sv.certification_accept(user=users["yuzhong"], certification=certification, accept=True)


def test_the_recheck_page_counts_and_lists_each_community(client, register):
    _certify_jia(register)
    with on(D):
        _as(client, "yuzhong")
        # 2026: nothing was certified before 2026, and the page says so, once.
        page = client.post("/certification/rechecks/", {"year": "2026"}, follow=True)
        text = _text(page)
        assert "2026 年没有需要复查的社区" in text and "复查已完成" not in text
        assert "本年无需复查" in text and "本年尚未复查" not in text
        assert page.context["counts"]["due"] == 0
    with on(dt.date(2027, 7, 1)):
        page = _as(client, "yuzhong").get("/certification/rechecks/?year=2027")
        text = _text(page)
        assert "复查结果" in text and "培训结果" not in text
        assert page.context["counts"] == {"due": 1, "checked": 0, "not_checked": 1, "passed": 0, "flagged": 0,
                                          "cleared": 0, "overdue": 0}
        assert 'data-code="500103001001" data-status="pending"' in page.content.decode()
        assert "尚未复查" in text
        page = client.post("/certification/rechecks/", {"year": "2027"}, follow=True)
        text = _text(page)
        # 甲 fails S7 and S8 a year later: flagged, with its due date; the message counts it.
        assert "2027 年复查已完成（评估日期 2027-07-01），共复查 1 个社区：合格 0 个，不合格 1 个" in text
        assert page.context["counts"]["flagged"] == 1 and page.context["counts"]["not_checked"] == 0
        row = page.content.decode().split('data-code="500103001001"')[1].split("</tr>")[0]
        assert 'data-status="flagged"' in row and "S7, S8" in row and "2027-10-01" in row
        assert 'id="count-flagged">1<' in page.content.decode() and 'id="count-due">1<' in page.content.decode()
        # Run again: nothing new, and the message says each community was re-checked earlier.
        text = _text(client.post("/certification/rechecks/", {"year": "2027"}, follow=True))
        assert "此前已复查 1 个" in text


# -- as of a date ----------------------------------------------------------------------------------------


@on(D)
def test_the_standing_pages_take_an_as_of_date(client, register):
    _as(client, "street")
    today = client.get("/standing/")
    assert "截至 2026-06-30" in _text(today) and 'id="recomputed"' not in today.content.decode()
    march = client.get("/standing/?as_of=2026-03-31")
    text = _text(march)
    truth = {c["code"]: c for c in evaluate(dt.date(2026, 3, 31), prefix="500103001")["communities"]}
    assert "截至 2026-03-31" in text and "（评估期 2025-04-01 至 2026-03-31）" in text
    assert "按登记簿现有记录" in text and 'href="/dashboard/?as_of=2026-03-31"' in march.content.decode()
    assert {c["code"]: c["pass"] for c in march.context["result"]["communities"]} == {
        code: c["pass"] for code, c in truth.items()}
    assert f'href="/standing/{A}/?as_of=2026-03-31"' in march.content.decode()  # the date is kept
    community = client.get(f"/standing/{A}/?as_of=2026-03-31")
    text = _text(community)
    assert "截至 2026-03-31" in text and "按登记簿现有记录" in text
    assert [r["key"] for r in community.context["rows"] if not r["result"]["pass"]] == ["S6"]  # fails S6 then
    assert [r["key"] for r in client.get(f"/standing/{A}/").context["rows"] if not r["result"]["pass"]] == []
    for bad, message in (("2026-07-01", "晚于今天"), ("2026-02-30", "日期格式应为"), ("1999-12-31", "不能早于")):
        response = client.get(f"/standing/?as_of={bad}")
        assert response.status_code == 400 and message in _text(response), bad
        assert response.context["result"]["as_of"] == "2026-06-30"  # today's, with the error beside the date


@on(D)
def test_a_dashboard_of_a_past_day_is_recomputed_unless_a_day_was_saved(client, register, jiuye):
    _as(client, "city")
    march = client.get(f"/dashboard/{A}/?as_of=2026-03-31")
    assert march.status_code == 200
    data = march.context["data"]
    assert data["source"] == "recomputed" and data["snapshot"] is None and data["as_of"] == "2026-03-31"
    assert [s["key"] for s in data["standards"] if s["failing"]] == ["S6"]
    assert "按登记簿现有记录重新计算" in _text(march)
    assert not EvaluationSnapshot.objects.filter(as_of=dt.date(2026, 3, 31)).exists()  # not saved

    # A day saved by `jiuye evaluate --save` is shown as saved, even after the register changed.
    may = dt.date(2026, 5, 31)
    assert jiuye("evaluate", "--as-of", may.isoformat(), "--save").code == 0
    saved = EvaluationSnapshot.objects.get(as_of=may)
    before = evaluate(may, prefix=B)["communities"][0]["standards"]["s1"]
    behind = next(e for e in evaluate(may, prefix=B, explain=True)["communities"][0]["explain"]["s1"])
    cw.employment_record(user=register["yi"], person=behind["person_id"], start=may, employment_form="单位就业")
    after = evaluate(may, prefix=B)["communities"][0]["standards"]["s1"]
    assert after["numerator"] == before["numerator"] + 1
    shown = client.get(f"/dashboard/{B}/?as_of=2026-05-31").context["data"]
    assert shown["source"] == "saved" and shown["snapshot"] == saved.pk
    assert shown["community"]["standards"]["s1"]["numerator"] == before["numerator"]  # what was saved
    assert "于 2026-06-30 事后补算保存" in _text(client.get(f"/dashboard/{B}/?as_of=2026-05-31"))
    # A date after today is refused beside the date field.
    future = client.get("/dashboard/?as_of=2026-07-01")
    assert future.status_code == 400 and "晚于今天" in _text(future)


def test_a_certifications_evaluation_is_shown_for_its_day(client, register):
    certification = _certify_jia(register)  # applied on D: the community's evaluation of D is saved
    assert certification.snapshot.division_code == A and certification.snapshot.as_of == D
    with on(dt.date(2026, 7, 15)):
        data = _as(client, "street").get(f"/dashboard/{A}/?as_of=2026-06-30").context["data"]
        assert data["source"] == "saved" and data["snapshot"] == certification.snapshot_id
        # The street's dashboard of that day needs every community of the street: 甲's alone is not enough.
        street = client.get("/dashboard/500103001/?as_of=2026-06-30").context["data"]
        assert street["source"] == "recomputed" and street["summary"]["evaluated"] == 2


def test_the_trend_has_twelve_month_ends_from_the_first_day(client, register, jiuye,
                                                           django_capture_on_commit_callbacks):
    with on(D):
        assert jiuye("evaluate", "--as-of", "2026-05-31", "--save").code == 0  # one month end saved already
        may = EvaluationSnapshot.objects.get(as_of=dt.date(2026, 5, 31))
        _as(client, "street")
        with django_capture_on_commit_callbacks(execute=True):
            first = client.get("/dashboard/")
            # What the page showed was rendered before the job ran: the saved days only, and a note.
            shown = [p["as_of"] for p in first.context["data"]["trend"]]
            assert shown == ["2026-05-31", "2026-06-30"]
            assert first.context["filling"]["count"] == 10
            assert "正在后台按登记簿补算 10 个月末的评估（2025-07-31 至 2026-04-30）" in _text(first)
        job = Job.objects.get(kind=JobKind.TREND)
        assert job.state == JobState.DONE and len(job.result["saved"]) == 10
        second = client.get("/dashboard/")
        trend = second.context["data"]["trend"]
        ends = dashboards.month_ends(D, 12)
        assert [p["as_of"] for p in trend] == [day.isoformat() for day in ends]
        assert second.context["filling"] is None and 'id="filling"' not in second.content.decode()
        # The day saved before is shown as saved, not as a recomputation of that day.
        assert next(p for p in trend if p["as_of"] == "2026-05-31")["snapshot"] == may.pk
        assert EvaluationSnapshot.objects.filter(as_of=dt.date(2026, 5, 31)).count() == 1
        # Each point is the street's figures of that day.
        for point in trend:
            line = next(s for s in evaluate(dt.date.fromisoformat(point["as_of"]), rollups=True)["rollups"]["streets"]
                        if s["code"] == "500103001")
            assert (point["evaluated"], point["passing"]) == (line["evaluated"], line["passing"]), point

    # A month later the month end of June is already saved: one new point, nothing to fill.
    with on(dt.date(2026, 7, 15)):
        later = _as(client, "street").get("/dashboard/").context
        assert [p["as_of"] for p in later["data"]["trend"]] == [
            *(day.isoformat() for day in dashboards.month_ends(dt.date(2026, 7, 15), 12)), "2026-07-15"]
        assert later["data"]["missing"] == [] and later["filling"] is None


def test_a_fill_under_way_is_not_started_twice(client, register):
    with on(D):
        _as(client, "city")
        client.get("/dashboard/")  # the job is recorded (its commit never comes in this test's transaction)
        again = client.get("/dashboard/")
        assert Job.objects.filter(kind=JobKind.TREND).count() == 1
        assert again.context["filling"]["started"] is True and 'id="filling"' in again.content.decode()


# -- certification: eligibility before evidence ----------------------------------------------------------


@on(D)
def test_the_apply_page_checks_eligibility_before_asking_for_evidence(client, register):
    _as(client, "yi")
    page = client.get("/certification/apply/")
    html, text = page.content.decode(), _text(page)
    assert page.context["check"]["eligible"] is False
    assert 'type="file"' not in html and 'id="apply-form"' not in html and 'id="not-eligible"' in html
    shortfall = html.split('id="shortfall"')[1].split("</ul>")[0]
    assert [s for s in ("S1", "S2", "S3", "S5") if f'data-standard="{s}"' in shortfall] == ["S1", "S2", "S3", "S5"]
    assert "再有 3 名居民就业即可达标" in text  # S1: 3 of 6 in work, 95% needs 6
    assert f'href="/standing/{B}/"' in html  # who is behind each failure
    refused = client.post("/certification/apply/", {"note": "试试"})
    assert refused.status_code == 400 and "不能申请验收" in _text(refused)
    assert not Certification.objects.exists()

    _as(client, "jia")
    page = client.get("/certification/apply/")
    assert page.context["check"]["eligible"] is True
    html = page.content.decode()
    assert html.count('type="file"') == 3 and 'id="apply-form"' in html
    sent = client.post("/certification/apply/", {"snapshot": "", "s6": _pdf("a.pdf"), "s7": _pdf("b.pdf"),
                                                 "s8": _pdf("c.pdf")})
    assert sent.status_code == 302
    # Under way now: the page says so (with a link) and asks for nothing.
    again = client.get("/certification/apply/")
    certification = Certification.objects.get()
    assert again.context["check"]["eligible"] is False and 'type="file"' not in again.content.decode()
    assert f'href="/certification/{certification.pk}/"' in again.content.decode()
