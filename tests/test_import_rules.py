"""The register's rules below the command line: the column-wise fast path and the row-by-row
pass give the same rows; the cells' readings; the same rules in every single-record write
(a form or the API goes through ``ledger_validate``)."""

import datetime as dt

import pytest

from jiuye.accounts.services import user_add
from jiuye.exchange.reader import decode_csv
from jiuye.registry import models as m
from jiuye.registry import services as rs
from jiuye.registry.rules.checks import ledger_validate
from jiuye.registry.rules.parse import (
    CellError,
    ParsedTable,
    RawTable,
    _parse_clean,
    _parse_rows,
    number_shown,
    parse_cell,
    parse_tables,
)
from jiuye.registry.rules.schema import TABLE_BY_NAME
from jiuye.registry.services import ValidationFailed
from tests.ledger_builders import make_id

PASSWORD = "Gongzuo-2026!x"
ZHANG = "500103198003150119"
NEW_MAN = make_id("50010319900101123")


def _raw(table: str, headers: list[str], rows: list[list]) -> RawTable:
    return RawTable(table, table, headers, list(enumerate(rows, start=2)))


def _both_paths(raw: RawTable) -> tuple[list, list]:
    table = TABLE_BY_NAME[raw.name]
    positions = {h: i for i, h in enumerate(raw.headers)}
    present = tuple(c for c in table.column_names if c in positions)
    fast = _parse_clean(raw, table, present, positions)
    problems, warnings = [], []
    slow = _parse_rows(raw, ParsedTable(table, present, [], raw.name), positions, [], problems, warnings)
    assert not problems and not warnings, (problems, warnings)
    return fast, slow


@pytest.mark.parametrize(("table", "headers", "rows"), [
    ("就业状态", ["身份证号", "状态", "开始日期", "结束日期", "就业形式", "单位名称", "失业原因"], [
        [ZHANG, "就业", "2005/3/1", "", "单位就业", "重庆某公司", ""],
        ["５００１０３１９８００３１５０１１９", "失业", "２０２６年５月１日", " 2026.6.30 ", "", "", "辞职"],
        [ZHANG, "就业", "2005-03-01 00:00:00", "", "单位就业", "重庆某公司", ""],  # identical once read
        [NEW_MAN.lower(), "其他", "2010-1-1T00:00:00", "2010年12月31日", "", "'=SUM(1)", ""],
    ]),
    ("人员", ["身份证号", "姓名", "性别", "出生日期", "家庭编号", "居住起始日期", "人员类别", "联系电话", "技能"], [
        [ZHANG, " 张建国\u3000", "男", "1980-3-15", "Ａ１", "2005-1-1", "农民工；残疾人", "１３８００００００００", "电工"],
        [NEW_MAN, "李" * 50, "男", "1990/01/01", "A1", "2020.1.1", "", "023-6812 3456", "Ｃ１驾照"],
    ]),
    ("目标任务", ["社区代码", "年度", "指标", "目标值", "实际值"], [
        ["５００１０３００１００１", "２０２６", "新增就业岗位数", "１０", "+3"],
        ["500103001001", "2025", "新增就业岗位数", "10", ""],
    ]),
])
def test_fast_path_and_row_by_row_pass_give_the_same_rows(table, headers, rows):
    fast, slow = _both_paths(_raw(table, headers, [list(r) for r in rows]))
    assert fast is not None, "a clean table must take the column-wise path"
    assert [(r.number, r.values) for r in fast] == [(r.number, r.values) for r in slow]


def test_fast_path_in_small_blocks_gives_the_row_by_row_rows(monkeypatch):
    """Rows turned into columns a block at a time, columns without white space left unstripped, a
    column of mostly distinct names not deduplicated: still the rows the row-by-row pass makes."""
    from jiuye.registry.rules import parse

    monkeypatch.setattr(parse, "TRANSPOSE_BLOCK", 3)
    monkeypatch.setattr(parse, "DEDUPE_PROBE", 4)
    headers = ["身份证号", "姓名", "性别", "出生日期", "家庭编号", "居住起始日期", "技能", "联系电话"]
    rows = []
    for i in range(11):
        number = make_id(f"50010319800315{i:03d}")
        rows.append([number, f"张{'一二三四五六七八九十冬'[i]}", "男", f"1980-3-{i + 1}", f"A{i % 3}", "2005-1-1",
                     "电工" if i % 2 else "焊工", "13800000000"])
    rows[7][6] = " 电工\u3000"  # one cell to strip in the column of skills
    rows[9][1] = "张\u3000十"  # inner white space is kept
    rows[10][7] = "１３８００００００００"  # a full-width phone number
    fast, slow = _both_paths(_raw("人员", headers, rows))
    assert fast is not None
    assert [(r.number, r.values) for r in fast] == [(r.number, r.values) for r in slow]
    assert [r.get("技能") for r in fast][7] == "电工" and fast[10].get("联系电话") == "13800000000"


