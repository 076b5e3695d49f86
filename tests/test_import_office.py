"""Round trips through a real office suite: Debian's LibreOffice Calc (``soffice --headless``).

What workers do with an export: open it with every column as Text and save it as GB18030
CSV, or re-save the workbook: both import unchanged. What goes wrong: each CSV opened the
usual way (Standard columns), saved as a workbook, the sheets joined into one (values
copied with their types): ID numbers and 16-digit 家庭编号 became numbers, and the import
refuses it, naming every such row, writing nothing. Workers' typed dates and full-width
digits, through Calc, import as the basic example does.

Marked ``office`` (a few seconds each; ``-m "not office"`` leaves them out); skipped with a
message where soffice is missing (CI installs libreoffice-calc).
"""

import json
import shutil
import subprocess
import sys

import openpyxl
import pytest

from jiuye.registry import models as m
from jiuye.registry.rules.schema import TABLES
from tests.conftest import SHARED
from tests.ledger_builders import Ledger
from tests.test_import_rejections import EXAMPLE_COUNTS, ZHANG, counts, problem_lines, snapshot, summary

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.office,
    pytest.mark.pg_only,
    pytest.mark.django_db,
    pytest.mark.skipif(SOFFICE is None, reason="LibreOffice not found (soffice): apt-get install libreoffice-calc "
                                               "to run the office-suite round trips"),
]
UTF8, GB18030 = 76, 85  # LibreOffice's character set codes (CSV filter option 3)
ALL_TEXT = "/".join(f"{i}/2" for i in range(1, 21))  # columns 1–20 formatted as Text (format code 2)


@pytest.fixture(scope="session")
def office_profile(tmp_path_factory):
    """A LibreOffice user profile of this test session (another soffice may be running)."""
    return tmp_path_factory.mktemp("libreoffice-profile")


@pytest.fixture
def soffice(office_profile):
    return lambda *args, **kwargs: _soffice(office_profile, *args, **kwargs)


