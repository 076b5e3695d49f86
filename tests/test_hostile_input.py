"""Hostile input: markup in names shown as text, formulas in spreadsheets written as text,
uploads that are bombs (also padded with incompressible data), too big, not a zip or cut short
rejected with nothing written.

What is already covered elsewhere is not repeated here: the exchange export's ``'=`` in
one cell (test_export), the printed ledgers' ``= + @`` in names (test_printed_ledgers),
reading ``'=`` back (test_import_rejections), the size limits and a padding-file zip
bomb of ``jiuye import`` (test_import_rejections).
"""

import datetime as dt
import io
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from openpyxl import load_workbook

from jiuye.accounts.services import user_add
from jiuye.bilingual import one_language
from jiuye.casework import services as cs
from jiuye.divisions.models import Division
from jiuye.jobs import matching
from jiuye.jobs import services as js
from jiuye.ledgers.printed import LEDGERS, ledger_workbook
from jiuye.oversight import filing, noticeboard, reports
from jiuye.oversight import services as os_
from jiuye.registry import models as m
from jiuye.tasks.models import Job
from tests.ledger_builders import Ledger
from tests.test_scope_matrix import _evidence, on

pytestmark = pytest.mark.django_db

A, B = "500103001001", "500103001002"
PASSWORD = "Gongzuo-2026!x"
D = dt.date(2026, 6, 30)
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
ESCAPED = {SCRIPT: "&lt;script&gt;alert(1)&lt;/script&gt;", IMG: "&lt;img src=x onerror=alert(1)&gt;"}