@pytest.mark.parametrize("cell", ["5.00103198003150E+17", "张\x07三"])
def test_fast_path_leaves_what_it_cannot_decide_to_the_row_by_row_pass(cell):
    column = "身份证号" if "E" in cell else "姓名"
    headers = ["身份证号", "姓名", "性别", "出生日期", "家庭编号", "居住起始日期"]
    row = [ZHANG, "张三", "男", "1980-03-15", "A1", "2005-01-01"]
    row[headers.index(column)] = cell
    raw = _raw("人员", headers, [row])
    table = TABLE_BY_NAME["人员"]
    positions = {h: i for i, h in enumerate(headers)}
    assert _parse_clean(raw, table, tuple(c for c in table.column_names if c in positions), positions) is None
    problems, warnings = [], []
    parse_tables([raw], problems, warnings, today=dt.date(2026, 6, 30))
    assert [(p.row, p.column, p.kind) for p in problems] == [(2, column, "number_cell" if "E" in cell
                                                             else "control_character")]


def test_cells_as_read():
    people = TABLE_BY_NAME["人员"]
    assert parse_cell(people.column("身份证号"), " ５００１０３１９９８０３０３０１１ｘ ") == "50010319980303011X"
    assert parse_cell(people.column("家庭编号"), "Ａ－１") == "A-1"
    assert parse_cell(people.column("联系电话"), 13800000000) == "13800000000"
    assert parse_cell(people.column("联系电话"), 13800000000.0) == "13800000000"
    assert parse_cell(people.column("技能"), "Ａ") == "Ａ"
    assert parse_cell(people.column("出生日期"), dt.datetime(1980, 3, 15)) == dt.date(1980, 3, 15)
    for bad, kind in [(("身份证号", 500103198003150119), "number_cell"), (("身份证号", 5.0), "number_cell"),
                      (("家庭编号", 12), "number_cell"), (("家庭编号", "1.2E+15"), "number_cell"),
                      (("联系电话", 2368123456), "number_cell"), (("联系电话", 12345678901), "number_cell"),
                      (("出生日期", 29295), "bad_date"), (("出生日期", dt.datetime(1980, 3, 15, 8)), "date_with_time"),
                      (("姓名", "张" * 51), "name_too_long"), (("姓名", "张\x00"), "nul_character"),
                      (("技能", "电\x00工"), "nul_character")]:
        with pytest.raises(CellError) as raised:
            parse_cell(people.column(bad[0]), bad[1])
        assert raised.value.kind == kind, bad
    assert "500103198003150119" not in str(pytest.raises(CellError, parse_cell, people.column("身份证号"),
                                                         500103198003150119).value)


@pytest.mark.parametrize(("value", "shown"), [
    (500103198003150119, "5.0010…E+17"), (5.00118193012058e17, "5.0012…E+17"), (1234567890123456.0, "1.2346…E+15"),
    (12, "12"), (1001.0, "1001"), (12.5, "12.5"), (999999999999, "999999999999"),
])
def test_number_shown_is_never_a_full_id(value, shown):
    assert number_shown(value) == shown


def test_decoding_csv_files():
    gb = "身份证号,姓名\r\n500103198003150119,张建国\r\n".encode("gb18030")
    assert decode_csv(gb)[0].startswith("身份证号")
    assert decode_csv(b"\xef\xbb\xbf" + "姓名\r\n张三\r\n".encode())[0] == "姓名\r\n张三\r\n"
    pasted = gb + "\ufeff500103198207200122,李秀英\r\n".encode()  # a pasted file, with its own BOM
    text, problem = decode_csv(pasted)
    assert text is None and problem.kind == "mixed_encoding" and "line 3" in problem.message
    text, problem = decode_csv(gb + b"\x00")
    assert text is None and problem.kind == "nul_byte"
    text, problem = decode_csv(b"\xff\xfe" + "a".encode("utf-16-le"))
    assert text is None and problem.kind == "unreadable_file" and "UTF-16" in problem.message