def _soffice(profile, files, outdir, convert_to: str, infilter: str | None = None) -> None:
    """Convert ``files`` with LibreOffice into ``outdir``."""
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
    if infilter:
        command.append(f"--infilter={infilter}")
    command += ["--convert-to", convert_to, "--outdir", str(outdir), *map(str, files)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for file in files:
        produced = outdir / f"{file.stem}.{convert_to.split(':')[0]}"
        assert produced.exists(), (done.stdout, done.stderr)


def join_sheets(books: list, out):
    """One workbook with a sheet per file, named after it, values copied with their types."""
    target = openpyxl.Workbook()
    target.remove(target.active)
    for path in books:
        source = openpyxl.load_workbook(path).active
        sheet = target.create_sheet(path.stem)
        for row in source.iter_rows(values_only=True):
            sheet.append(list(row))
    target.save(out)
    return out


@pytest.fixture
def register(jiuye, example_dir, tmp_path):
    """The worked example with phone numbers (a landline, a mobile) and formula-like text, stored."""
    base = Ledger.example(example_dir)
    base.set("人员", 2, "联系电话", "02368123456")
    base.set("人员", 3, "联系电话", "13800000000")
    base.set("人员", 4, "技能", "=电工证")
    base.set("家庭", 2, "住址", "-民族路1号")
    assert jiuye("import", str(base.write_csv(tmp_path / "register"))).code == 0
    return base


def test_export_opened_as_text_and_saved_as_gb18030_imports_unchanged(jiuye, register, tmp_path, soffice):
    assert jiuye("export", str(tmp_path / "export")).code == 0
    files = sorted((tmp_path / "export").glob("*.csv"))
    soffice(files, tmp_path / "gb", f"csv:Text - txt - csv (StarCalc):44,34,{GB18030}",
            infilter=f"CSV:44,34,{UTF8},1,{ALL_TEXT}")
    people = (tmp_path / "gb" / "人员.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        people.decode("utf-8")
    assert "张建国".encode("gb18030") in people and b"02368123456" in people
    before = snapshot()
    run = jiuye("import", str(tmp_path / "gb"))
    assert run.code == 0, run.stderr
    assert set(summary(run).values()) == {(0, 0)}, run.stdout
    assert snapshot() == before


def test_export_workbook_resaved_imports_unchanged(jiuye, register, tmp_path, soffice):
    book = tmp_path / "export" / "台账.xlsx"
    book.parent.mkdir()
    assert jiuye("export", str(book)).code == 0
    soffice([book], tmp_path / "resaved", "xlsx")
    before = snapshot()
    run = jiuye("import", str(tmp_path / "resaved" / "台账.xlsx"))
    assert run.code == 0, run.stderr
    assert set(summary(run).values()) == {(0, 0)}, run.stdout
    assert snapshot() == before


def test_csv_converted_with_standard_columns_is_refused_row_by_row(jiuye, register, tmp_path, soffice):
    """Every row whose ID became a number is named, in every table; the landline is refused, the
    mobile number (exact) is not; nothing is written."""
    assert jiuye("export", str(tmp_path / "export")).code == 0
    files = sorted((tmp_path / "export").glob("*.csv"))
    soffice(files, tmp_path / "books", "xlsx", infilter=f"CSV:44,34,{UTF8},1")
    book = join_sheets(sorted((tmp_path / "books").glob("*.xlsx")), tmp_path / "joined.xlsx")
    sheet = openpyxl.load_workbook(book)["人员"]
    assert isinstance(sheet["A2"].value, float) and sheet["A2"].value != int(ZHANG)  # digits lost
    before = snapshot()
    run = jiuye("import", str(book))
    assert run.code == 2
    named = {(p[0], int(p[1])) for p in problem_lines(run) if p[2] == "身份证号" and p[1] != "-"}
    exported = Ledger.from_folder(tmp_path / "export")  # rows sorted by key, as the workbook has them
    for table in ("人员", "就业状态", "失业登记", "服务记录"):
        ids = exported.sheets[table].rows
        column = exported.sheets[table].index("身份证号")
        numbers = {row for row, cells in enumerate(ids, start=2) if cells[column].isdigit()}
        assert numbers and {r for t, r in named if t == table} == numbers, table
    lines = {(p[0], p[1], p[2]): p[3] for p in problem_lines(run)}
    assert "文本" in lines[("人员", "2", "身份证号")] and "E+17" in lines[("人员", "2", "身份证号")]
    landline, mobile = (str(exported.find("人员", 联系电话=phone)) for phone in ("02368123456", "13800000000"))
    assert ("人员", landline, "联系电话") in lines and ("人员", mobile, "联系电话") not in lines
    assert not any(p[2] in ("社区代码", "出生日期", "开始日期") for p in problem_lines(run))
    assert snapshot() == before


def test_generated_register_converted_the_usual_way_is_refused_within_the_cap(jiuye, tmp_path, soffice):
    """1,400 residents with 16-digit household numbers: 1,000 lines, then how many more; none written."""
    assert jiuye("generate", str(tmp_path / "gen"), "--communities", "2", "--persons-per-community", "700",
                 "--seed", "3").code == 0
    files = sorted((tmp_path / "gen").glob("*.csv"))
    soffice(files, tmp_path / "books", "xlsx", infilter=f"CSV:44,34,{UTF8},1")
    book = join_sheets(sorted((tmp_path / "books").glob("*.xlsx")), tmp_path / "joined.xlsx")
    before = snapshot()
    run = jiuye("import", str(book))
    assert run.code == 2
    problems = problem_lines(run)
    assert len(problems) == 1000
    assert {p[0] for p in problems[:500]} == {"家庭"} and all(p[2] == "家庭编号" for p in problems[:500])
    assert ("人员", "2", "身份证号") in {(p[0], p[1], p[2]) for p in problems}
    assert "more problems not listed" in run.stderr and "nothing written" in run.stderr
    assert snapshot() == before and not m.Person.objects.exists()


def test_typed_dates_and_full_width_digits_through_calc_evaluate_as_the_basic_example(jiuye, tmp_path, soffice):
    """The typed example opened in Calc (codes and IDs as Text, the rest Standard: some dates become
    date cells, the others stay as typed), saved as workbooks, joined, imported: the same evaluation."""
    typed = SHARED / "spec" / "examples" / "typed"
    if not typed.exists():
        pytest.skip("../shared/spec/examples/typed not found")
    files = {p.stem: p for p in typed.glob("*.csv")}
    assert set(files) == {t.name for t in TABLES}
    groups = [
        ([files["人员"]], f"CSV:44,34,{UTF8},1,1/2/5/2/12/2"),
        ([files["服务记录"]], f"CSV:44,34,{GB18030},1,1/2"),
        ([p for n, p in files.items() if n not in ("人员", "服务记录")], f"CSV:44,34,{UTF8},1,1/2"),
    ]
    for group, infilter in groups:
        soffice(group, tmp_path / "books", "xlsx", infilter=infilter)
    book = join_sheets(sorted((tmp_path / "books").glob("*.xlsx")), tmp_path / "joined.xlsx")
    cells = [c for ws in openpyxl.load_workbook(book).worksheets for row in ws.iter_rows(min_row=2) for c in row]
    assert any(c.is_date for c in cells) and any(isinstance(c.value, str) and "年" in c.value for c in cells)
    run = jiuye("import", str(book))
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS
    evaluation = jiuye("evaluate", "--as-of", "2026-06-30", "--format", "json")
    actual, expected = tmp_path / "actual.json", typed / "expected-2026-06-30.json"
    actual.write_text(json.dumps(evaluation.json(), ensure_ascii=False), encoding="utf-8")
    compare = subprocess.run([sys.executable, str(SHARED / "tools" / "compare_evaluation.py"), str(expected),
                              str(actual)], capture_output=True, text=True)
    assert compare.returncode == 0, compare.stdout + compare.stderr