@pytest.fixture(autouse=True)
def fast_passwords(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def assert_shown_as_text(body: str, *payloads: str, where: str = "") -> None:
    """No payload as markup; each one present, escaped (so the page did show it)."""
    for payload in (SCRIPT, IMG):
        assert payload not in body, f"{where}: {payload} is markup in the page"
    for payload in payloads:
        assert ESCAPED[payload] in body, f"{where}: {payload} not shown (escaped)"


# -- (a) markup in names is text, on every page that shows it ------------------------------------------------


@pytest.fixture
def hostile(jiuye, example_dir):
    """B's resident 孙伟, his household's address, an employer, a vacancy, B's name and its worker, all markup."""
    assert jiuye("import", str(example_dir)).code == 0
    matching.invalidate_cache()
    worker = user_add(username="yi", role="community", scope_code=B, password=PASSWORD)
    worker.first_name = SCRIPT
    worker.save()
    sun = m.Person.objects.get(name="孙伟")
    sun.name = f"孙伟{SCRIPT}"
    sun.save()
    feng = m.Person.objects.get(name="冯桂英")  # on Today's queue (低保, able to work, not working)
    feng.name = f"冯桂英{IMG}"
    feng.save()
    household = sun.household
    household.address = f"邹容路1号{IMG}"
    household.save()
    community = Division.objects.get(code=B)
    community.name = f"示例乙社区{IMG}"
    community.save()
    with on(D):
        employer = js.employer_create(user=worker, community=B, name=f"乙超市{IMG}")
        vacancy = js.vacancy_create(user=worker, community=B, title=f"收银员{SCRIPT}", employer=employer,
                                    opened_on=dt.date(2026, 6, 1), count=2)
        js.wish_save(user=worker, person=sun, desired="收银", updated_on=D)
        js.referral_create(user=worker, vacancy=vacancy, person=sun, referred_on=D)
        cs.zero_employment_sync(user=worker, community=B, as_of=D)
    return {"worker": worker, "sun": sun, "household": household, "employer": employer, "vacancy": vacancy}


@time_machine.travel(dt.datetime(2026, 6, 30, 10, tzinfo=dt.UTC), tick=False)
def test_markup_in_names_is_shown_as_text(client, hostile):
    client.force_login(hostile["worker"])
    sun, vacancy = hostile["sun"], hostile["vacancy"]
    pages = {
        f"/people/{sun.pk}/": (SCRIPT, IMG),
        f"/people/{sun.pk}/guidance/": (SCRIPT,),
        f"/people/{sun.pk}/edit/": (SCRIPT,),
        f"/people/{sun.pk}/jobs/": (SCRIPT,),
        "/people/?q=孙伟": (SCRIPT,),
        f"/households/{sun.household_id}/": (SCRIPT, IMG),
        "/ledgers/labour-force/": (SCRIPT, IMG),
        "/ledgers/unemployed/": (SCRIPT, IMG),
        "/": (IMG,),
        "/zero/": (IMG,),
        "/jobs/": (SCRIPT,),
        f"/jobs/vacancies/{vacancy.pk}/": (SCRIPT, IMG),
        "/jobs/employers/": (IMG,),
        f"/jobs/employers/{hostile['employer'].pk}/": (IMG, SCRIPT),
        "/jobs/referrals/": (SCRIPT,),
        f"/standing/{B}/": (SCRIPT,),
        "/standing/": (IMG,),
        "/dashboard/": (IMG,),
        f"/notice/{B}/": (IMG, SCRIPT),
    }
    for url, payloads in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert_shown_as_text(response.content.decode(), *payloads, where=url)
    # The htmx fragment of the search, and a message naming the person after a referral.
    fragment = client.get("/people/?q=孙伟", headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert_shown_as_text(fragment.content.decode(), SCRIPT, where="search fragment")
    other = js.vacancy_create(user=hostile["worker"], community=B, title="保洁员", opened_on=D)
    done = client.post(f"/jobs/vacancies/{other.pk}/refer/{sun.pk}/", follow=True)
    assert_shown_as_text(done.content.decode(), SCRIPT, where="referral message")
    # The dashboard's chart data is JSON inside the page: no closing tag can break out of it.
    assert "</script><" not in client.get("/dashboard/").content.decode().split('id="chart-data"')[1][:2000]


@time_machine.travel(dt.datetime(2026, 6, 30, 10, tzinfo=dt.UTC), tick=False)
def test_markup_in_the_poster_and_filing_html_is_text(hostile):
    """What WeasyPrint renders (the A3 poster, the filing report) escapes names too: no tag, no fetch."""
    board = noticeboard.notice_board(B, D)
    html = render_to_string("oversight/notice_poster.html", {"board": board, "poster": True})
    assert_shown_as_text(html, IMG, SCRIPT, where="poster")
    users = certified(f"示例甲社区{IMG}", reason=SCRIPT)
    data = filing.filing_build(user=users["district"], district_code="500103", year=2026)
    assert_shown_as_text(filing.filing_html(data), IMG, SCRIPT, where="filing")


def test_markup_in_an_uploaded_cell_is_text_on_the_job_page(client, jiuye, example_dir, django_capture_on_commit_callbacks):
    assert jiuye("import", str(example_dir)).code == 0
    worker = user_add(username="yi", role="community", scope_code=B, password=PASSWORD)
    client.force_login(worker)
    header = "身份证号,姓名,性别,出生日期,家庭编号,与户主关系,文化程度,居住起始日期,居住终止日期,人员类别,退休年龄类别,联系电话,技能"
    row = f"500103198802100118,孙伟,{SCRIPT},1988-02-10,B1,户主,高中,2008-01-01,,,,,"
    upload = SimpleUploadedFile("人员.csv", f"{header}\r\n{row}\r\n".encode(), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ledgers/import/", {"files": upload})
    page = client.get(response["Location"]).content.decode()
    assert Job.objects.get(kind="import").state == "failed"
    assert_shown_as_text(page, SCRIPT, where="job page")


def certified(name: str, *, reason: str = "", note: str = "") -> dict:
    """甲 (A) renamed, certified on D by its street and district, recommended, subsidised."""
    Division.objects.filter(code=A).update(name=name)
    users = {who: user_add(username=who, role=role, scope_code=code, password=PASSWORD) for who, role, code in [
        ("jia", "community", A), ("street", "street", A[:9]), ("district", "district", A[:6]),
        ("city", "city", "500000")]}
    with on(D):
        certification = os_.certification_apply(user=users["jia"], community=A, evidence=_evidence())
        os_.certification_review(user=users["street"], certification=certification, approve=True)
        certification = os_.certification_accept(user=users["district"], certification=certification, accept=True)
        os_.recommendation_add(user=users["district"], certification=certification, year=2026, level="district",
                               reason=reason)
        os_.subsidy_grant(user=users["district"], certification=certification, kind="first", amount="10000",
                          year=2026, note=note)
    return users


def test_next_never_leaves_the_site(client, hostile):
    """The "back to" field of the jobs forms goes to a page of ours only."""
    client.force_login(hostile["worker"])
    sun, referral_pk = hostile["sun"], hostile["vacancy"].referrals.get().pk
    other = js.vacancy_create(user=hostile["worker"], community=B, title="保洁员", opened_on=D)
    for hostile_next in ("//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil.example"):
        response = client.post(f"/jobs/vacancies/{other.pk}/refer/{sun.pk}/", {"next": hostile_next})
        assert response["Location"] == f"/jobs/vacancies/{other.pk}/", hostile_next
        response = client.post(f"/jobs/referrals/{referral_pk}/interview/", {"next": hostile_next, "date": "2026-06-30"})
        assert response["Location"] == "/jobs/referrals/", hostile_next
    response = client.post(f"/jobs/referrals/{referral_pk}/interview/", {"next": f"/people/{sun.pk}/jobs/"})
    assert response["Location"] == f"/people/{sun.pk}/jobs/"


# -- (b) spreadsheets: = + - @ are text, never formulas --------------------------------------------------------

FORMULAS = {
    ("社区", "社区名称"): "=cmd|' /C calc'!A0",
    ("家庭", "住址"): "+1+1 民族路1号",
    ("人员", "姓名"): "-2+3张建国",
    ("人员", "技能"): "@SUM(1,1)",
    ("就业状态", "单位名称"): '=HYPERLINK("http://x","点")',
    ("服务记录", "备注"): "-1",
    ("投诉", "内容"): "@x",
}


@pytest.fixture
def formulas(jiuye, example_dir, tmp_path):
    """The worked example with a formula-like text in each kind of free-text column, all in 甲 (A)."""
    base = Ledger.example(example_dir)
    for (table, column), value in FORMULAS.items():
        key = {"社区": {"社区代码": A}, "家庭": {"家庭编号": "A1"}, "人员": {"身份证号": "500103198003150119"},
               "就业状态": {"身份证号": "500103198003150119"}, "服务记录": {"身份证号": "500103198207200122"},
               "投诉": {"社区代码": A}}[table]
        base.set(table, base.find(table, **key), column, value)
    run = jiuye("import", str(base.write_csv(tmp_path / "in")))
    assert run.code == 0, run.stderr
    assert Division.objects.get(code=A).name == FORMULAS[("社区", "社区名称")]


def no_formulas(content: bytes, *, expect=()) -> list:
    """Every cell of the workbook: none is a formula; each expected text is there with its quote."""
    book = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [f"{cell.parent.title}!{cell.coordinate}={cell.value!r}" for cell in cells if cell.data_type == "f"]
    assert not formulas, formulas
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    for value in expect:
        assert "'" + value in texts, f"{value!r} missing from {texts[:80]}"
    return texts


def test_exchange_export_writes_formula_like_text_as_text(formulas, jiuye, tmp_path):
    book = tmp_path / "out.xlsx"
    assert jiuye("export", str(book)).code == 0
    no_formulas(book.read_bytes(), expect=FORMULAS.values())
    folder = tmp_path / "csv"
    assert jiuye("export", str(folder)).code == 0
    text = "".join(p.read_text(encoding="utf-8-sig") for p in folder.glob("*.csv"))
    for value in FORMULAS.values():
        assert "'" + value in text or "'" + value.replace('"', '""') in text, value
    # Read back, each value is what was written (the quote is the format's, not the data's).
    again = jiuye("import", str(book))
    assert again.code == 0, again.stderr
    assert "+0 ~0" in again.stdout and "~1" not in again.stdout
    assert m.Household.objects.get(code="A1").address == FORMULAS[("家庭", "住址")]


def test_control_characters_do_not_break_the_workbook_export(jiuye, example_dir, tmp_path):
    """A control character is accepted in free text (CSV keeps it); a workbook cannot hold it: left out."""
    base = Ledger.example(example_dir)
    base.set("人员", 2, "技能", "电\x07工\x1b证")
    assert jiuye("import", str(base.write_csv(tmp_path / "in"))).code == 0
    run = jiuye("export", str(tmp_path / "out.xlsx"))
    assert run.code == 0, run.stderr
    assert "电工证" in no_formulas((tmp_path / "out.xlsx").read_bytes())
    assert jiuye("export", str(tmp_path / "csv")).code == 0
    assert "电\x07工\x1b证" in (tmp_path / "csv" / "人员.csv").read_text(encoding="utf-8-sig")


def test_printed_ledgers_write_formula_like_text_as_text(formulas):
    admin = user_add(username="jia", role="community", scope_code=A, password=PASSWORD)
    seen = []
    for ledger in LEDGERS:
        seen += no_formulas(ledger_workbook(user=admin, slug=ledger.slug, division_code=A, as_of=D))
    for value in (FORMULAS[("人员", "姓名")], FORMULAS[("家庭", "住址")], FORMULAS[("人员", "技能")]):
        assert "'" + value in seen, value


def test_oversight_workbooks_write_formula_like_text_as_text(formulas):
    """Filing, subsidy ledger and statistics reports: a community's name or a user's note is text."""
    reason, note = "=1+2 推荐", "@cmd 备注"
    users = certified(FORMULAS[("社区", "社区名称")], reason=reason, note=note)
    with on(D):
        name = FORMULAS[("社区", "社区名称")]
        no_formulas(filing.filing_xlsx(user=users["district"], district_code="500103", year=2026),
                    expect=[name, reason])
        no_formulas(filing.subsidy_ledger_xlsx(user=users["district"], district_code="500103", year=2026),
                    expect=[name, note])
        no_formulas(reports.report_monthly_xlsx(user=users["city"], year=2026, month=6, today=D), expect=[name])
        no_formulas(reports.report_monthly_xlsx(user=users["jia"], year=2026, month=6, today=D), expect=[name])
        no_formulas(reports.report_yearly_xlsx(user=users["jia"], year=2026, today=D))


# -- (c) uploads: bombs, too big, not a zip, cut short ----------------------------------------------------------


def _bomb(good: bytes) -> bytes:
    """The same workbook whose first sheet inflates to 64 MiB of blanks (about 64 KiB compressed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b" " * (64 * 1024 * 1024) + b"</worksheet>")
            target.writestr(name, data)
    return out.getvalue()


def _padded_bomb(good: bytes) -> bytes:
    """The bomb beside 1 MiB of random data for every 200 KiB it inflates to: the archive's
    overall ratio stays under the limit, its first sheet's does not."""
    import os

    out = io.BytesIO(_bomb(good))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("xl/media/noise.bin", os.urandom(len(out.getvalue()) + 400 * 1024))
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(out.getvalue())).infolist()) < 200 * len(out.getvalue())
    return out.getvalue()


HOSTILE_FILES = {
    "bomb": (_bomb, "zip bomb"),
    "padded bomb": (_padded_bomb, "zip bomb"),
    "oversized": (lambda good: good, "size limit"),
    "not a zip": (lambda good: b"hello, this is plain text, not a workbook\n" * 20, "not a valid .xlsx"),
    "truncated": (lambda good: good[: len(good) // 2], "not a valid .xlsx"),
}


def _bilingual(message: str) -> bool:
    return "/" in message and any("\u4e00" <= ch <= "\u9fff" for ch in message) and any(
        ch.isascii() and ch.isalpha() for ch in message)


@pytest.fixture
def good_workbook(example_dir, tmp_path) -> bytes:
    return Ledger.example(example_dir).write_xlsx(tmp_path / "good.xlsx").read_bytes()


def _state() -> dict:
    return {model.__name__: model.objects.count() for model in
            (Division, m.Household, m.Person, m.StatusEpisode, m.ServiceRecord, m.Complaint)}


@pytest.mark.parametrize("kind", list(HOSTILE_FILES))
def test_hostile_workbook_is_rejected_by_the_command(kind, jiuye, good_workbook, tmp_path, settings):
    make, words = HOSTILE_FILES[kind]
    path = tmp_path / "台账.xlsx"
    path.write_bytes(make(good_workbook))
    if kind == "oversized":
        settings.JIUYE_IMPORT_MAX_FILE_BYTES = len(good_workbook) - 1
    before = _state()
    run = jiuye("import", str(path))
    assert run.code == 2, run.stdout
    problems = [line.split("\t") for line in run.stderr.splitlines() if line.count("\t") == 3]
    assert problems and words in problems[0][3] and _bilingual(problems[0][3]), run.stderr
    assert "未写入任何数据 / import rejected, nothing written" in run.stderr
    assert _state() == before and not m.Person.objects.exists()


@pytest.mark.parametrize("kind", list(HOSTILE_FILES))
def test_hostile_workbook_is_rejected_by_the_upload_page(kind, client, jiuye, example_dir, good_workbook, settings,
                                                         django_capture_on_commit_callbacks):
    make, words = HOSTILE_FILES[kind]
    assert jiuye("import", str(example_dir)).code == 0
    worker = user_add(username="street", role="street", scope_code="500103001", password=PASSWORD)
    client.force_login(worker)
    if kind == "oversized":
        settings.JIUYE_IMPORT_MAX_FILE_BYTES = len(good_workbook) - 1
    before = _state()
    upload = SimpleUploadedFile("台账.xlsx", make(good_workbook))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ledgers/import/", {"files": upload})
    if kind == "oversized":  # refused by the form, before any job
        assert response.status_code == 200 and not Job.objects.exists()
        body = response.content.decode()
        assert "size limit" in body or "大小" in body
    else:
        assert response.status_code == 302
        job = Job.objects.get(kind="import")
        assert job.state == "failed" and job.error_count == 1
        message = job.errors[0][3]
        assert words in message and _bilingual(message), message
        # The job page shows the user's half of it (the command line keeps both).
        shown = one_language(message, "zh-hans")
        assert shown in client.get(response["Location"]).content.decode().replace("&#x27;", "'")
    assert _state() == before