# --- the same rules in every single-record write ----------------------------------------------------


pytestmark_db = pytest.mark.django_db


@pytest.fixture
def worker(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return user_add(username="worker_a", role="community", scope_code="500103001001", password=PASSWORD)


def _person_values(**changes):
    return {"身份证号": NEW_MAN, "姓名": "新人", "性别": "男", "出生日期": "1990-01-01", "居住起始日期": "2020-01-01"} | changes


@pytestmark_db
@pytest.mark.parametrize(("column", "value", "kind"), [
    ("姓名", "张" * 500, "name_too_long"),
    ("姓名", "张\x1b三", "control_character"),
    ("姓名", "张\x00三", "nul_character"),
    ("技能", "电工\x00", "nul_character"),
    ("联系电话", "138\x00", "nul_character"),
    ("出生日期", "46203", "bad_date"),
])
def test_a_form_write_is_refused_beside_its_field(worker, column, value, kind):
    household = m.Household.objects.get(code="A1")
    with pytest.raises(ValidationFailed) as failed:
        rs.person_create(user=worker, household=household, values=_person_values(**{column: value}))
    assert list(failed.value.errors) == [column], failed.value.errors
    assert [p.kind for p in failed.value.problems] == [kind]
    assert not m.Person.objects.with_id_number(NEW_MAN).exists()


@pytestmark_db
def test_a_form_takes_typed_dates_and_full_width_forms(worker):
    household = m.Household.objects.get(code="A1")
    full_width = NEW_MAN.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    person = rs.person_create(user=worker, household=household, values=_person_values(
        身份证号=full_width, 出生日期="1990年1月1日", 居住起始日期="2020/1/1", 联系电话="１３８００００００００"))
    person.refresh_from_db()
    assert (person.id_number, person.phone, person.birth_date) == (NEW_MAN, "13800000000", dt.date(1990, 1, 1))
    assert m.Person.objects.with_id_number(NEW_MAN).get() == person


@pytestmark_db
def test_ledger_validate_shows_causes_not_follow_on_counts(worker):
    """A bad ID in a single-record write: its cause, not "1 rows refer to rows rejected above"."""
    bad = ZHANG[:17] + "8"
    problems = ledger_validate({
        "人员": [{"身份证号": bad, "姓名": "张建国", "性别": "男", "出生日期": "1980-03-15", "家庭编号": "A1",
                "居住起始日期": "2005-01-01"}],
        "就业状态": [{"身份证号": bad, "状态": "就业", "开始日期": "2005-03-01"}],
    })
    assert [(p.table, p.column, p.kind) for p in problems] == [("人员", "身份证号", "bad_id_number")]


def test_workbook_rows_are_as_wide_as_the_sheet(example_dir, tmp_path):
    """Not padded to the column limit (the column-wise pass needs rows as wide as the header)."""
    from jiuye.exchange.reader import read_input
    from tests.ledger_builders import Ledger

    book = Ledger.example(example_dir).write_xlsx(tmp_path / "台账.xlsx", typed=False)
    tables, problems = read_input(book)
    assert not problems
    for table in tables:
        assert {len(cells) for _, cells in table.rows} == {len(table.headers)}, table.name
    parsed = parse_tables(tables, problems, [], today=dt.date(2026, 6, 30))
    assert not problems and sum(len(p.rows) for p in parsed.values()) == 113


def test_columns_taken_in_one_pass_are_those_taken_one_at_a_time(monkeypatch):
    from jiuye.registry.rules import parse

    monkeypatch.setattr(parse, "TRANSPOSE_BLOCK", 3)
    index = parse.column_index(("身份证号", "状态", "开始日期"))
    rows = [parse.Row(n, (f"id{n}", "就业" if n % 2 else "失业", dt.date(2020, 1, n)), index) for n in range(2, 12)]
    wanted = ["开始日期", "结束日期", "身份证号"]
    got = parse.columns_by_name(rows, wanted, default="-")
    assert list(got) == wanted
    assert got == {c: parse.column_of(rows, c, "-") for c in wanted}
    assert got["结束日期"] == ["-"] * 10 and got["身份证号"][-1] == "id11"
    assert parse.columns_by_name([], wanted) == {c: [] for c in wanted}
