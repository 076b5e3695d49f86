"""Oversight pages over HTTP: dashboards per level (equal to the evaluation's rollups), scope,
saved evaluations only, reports equal to the dashboards, and the certification workflow pages."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from jiuye.accounts.services import user_add
from jiuye.oversight import dashboards
from jiuye.oversight.models import Certification, CertificationStatus
from jiuye.standards.evaluate import evaluate
from jiuye.standards.models import EvaluationSnapshot

pytestmark = pytest.mark.django_db
PASSWORD = "Gongzuo-2026!x"
D = dt.date(2026, 6, 30)
USERS = {
    "jia": ("community", "500103001001"),
    "yi": ("community", "500103001002"),
    "jiefangbei": ("street", "500103001"),
    "yuzhong": ("district", "500103"),
    "jiangbei": ("district", "500105"),
    "city": ("city", "500000"),
}


@pytest.fixture
def register(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    for name, (role, scope) in USERS.items():
        user_add(username=name, role=role, scope_code=scope, password=PASSWORD)


def _as(client, name):
    client.logout()
    assert client.login(username=name, password=PASSWORD)
    return client


def _dashboard(client, url="/dashboard/"):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["data"], response.content.decode()


def _plain(lines):
    """Dashboard lines without the display-only percentages the page adds."""
    return [{k: v for k, v in line.items() if k not in ("percent", "target_percent")} for line in lines]


def _pick(lines, code):
    return next(line for line in lines if line["code"] == code)


@time_machine.travel(D)
def test_dashboards_at_each_level_equal_the_evaluation(client, register):
    truth = evaluate(D, rollups=True)
    rollups = truth["rollups"]
    by_code = {c["code"]: c for c in truth["communities"]}

    city, html = _dashboard(_as(client, "city"))
    assert city["level"] == "city" and city["as_of"] == "2026-06-30"
    assert (city["summary"]["evaluated"], city["summary"]["passing"]) == (
        rollups["city"]["evaluated"], rollups["city"]["passing"]) == (3, 1)
    assert _plain(city["districts"]) == rollups["districts"]
    for line in city["districts"]:  # group A in 2026: 90%; 1 of 2 and 0 of 1 fall short
        assert line["target_share"] == 0.9 and line["meets_target"] is False
    for key in dashboards.STANDARDS:
        line = next(s for s in city["standards"] if s["key"] == key.upper())
        assert line["passing"] == sum(c["standards"][key]["pass"] for c in truth["communities"])
    # 丙 fails S4 S6 S7 S8, 乙 fails S1 S2 S3 S5: S1…S8 each fail once, S7 too (乙 passes it): weakest is
    # the first among the lowest shares.
    lowest = min(s["share"] for s in city["standards"])
    assert city["weakest"]["share"] == lowest
    assert 'id="evaluated">3<' in html and 'id="passing">1<' in html and "33.3%" in html
    assert 'href="/dashboard/500103/"' in html and 'href="/dashboard/500105/"' in html
    assert "jiuye/vendor/chart.umd.min.js" in html and 'id="chart-data"' in html

    district, html = _dashboard(_as(client, "yuzhong"))
    line = _pick(rollups["districts"], "500103")
    assert district["level"] == "district"
    assert (district["summary"]["evaluated"], district["summary"]["passing"]) == (line["evaluated"], line["passing"])
    assert _plain(district["districts"]) == [line] and line["meets_target"] is False
    assert [c["code"] for c in district["children"]] == ["500103001"]
    assert 'href="/dashboard/500103001/"' in html

    street, html = _dashboard(_as(client, "jiefangbei"))
    line = _pick(rollups["streets"], "500103001")
    assert (street["summary"]["evaluated"], street["summary"]["passing"]) == (line["evaluated"], line["passing"]) == (2, 1)
    assert street["districts"] == []
    assert [(c["code"], c["passing"]) for c in street["children"]] == [("500103001001", 1), ("500103001002", 0)]
    # Drill down to the community, and from there to the persons behind each failure.
    assert 'href="/standing/500103001002/"' in html and 'href="/dashboard/500103001002/"' in html
    yi, html = _dashboard(client, "/dashboard/500103001002/")
    assert yi["level"] == "community" and yi["community"]["standards"] == by_code["500103001002"]["standards"]
    assert [s["key"] for s in yi["standards"] if s["failing"]] == ["S1", "S2", "S3", "S5"]
    assert 'href="/standing/500103001002/"' in html
    standing = client.get("/standing/500103001002/").content.decode()
    assert "孙伟" in standing  # the person behind S2 and S1

    jia, _ = _dashboard(_as(client, "jia"))
    assert jia["level"] == "community" and jia["summary"]["passing"] == 1 and jia["weakest"] is None
    assert jia["trend"][-1]["standards_met"] == 8


@time_machine.travel(D)
def test_scope_restrictions(client, register):
    _, html = _dashboard(_as(client, "jiefangbei"))
    assert "500103001001" in html and "500103001002" in html and "500105002003" not in html
    assert client.get("/dashboard/500105002003/").status_code == 403
    assert client.get("/dashboard/500105/").status_code == 403
    assert client.get("/dashboard/500000/").status_code == 403
    assert client.get("/dashboard/500103001001/").status_code == 200
    assert client.get("/dashboard/not-a-code/").status_code == 404

    _as(client, "yi")
    assert client.get("/dashboard/500103001001/").status_code == 403
    _, html = _dashboard(client)
    assert "500103001001" not in html

    _, html = _dashboard(_as(client, "jiangbei"))
    assert "500105002" in html and "500103001" not in html

    client.logout()
    for url in ("/dashboard/", "/dashboard/500103/", "/reports/", "/reports/monthly.xlsx", "/certification/",
                "/filing/", "/subsidies/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@time_machine.travel(D)
def test_dashboards_read_saved_evaluations_only(client, register, monkeypatch):
    _as(client, "city")
    _dashboard(client)
    assert EvaluationSnapshot.objects.filter(division_code="").count() == 1  # saved once, lazily
    calls = []
    monkeypatch.setattr(dashboards, "evaluate", lambda *a, **k: calls.append(a) or pytest.fail("evaluated live"))
    for url in ("/dashboard/", "/dashboard/500103/", "/dashboard/500103001/", "/dashboard/500103001002/"):
        _dashboard(client, url)
    assert calls == [] and EvaluationSnapshot.objects.filter(division_code="").count() == 1


def test_the_trend_uses_month_end_snapshots(client, register):
    made = dashboards.dashboard_backfill(months=3, as_of=D)
    assert [s.as_of for s in made] == [dt.date(2026, 4, 30), dt.date(2026, 5, 31), D]
    assert dashboards.dashboard_backfill(months=3, as_of=D) == []  # nothing missing any more
    with time_machine.travel(dt.date(2026, 7, 9)):
        _as(client, "jiefangbei")
        street, _ = _dashboard(client)
    assert [p["as_of"] for p in street["trend"]] == ["2026-04-30", "2026-05-31", "2026-06-30", "2026-07-09"]
    assert [p["month_end"] for p in street["trend"]] == [True, True, True, False]
    for point in street["trend"]:
        line = _pick(evaluate(dt.date.fromisoformat(point["as_of"]), rollups=True)["rollups"]["streets"], "500103001")
        assert (point["evaluated"], point["passing"]) == (line["evaluated"], line["passing"])


@time_machine.travel(dt.date(2026, 7, 15))
def test_reports_have_the_dashboards_numbers(client, register):
    _as(client, "yuzhong")
    response = client.get("/reports/monthly.xlsx?month=2026-06")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    june = EvaluationSnapshot.objects.get(division_code="", as_of=D)  # the month end, saved for the report
    from jiuye.accounts.models import User

    data = dashboards.dashboard_data(user=User.objects.get(username="yuzhong"), snapshot=june)
    wb = load_workbook(io.BytesIO(response.content))
    values = [row[1] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert values[1] == "500103" and values[3] == "2026-06-30"
    assert values[4:7] == [data["summary"]["evaluated"], data["summary"]["passing"], data["summary"]["share"]]
    standards = [row for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[2], r[3]) for r in standards] == [(s["key"], s["passing"], s["failing"]) for s in data["standards"]]
    districts = list(wb["区县目标完成情况"].iter_rows(min_row=2, values_only=True))  # sheet titles are in Chinese
    assert [(r[0], r[3], r[4], r[6]) for r in districts] == [("500103", 2, 1, 0.9)]
    communities = list(wb["社区"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in communities] == ["500103001001", "500103001002"]

    # The dashboard of that date shows the same figures.
    _, html = _dashboard(client)
    assert f'id="evaluated">{data["summary"]["evaluated"]}<' in html

    response = client.get("/reports/yearly.xlsx?year=2026")
    assert response.status_code == 200
    months = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(min_row=4, values_only=True))
    assert [r[0] for r in months] == [f"2026-{m:02d}-{d}" for m, d in ((1, 31), (2, 28), (3, 31), (4, 30),
                                                                        (5, 31), (6, 30))] + ["2026-07-15"]
    for row in months:
        line = _pick(evaluate(dt.date.fromisoformat(row[0]), rollups=True)["rollups"]["districts"], "500103")
        assert (row[1], row[2]) == (line["evaluated"], line["passing"])

    # Another district's figures are not to be had.
    assert client.get("/reports/monthly.xlsx?month=2026-06&code=500105").status_code == 403
    assert client.get("/reports/monthly.xlsx?month=2099-01").status_code == 400


# -- the certification workflow pages --------------------------------------------------------------


def _pdf(name="evidence.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")


@time_machine.travel(dt.datetime(2026, 6, 30, 10, 0))
def test_certification_pages_apply_review_accept_revoke(client, register):
    _as(client, "jia")
    _dashboard(client)  # the month's evaluation is saved
    assert 'id="apply-link"' in client.get("/certification/").content.decode()
    page = client.get("/certification/apply/").content.decode()
    assert "2026-06-30" in page and 'id="apply-form"' in page  # eligible: the saved evaluation is offered
    snapshot = EvaluationSnapshot.objects.get(division_code="", as_of=D)
    # Missing evidence: the service's message is shown and nothing is written.
    response = client.post("/certification/apply/", {"snapshot": snapshot.pk, "s6": _pdf()})
    assert response.status_code == 400 and "S7" in response.content.decode()
    assert not Certification.objects.exists()
    response = client.post("/certification/apply/", {"snapshot": snapshot.pk, "s6": _pdf(), "s7": _pdf("s7.pdf"),
                                                     "s8": _pdf("s8.pdf"), "note": "材料齐全"})
    certification = Certification.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/certification/{certification.pk}/"
    assert certification.snapshot_id == snapshot.pk and certification.status == CertificationStatus.APPLIED
    detail = client.get(f"/certification/{certification.pk}/").content.decode()
    assert "evidence.pdf" in detail and 'id="review-form"' not in detail
    evidence = certification.evidence.first()
    download = client.get(f"/certification/{certification.pk}/evidence/{evidence.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert 'id="apply-link"' not in client.get("/certification/").content.decode()

    # 乙's worker cannot see it; the district cannot review for the street (403).
    _as(client, "yi")
    assert client.get(f"/certification/{certification.pk}/").status_code == 404
    _as(client, "yuzhong")
    assert client.post(f"/certification/{certification.pk}/review/", {"decision": "approve"}).status_code == 403

    _as(client, "jiefangbei")
    assert 'class="ov-waiting"' in client.get("/certification/").content.decode()
    detail = client.get(f"/certification/{certification.pk}/").content.decode()
    assert 'id="review-form"' in detail
    page = client.post(f"/certification/{certification.pk}/review/", {"decision": "return", "reason": ""},
                       follow=True).content.decode()
    assert "理由" in page  # a return needs a reason: the service's message is shown
    client.post(f"/certification/{certification.pk}/review/", {"decision": "approve"})
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.REVIEWED

    _as(client, "yuzhong")
    assert 'id="accept-form"' in client.get(f"/certification/{certification.pk}/").content.decode()
    client.post(f"/certification/{certification.pk}/accept/", {"decision": "accept", "accepted_on": "2026-06-30"})
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.CERTIFIED and certification.certified_on == D
    filing = client.get("/filing/?year=2026").content.decode()
    assert "500103001001" in filing and 'id="filing-xlsx"' in filing
    xlsx = client.get("/filing/500103/2026.xlsx")
    assert xlsx.status_code == 200
    text = " ".join(str(c) for row in load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True)
                    for c in row if c)
    assert "500103001001" in text
    assert client.get("/filing/500105/2026.xlsx").status_code == 403

    page = client.post("/subsidies/grant/", {"certification": certification.pk, "kind": "first", "amount": "99",
                                             "year": "2026"}, follow=True).content.decode()
    assert "10,000" in page  # out of range: the service's message
    client.post("/subsidies/grant/", {"certification": certification.pk, "kind": "first", "amount": "15000",
                                      "year": "2026"})
    ledger = client.get("/subsidies/?year=2026").content.decode()
    assert "15000" in ledger and 'id="ledger-xlsx"' in ledger
    assert client.get("/subsidies/500103/2026.xlsx").status_code == 200

    page = client.post(f"/certification/{certification.pk}/revoke/", {"reason": ""}, follow=True).content.decode()
    assert "理由" in page
    client.post(f"/certification/{certification.pk}/revoke/", {"reason": "核查发现台账不实"})
    certification.refresh_from_db()
    assert certification.status == CertificationStatus.REVOKED


@time_machine.travel(dt.datetime(2026, 6, 30, 10, 0))
def test_only_district_and_city_see_the_filing(client, register):
    for name in ("jia", "jiefangbei"):
        assert _as(client, name).get("/filing/").status_code == 403
    overview = _as(client, "city").get("/filing/?year=2026").content.decode()
    assert 'id="filing-overview"' in overview and "500103" in overview and "500105" in overview
