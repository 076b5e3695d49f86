"""exchange.md "What is rejected": every rule has a bad input here, and the import of it
exits 2, names table, row and column on standard error, and leaves the database as it
was. Beside them, what must be accepted (encodings, .xlsx cells, re-imports)."""

import datetime as dt
import itertools
import re
import zipfile

import pytest
import time_machine
from django.db import transaction

from jiuye.divisions.models import Division, Level
from jiuye.registry import models as m
from jiuye.registry.crypto import lookup_hash
from tests.conftest import EXAMPLE as EXAMPLE_DIR
from tests.ledger_builders import Ledger, make_id

pytestmark = pytest.mark.django_db

MODELS = [
    Division,
    m.Household,
    m.Person,
    m.StatusEpisode,
    m.UnemploymentRegistration,
    m.DibaoEpisode,
    m.ServiceRecord,
    m.Complaint,
    m.Target,
    m.OrganizationRecord,
]
EXAMPLE_COUNTS = {
    "Household": 11,
    "Person": 24,
    "StatusEpisode": 35,
    "UnemploymentRegistration": 7,
    "DibaoEpisode": 2,
    "ServiceRecord": 14,
    "Complaint": 5,
    "Target": 8,
    "OrganizationRecord": 4,
}
# Example IDs (人员 rows 2, 3 and 8).
ZHANG = "500103198003150119"  # 张建国, 男, 1980-03-15, household A1
LI = "500103198207200122"  # 李秀英, 女, 1982-07-20
LIU_YANG = "50010319980303011X"  # 刘洋
NEW_MAN = make_id("50010319900101123")  # 男, born 1990-01-01
NEW_WOMAN = make_id("50010319900101124")  # 女, born 1990-01-01
# 50010319900101103X in full-width digits: its checksum (X) holds if digits are read as numbers.
FULL_WIDTH_ID = "50010319900101103".translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "X"


def snapshot() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in MODELS}


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in MODELS[1:]}


def problem_lines(run) -> list[list[str]]:
    return [line.split("\t") for line in run.stderr.splitlines() if line.count("\t") == 3]


def assert_rejected(run, before: dict, table: str, row, column) -> None:
    """Exit 2, a stderr line ``table<TAB>row<TAB>column<TAB>message``, nothing written."""
    assert run.code == 2, (run.stdout, run.stderr)
    want = [table, "-" if row is None else str(row), column or "-"]
    lines = problem_lines(run)
    assert any(line[:3] == want and line[3].strip() for line in lines), f"no {want} in:\n{run.stderr}"
    assert snapshot() == before, "a rejected import changed the database"


def summary(run) -> dict[str, tuple[int, int]]:
    """``导入完成 / imported: 社区 +3 ~0, …`` as {table: (added, changed)}."""
    text = run.stdout.strip().split(": ", 1)[1]
    result = {}
    for part in text.split(", "):
        table, added, changed = part.split(" ")
        result[table] = (int(added.lstrip("+")), int(changed.lstrip("~")))
    return result


@pytest.fixture
def base(example_dir) -> Ledger:
    return Ledger.example(example_dir)


@pytest.fixture
def run_import(jiuye, tmp_path):
    """Write a ledger as a CSV folder (or take a path) and import it."""
    numbers = itertools.count()

    def run(ledger, **write):
        path = (
            ledger.write_csv(tmp_path / f"input{next(numbers)}", **write)
            if isinstance(ledger, Ledger)
            else ledger
        )
        return jiuye("import", str(path))

    return run


@pytest.fixture
def stored(run_import, base):
    """The worked example already imported (an earlier import)."""
    assert run_import(base).code == 0
    return base


# --- one bad cell or row in the worked example --------------------------------------


def _set(table, row, column, value):
    def edit(ledger):
        ledger.set(table, row, column, value)
        return table, row, column

    return edit


REQUIRED = [
    ("社区", "社区代码"),
    ("社区", "社区名称"),
    ("社区", "街道名称"),
    ("家庭", "家庭编号"),
    ("家庭", "社区代码"),
    ("家庭", "户口性质"),
    ("人员", "身份证号"),
    ("人员", "姓名"),
    ("人员", "性别"),
    ("人员", "出生日期"),
    ("人员", "家庭编号"),
    ("人员", "居住起始日期"),
    ("就业状态", "身份证号"),
    ("就业状态", "状态"),
    ("就业状态", "开始日期"),
    ("失业登记", "身份证号"),
    ("失业登记", "登记日期"),
    ("低保", "家庭编号"),
    ("低保", "开始日期"),
    ("服务记录", "身份证号"),
    ("服务记录", "服务日期"),
    ("服务记录", "服务类型"),
    ("投诉", "社区代码"),
    ("投诉", "投诉日期"),
    ("投诉", "是否有效"),
    ("目标任务", "社区代码"),
    ("目标任务", "年度"),
    ("目标任务", "指标"),
    ("目标任务", "目标值"),
    ("组织建设", "社区代码"),
    ("组织建设", "年度"),
]


@pytest.mark.parametrize(("table", "column"), REQUIRED, ids=[f"{t}-{c}" for t, c in REQUIRED])
def test_blank_required_value(run_import, base, table, column):
    before = snapshot()
    base.set(table, 3, column, "")
    assert_rejected(run_import(base), before, table, 3, column)


def test_white_space_only_is_blank(run_import, base):
    before = snapshot()
    base.set("人员", 4, "姓名", " \t ")
    assert_rejected(run_import(base), before, "人员", 4, "姓名")


def _append_person(ledger, **changes):
    values = {
        "身份证号": NEW_MAN,
        "姓名": "新人",
        "性别": "男",
        "出生日期": "1990-01-01",
        "家庭编号": "A1",
        "居住起始日期": "2020-01-01",
    } | changes
    return ledger.append("人员", **values)


def _appended(table, column, **values):
    def edit(ledger):
        if table == "人员":
            return table, _append_person(ledger, **values), column
        return table, ledger.append(table, **values), column

    return edit


def _copy(table, row, **changes):
    def edit(ledger):
        return table, ledger.copy_row(table, row, **changes), None

    return edit


def _two(*edits):
    """Several edits; the expectation is the last one's."""

    def edit(ledger):
        for e in edits:
            result = e(ledger)
        return result

    return edit


CASES = {
    # a value not in its list
    "hukou-not-in-list": _set("家庭", 2, "户口性质", "城市"),
    "sex-not-in-list": _set("人员", 2, "性别", "M"),
    "relation-not-in-list": _set("人员", 2, "与户主关系", "儿子"),
    "education-not-in-list": _set("人员", 2, "文化程度", "本科"),
    "category-not-in-list": _set("人员", 2, "人员类别", "农民工;学生"),
    "category-fullwidth-separator-bad-part": _set("人员", 2, "人员类别", "农民工；学生"),
    "status-not-in-list": _set("就业状态", 2, "状态", "待业"),
    "employment-form-not-in-list": _set("就业状态", 2, "就业形式", "打工"),
    "unemployment-reason-not-in-list": _set("就业状态", 4, "失业原因", "被辞退"),
    "cancel-reason-not-in-list": _set("失业登记", 2, "注销原因", "找到工作"),
    "service-type-not-in-list": _set("服务记录", 2, "服务类型", "电话"),
    "valid-not-in-list": _set("投诉", 2, "是否有效", "Y"),
    "station-not-in-list": _set("组织建设", 2, "服务站", "有"),
    "facilities-not-in-list": _set("组织建设", 3, "办公服务设施", "yes"),
    "words-exactly-as-listed": _set("家庭", 2, "户口性质", "城 镇"),
    # a date that is not a real date
    "date-feb-30": _set("就业状态", 2, "开始日期", "2026-02-30"),
    "date-day-first": _set("失业登记", 2, "登记日期", "1/12/2025"),
    "date-two-separators": _set("低保", 2, "开始日期", "2024-1/1"),
    "date-no-day-character": _set("服务记录", 3, "服务日期", "2025年12月3"),
    "date-two-digit-year": _set("投诉", 3, "投诉日期", "26/3/1"),
    "date-bare-number": _set("就业状态", 3, "开始日期", "40179"),
    "date-compact": _set("服务记录", 2, "服务日期", "20251201"),
    "date-three-digit-month": _set("人员", 2, "出生日期", "1980-003-15"),
    "date-month-13": _set("投诉", 2, "投诉日期", "2026-13-01"),
    "date-not-leap": _set("人员", 2, "居住终止日期", "2025-02-29"),
    "date-with-time": _set("失业登记", 2, "注销日期", "2026-03-01 08:00:00"),
    "date-words": _set("就业状态", 3, "结束日期", "至今"),
    # an integer that is not one
    "int-chinese": _set("目标任务", 2, "目标值", "十"),
    "int-decimal": _set("目标任务", 2, "目标值", "1.5"),
    "int-with-unit": _set("目标任务", 4, "实际值", "12个"),
    "year-with-unit": _set("目标任务", 2, "年度", "2026年"),
    "staff-words": _set("组织建设", 2, "专职人员数", "two"),
    "org-year-not-int": _set("组织建设", 2, "年度", "2026.5"),
    # 社区代码: 12 digits, a known district
    "code-11-digits": _set("社区", 2, "社区代码", "50010300100"),
    "code-13-digits-in-household": _set("家庭", 2, "社区代码", "5001030010011"),
    "code-with-letter": _set("投诉", 2, "社区代码", "50010300100A"),
    "code-with-dash": _set("目标任务", 2, "社区代码", "500103-001001"),
    "code-unknown-district": _appended(
        "社区", "社区代码", 社区代码="990103001001", 社区名称="外地", 街道名称="外地街道"
    ),
    "code-district-of-another-province": _appended(
        "社区", "社区代码", 社区代码="110101001001", 社区名称="东华门", 街道名称="东华门街道"
    ),
    "community-code-twice": _copy("社区", 2, 社区名称="别的社区"),
    "street-two-names": _appended(
        "社区", "街道名称", 社区代码="500103001009", 社区名称="示例丁社区", 街道名称="别的街道"
    ),
    # ID numbers
    "id-checksum": _appended("人员", "身份证号", 身份证号=NEW_MAN[:17] + str((int(NEW_MAN[17]) + 1) % 10)),
    "id-17-characters": _appended("人员", "身份证号", 身份证号=NEW_MAN[:17]),
    "id-letters": _appended("人员", "身份证号", 身份证号="50010319900101ABCD"),
    "sex-disagrees-with-id": _set("人员", 2, "性别", "女"),
    "birth-disagrees-with-id": _set("人员", 2, "出生日期", "1980-03-16"),
    "id-on-two-person-rows": _copy("人员", 2, 姓名="张建军"),
    "household-code-on-two-rows": _copy("家庭", 2, 住址="别处"),
    # references
    "person-missing-household": _set("人员", 2, "家庭编号", "Z9"),
    "household-missing-community": _set("家庭", 2, "社区代码", "500103001099"),
    "status-missing-person": _appended(
        "就业状态", "身份证号", 身份证号=NEW_MAN, 状态="就业", 开始日期="2020-01-01"
    ),
    "registration-missing-person": _appended("失业登记", "身份证号", 身份证号=NEW_MAN, 登记日期="2020-01-01"),
    "service-missing-person": _appended(
        "服务记录", "身份证号", 身份证号=NEW_MAN, 服务日期="2026-01-01", 服务类型="职业指导"
    ),
    "dibao-missing-household": _appended("低保", "家庭编号", 家庭编号="Z9", 开始日期="2024-01-01"),
    "complaint-missing-community": _appended(
        "投诉", "社区代码", 社区代码="500103001099", 投诉日期="2026-01-01", 是否有效="是"
    ),
    "target-missing-community": _appended(
        "目标任务", "社区代码", 社区代码="500103001099", 年度="2026", 指标="再就业人数", 目标值="1"
    ),
    "org-missing-community": _appended("组织建设", "社区代码", 社区代码="500103001099", 年度="2026"),
    # two rows with one key that are not identical
    "status-key-twice": _copy("就业状态", 2, 状态="其他"),
    "status-key-twice-end-differs": _copy("就业状态", 2, 结束日期="2026-01-01"),
    "registration-key-twice": _copy("失业登记", 4, 注销日期="2026-06-01"),
    "dibao-key-twice": _copy("低保", 2, 结束日期="2025-01-01"),
    "target-key-twice": _copy("目标任务", 2, 目标值="2"),
    "org-key-twice": _copy("组织建设", 2, 服务站="否"),
    "org-key-twice-staff-differs": _copy("组织建设", 5, 专职人员数="3"),
    # an end before its start
    "residence-end-before-start": _set("人员", 2, "居住终止日期", "2004-12-31"),
    "status-end-before-start": _set("就业状态", 3, "结束日期", "2009-12-31"),
    "registration-cancelled-before-registered": _set("失业登记", 2, "注销日期", "2025-11-30"),
    "dibao-end-before-start": _set("低保", 2, "结束日期", "2023-12-31"),
    # before birth
    "residence-before-birth": _set("人员", 2, "居住起始日期", "1980-03-14"),
    "status-before-birth": _set("就业状态", 2, "开始日期", "1980-03-14"),
    # overlapping status episodes
    "status-overlap-by-one-day": _set("就业状态", 4, "开始日期", "2025-11-30"),
    "status-after-open-ended": _appended(
        "就业状态", "开始日期", 身份证号=ZHANG, 状态="失业", 开始日期="2020-01-01", 结束日期="2020-06-30"
    ),
    "status-inside-another": _appended(
        "就业状态", "开始日期", 身份证号=LI, 状态="其他", 开始日期="2015-01-01", 结束日期="2015-02-01"
    ),
    "status-open-ended-twice": _appended(
        "就业状态", "开始日期", 身份证号=ZHANG, 状态="其他", 开始日期="2026-01-01"
    ),
    # full-width forms are read as ASCII only in codes, IDs, phones, dates and integers
    "full-width-digits-not-in-an-enum": _set("人员", 3, "退休年龄类别", "５０"),
    "full-width-date-still-a-real-date": _set("就业状态", 2, "开始日期", "２００５－０２－３０"),
    "full-width-id-checksum": _appended("人员", "身份证号", 身份证号=FULL_WIDTH_ID[:-1] + "１"),
    # 姓名: at most 50 characters, no control character; no NUL in any text
    "name-51-characters": _set("人员", 2, "姓名", "张" * 51),
    "name-control-character": _set("人员", 3, "姓名", "李\x07秀英"),
    "name-line-break": _set("人员", 3, "姓名", "李秀\n英"),
    "name-c1-control": _set("人员", 3, "姓名", "李秀\x9b英"),
    "name-control-at-the-end": _set("人员", 3, "姓名", "李秀英\x1f"),  # not white space: not trimmed
    # scientific notation: a number that lost its last digits
    "id-in-scientific-notation": _set("人员", 2, "身份证号", "5.00103198003150E+17"),
    "id-in-scientific-notation-lowercase": _set("就业状态", 2, "身份证号", "5.0010319800315e17"),
    "household-code-in-scientific-notation": _set("家庭", 2, "家庭编号", "1.23456789012346E+15"),
    # 退休年龄类别
    "retirement-category-55": _set("人员", 3, "退休年龄类别", "55"),
    "retirement-category-text": _set("人员", 3, "退休年龄类别", "是"),
    "retirement-category-50-man": _set("人员", 2, "退休年龄类别", "50"),
}


@pytest.mark.parametrize("edit", CASES.values(), ids=CASES.keys())
def test_bad_input_is_rejected(run_import, base, edit):
    before = snapshot()
    table, row, column = edit(base)
    assert_rejected(run_import(base), before, table, row, column)


def test_every_problem_is_reported(run_import, base):
    before = snapshot()
    base.set("家庭", 3, "户口性质", "城市")
    base.set("人员", 5, "出生日期", "2026-02-30")
    base.set("就业状态", 7, "开始日期", "")
    base.set("目标任务", 9, "目标值", "x")
    run = run_import(base)
    for table, row, column in [
        ("家庭", 3, "户口性质"),
        ("人员", 5, "出生日期"),
        ("就业状态", 7, "开始日期"),
        ("目标任务", 9, "目标值"),
    ]:
        assert_rejected(run, before, table, row, column)
    assert "导入失败" in run.stderr


def test_problem_lines_stay_one_line_each(run_import, base):
    """A tab or line break inside a cell or header must not break the four-field lines."""
    before = snapshot()
    base.set("人员", 2, "家庭编号", "Z\t9\n10")
    base.add_column("投诉", "备\n注")
    run = run_import(base)
    assert_rejected(run, before, "人员", 2, "家庭编号")
    assert_rejected(run, before, "投诉", 1, "备 注")
    assert all(line.count("\t") == 3 for line in run.stderr.splitlines() if "\t" in line), run.stderr


def test_long_free_text_is_not_a_rejection(run_import, base):
    """Anything else odd is a warning at most: a long 联系电话 or 单位名称 is stored (a 姓名 of
    50 characters too). Full-width forms in 联系电话 are read as ASCII, in 单位名称 they stay."""
    base.set("人员", 2, "联系电话", "13800000000 / 13900000000 / 023-12345678（家）")
    base.set("就业状态", 2, "单位名称", "重庆" + "某" * 250 + "公司（Ａ）")
    base.set("人员", 3, "姓名", " " + "李" * 50 + "\u3000")
    run = run_import(base)
    assert run.code == 0, run.stderr
    assert m.Person.objects.with_id_number(ZHANG).get().phone.endswith("023-12345678(家)")
    assert m.StatusEpisode.objects.get(person__id_hash=lookup_hash(ZHANG)).employer_name.endswith("公司（Ａ）")
    assert m.Person.objects.with_id_number(LI).get().name == "李" * 50


# --- files, sheets, columns ----------------------------------------------------------


def test_csv_neither_utf8_nor_gb18030(run_import, base, tmp_path):
    before = snapshot()
    folder = base.write_csv(tmp_path / "in")
    (folder / "投诉.csv").write_bytes(b"\xff\xfe\xff")
    assert_rejected(run_import(folder), before, "投诉", None, None)


def test_csv_over_the_size_limit(run_import, base, settings):
    before = snapshot()
    settings.JIUYE_IMPORT_MAX_FILE_BYTES = 600
    assert_rejected(run_import(base), before, "人员", None, None)


def test_file_not_named_after_a_table(run_import, base, tmp_path):
    before = snapshot()
    folder = base.write_csv(tmp_path / "in")
    (folder / "人员.csv").rename(folder / "人口.csv")
    assert_rejected(run_import(folder), before, "人口", None, None)


def test_unknown_column(run_import, base):
    before = snapshot()
    base.add_column("家庭", "备用")
    assert_rejected(run_import(base), before, "家庭", 1, "备用")


@pytest.mark.parametrize(
    ("table", "column"),
    [("家庭", "户口性质"), ("人员", "身份证号"), ("就业状态", "开始日期"), ("组织建设", "年度")],
)
def test_missing_required_column(run_import, base, table, column):
    before = snapshot()
    base.drop_column(table, column)
    run = run_import(base)
    assert run.code == 2
    # No row applies to an absent column: "-" (row 1, the header, would do as well).
    line = next(p for p in problem_lines(run) if p[0] == table and p[2] == column)
    assert line[1] in {"-", "1"}
    assert snapshot() == before


def test_missing_optional_columns_are_accepted(run_import, base):
    for table, column in [
        ("家庭", "住址"),
        ("人员", "技能"),
        ("人员", "人员类别"),
        ("就业状态", "单位名称"),
        ("失业登记", "注销原因"),
        ("目标任务", "实际值"),
    ]:
        base.drop_column(table, column)
    run = run_import(base)
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS


def test_optional_values_may_be_blank(run_import, base):
    for column in ["与户主关系", "文化程度", "居住终止日期", "人员类别", "退休年龄类别", "联系电话", "技能"]:
        base.set("人员", 2, column, "")
    for column in ["结束日期", "就业形式", "单位名称", "失业原因"]:
        base.set("就业状态", 2, column, "")
    base.set("失业登记", 2, "注销日期", "")
    base.set("失业登记", 2, "注销原因", "")
    for column in ["服务站", "专职人员数", "人员经费", "工作经费", "固定场所", "办公服务设施"]:
        base.set("组织建设", 2, column, "")
    base.set("家庭", 2, "住址", "")
    base.set("投诉", 2, "内容", "")
    base.set("服务记录", 2, "经办人", "")
    run = run_import(base)
    assert run.code == 0, run.stderr


def test_identical_rows_are_one_fact(run_import, base):
    for table in base.sheets:
        base.copy_row(table, 2)
    # Also identical once read: a lowercase x, surrounding spaces.
    base.copy_row("人员", 8, 身份证号=LIU_YANG.lower(), 姓名=" 刘洋 ")
    run = run_import(base)
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS
    assert Division.objects.filter(level=Level.COMMUNITY).count() == 3


def test_accepted_edge_values(run_import, base):
    base.set("人员", 3, "退休年龄类别", "50")  # a woman
    base.set("人员", 2, "人员类别", "农民工；残疾人;农民工")
    base.set("人员", 2, "居住起始日期", "1980-03-15")  # on the day of birth
    base.set("就业状态", 3, "开始日期", "2010-01-01 00:00:00")
    base.set("低保", 2, "结束日期", "2024-01-01")  # ends the day it starts
    base.set("家庭", 2, "户口性质", "  城镇 ")
    base.set("人员", 8, "身份证号", LIU_YANG.lower())
    base.set("就业状态", base.find("就业状态", 身份证号=LIU_YANG), "身份证号", LIU_YANG.lower())
    run = run_import(base)
    assert run.code == 0, run.stderr
    li = m.Person.objects.with_id_number(LI).get()
    assert li.retirement_category == "50"
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    assert zhang.category_list == ["农民工", "残疾人"]
    assert m.StatusEpisode.objects.filter(person__id_hash=lookup_hash(LIU_YANG)).count() == 1
    assert m.Household.objects.get(code="A1").hukou == "城镇"


# --- workbooks -------------------------------------------------------------------------


def test_not_a_valid_xlsx(jiuye, tmp_path):
    before = snapshot()
    bad = tmp_path / "台账.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    assert_rejected(jiuye("import", str(bad)), before, "-", None, None)
    with zipfile.ZipFile(bad, "w") as archive:  # a valid zip, but no workbook inside
        archive.writestr("hello.txt", "hello")
    assert_rejected(jiuye("import", str(bad)), before, "-", None, None)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("JIUYE_IMPORT_MAX_FILE_BYTES", 2000),
        ("JIUYE_IMPORT_MAX_XLSX_UNCOMPRESSED", 20000),
        ("JIUYE_IMPORT_MAX_XLSX_RATIO", 1),
    ],
)
def test_xlsx_over_the_size_limits(jiuye, base, tmp_path, settings, setting, value):
    book = base.write_xlsx(tmp_path / "台账.xlsx")
    before = snapshot()
    setattr(settings, setting, value)
    assert_rejected(jiuye("import", str(book)), before, "-", None, None)


def test_xlsx_zip_bomb_with_default_limits(jiuye, base, tmp_path):
    book = base.write_xlsx(tmp_path / "台账.xlsx")
    with zipfile.ZipFile(book, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (16 * 1024 * 1024))
    before = snapshot()
    assert_rejected(jiuye("import", str(book)), before, "-", None, None)


def test_xlsx_sheet_openpyxl_cannot_read(jiuye, base, tmp_path):
    """Well-formed XML, but a cell points at a shared string that is not there."""
    book = base.write_xlsx(tmp_path / "good.xlsx")
    bad = tmp_path / "台账.xlsx"
    cell = b'<c r="A2" t="s"><v>999</v></c>'
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<c r="A2" t="inlineStr"><is><t>[^<]*</t></is></c>', cell, data, count=1)
                assert cell in data
            target.writestr(name, data)
    before = snapshot()
    assert_rejected(jiuye("import", str(bad)), before, "-", None, None)


def test_sheet_not_named_after_a_table(jiuye, base, tmp_path):
    import openpyxl

    book = base.write_xlsx(tmp_path / "台账.xlsx")
    workbook = openpyxl.load_workbook(book)
    workbook["投诉"].title = "Sheet1"
    workbook.save(book)
    before = snapshot()
    assert_rejected(jiuye("import", str(book)), before, "Sheet1", None, None)


def test_xlsx_bad_cells_name_sheet_row_and_column(jiuye, base, tmp_path):
    base.set("人员", 6, "性别", "F")
    base.add_column("家庭", "备注")
    base.drop_column("低保", "开始日期")
    book = base.write_xlsx(tmp_path / "台账.xlsx")
    before = snapshot()
    run = jiuye("import", str(book))
    assert_rejected(run, before, "人员", 6, "性别")
    assert_rejected(run, before, "家庭", 1, "备注")
    assert any(p[0] == "低保" and p[2] == "开始日期" for p in problem_lines(run))


def test_xlsx_date_and_number_cells_evaluate_like_the_csv_example(jiuye, example_dir, base, tmp_path):
    with transaction.atomic():
        assert jiuye("import", str(example_dir)).code == 0
        from_csv = jiuye("evaluate", "--as-of", "2026-06-30", "--format", "json").json()
        transaction.set_rollback(True)
    assert m.Person.objects.count() == 0

    def numeric_codes(table, column, value):
        return int(value) if table == "投诉" and column == "社区代码" else value

    book = base.write_xlsx(tmp_path / "台账.xlsx", cell=numeric_codes)
    import openpyxl

    workbook = openpyxl.load_workbook(book)
    assert workbook["人员"]["D2"].is_date and workbook["目标任务"]["D2"].data_type == "n"
    with zipfile.ZipFile(book) as archive:  # stored as Excel serial numbers, not text
        xml = archive.read(f"xl/worksheets/sheet{workbook.sheetnames.index('人员') + 1}.xml").decode()
    assert re.search(r'<c r="D2" s="\d+"( t="n")?><v>29295</v>', xml), xml[:2000]
    run = jiuye("import", str(book))
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS
    from_xlsx = jiuye("evaluate", "--as-of", "2026-06-30", "--format", "json").json()
    assert from_xlsx == from_csv
    # The same facts as the CSV folder: importing that next changes nothing.
    again = jiuye("import", str(example_dir))
    assert again.code == 0
    assert set(summary(again).values()) == {(0, 0)}, again.stdout


# --- accepted encodings and cells --------------------------------------------------------


def test_gb18030_folder_imports(run_import, base):
    base.set("人员", 2, "姓名", "张䶮")  # outside GBK: needs GB18030's four-byte form
    run = run_import(base, encoding="gb18030")
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS
    assert m.Person.objects.with_id_number(ZHANG).get().name == "张䶮"
    assert Division.objects.get(code="500103001001").name == "示例甲社区"


def test_utf8_bom_and_mixed_encodings_import(run_import, base):
    run = run_import(base, bom=True, encodings={"社区": "gb18030", "家庭": "gb18030"})
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS
    assert Division.objects.get(code="500103001002").parent.name == "解放碑街道"
    assert m.Household.objects.get(code="A1").address == "民族路1号"


def test_formula_escaped_cells_are_read_without_the_quote(run_import, base):
    base.set("服务记录", 2, "备注", "'=1+1")
    base.set("服务记录", 2, "经办人", "'@王五")
    base.set("投诉", 3, "内容", "'-差评")
    base.set("人员", 2, "技能", "'+电工证")
    base.set("人员", 2, "联系电话", "'+8613800000000")
    base.set("人员", 3, "技能", "'电工")  # not an escape: kept as written
    run = run_import(base)
    assert run.code == 0, run.stderr
    service = m.ServiceRecord.objects.get(person__id_hash=lookup_hash(LI), date="2025-12-01")
    assert (service.note, service.handler) == ("=1+1", "@王五")
    assert m.Complaint.objects.filter(content="-差评").count() == 1
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    assert (zhang.skills, zhang.phone) == ("+电工证", "+8613800000000")
    assert m.Person.objects.with_id_number(LI).get().skills == "'电工"


def test_files_other_than_csv_are_ignored(run_import, base, tmp_path):
    folder = base.write_csv(tmp_path / "in")
    (folder / "README.md").write_text("# 说明\n", encoding="utf-8")
    (folder / "notes.txt").write_bytes(b"\xff\xfe\xff")
    (folder / "人员.xlsx").write_bytes(b"not a workbook")
    (folder / "投诉.csv.bak").write_bytes(b"\xff\xfe\xff")
    (folder / "old").mkdir()
    (folder / "old" / "垃圾.csv").write_bytes(b"\xff\xfe\xff")
    run = run_import(folder)
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS


def test_same_input_twice_changes_nothing(run_import, base, tmp_path):
    folder = base.write_csv(tmp_path / "in")
    first = run_import(folder)
    assert first.code == 0, first.stderr
    assert summary(first)["人员"] == (24, 0)
    before = snapshot()
    second = run_import(folder)
    assert second.code == 0, second.stderr
    assert set(summary(second)) == set(base.sheets)
    assert set(summary(second).values()) == {(0, 0)}, second.stdout
    assert snapshot() == before


# --- against what an earlier import stored ------------------------------------------------


def test_reference_satisfied_by_what_is_stored(run_import, stored):
    new = stored.emptied()
    new.append("家庭", 家庭编号="D1", 社区代码="500103001001", 户口性质="农村")
    _append_person(new, 家庭编号="A1")
    _append_person(new, 身份证号=NEW_WOMAN, 性别="女", 家庭编号="D1")
    new.append("就业状态", 身份证号=NEW_MAN, 状态="就业", 开始日期="2020-01-01")
    new.append("就业状态", 身份证号=ZHANG, 状态="其他", 开始日期="2004-01-01", 结束日期="2004-12-31")
    new.append("失业登记", 身份证号=LI, 登记日期="2026-06-01")
    new.append("服务记录", 身份证号=ZHANG, 服务日期="2026-06-01", 服务类型="上门走访")
    new.append("低保", 家庭编号="B1", 开始日期="2026-01-01")
    new.append("投诉", 社区代码="500105002003", 投诉日期="2026-06-01", 是否有效="否")
    new.append("目标任务", 社区代码="500103001002", 年度="2026", 指标="新增就业岗位数", 目标值="9")
    new.append("组织建设", 社区代码="500103001001", 年度="2025", 服务站="是")
    new.sheets.pop("社区")
    run = run_import(new)
    assert run.code == 0, run.stderr
    added = {table: (2 if table in ("人员", "就业状态") else 1, 0) for table in new.sheets}
    assert summary(run) == added
    assert m.Person.objects.with_id_number(NEW_WOMAN).get().household.community.code == "500103001001"


def test_missing_reference_against_what_is_stored(run_import, stored):
    before = snapshot()
    new = stored.emptied()
    new.sheets.pop("社区")
    row = new.append("家庭", 家庭编号="D1", 社区代码="500103001099", 户口性质="农村")
    assert_rejected(run_import(new), before, "家庭", row, "社区代码")


def test_street_name_against_what_is_stored(run_import, stored):
    before = snapshot()
    new = stored.only("社区").emptied()
    new.append("社区", 社区代码="500103001009", 社区名称="示例丁社区", 街道名称="别的街道")
    assert_rejected(run_import(new), before, "社区", 2, "街道名称")
    # Only one of the street's two stored communities, renaming the street: the other disagrees.
    new = stored.only("社区")
    new.sheets["社区"].rows.pop(1)
    new.set("社区", 2, "街道名称", "新街道")
    assert_rejected(run_import(new), before, "社区", 2, "街道名称")
    # The stored name is accepted.
    new = stored.only("社区").emptied()
    new.append("社区", 社区代码="500103001009", 社区名称="示例丁社区", 街道名称="解放碑街道")
    assert run_import(new).code == 0
    assert Division.objects.get(code="500103001009").parent.code == "500103001"


@pytest.mark.parametrize(
    ("status", "start", "end"),
    [
        ("失业", "2020-01-01", "2020-06-30"),  # inside 张建国's open-ended 就业 since 2005-03-01
        ("其他", "2000-01-01", ""),  # open-ended, before the stored one
        ("其他", "2004-01-01", "2005-03-01"),  # ends on the stored one's first day
    ],
)
def test_status_overlap_against_what_is_stored(run_import, stored, status, start, end):
    before = snapshot()
    new = stored.only("就业状态").emptied()
    new.append("就业状态", 身份证号=ZHANG, 状态=status, 开始日期=start, 结束日期=end)
    assert_rejected(run_import(new), before, "就业状态", 2, "开始日期")


def test_status_before_stored_birth(run_import, stored):
    before = snapshot()
    new = stored.only("就业状态").emptied()
    new.append("就业状态", 身份证号=ZHANG, 状态="在校学生", 开始日期="1979-01-01", 结束日期="1979-12-31")
    assert_rejected(run_import(new), before, "就业状态", 2, "开始日期")


def test_changed_birth_date_after_stored_episode(run_import, stored):
    """A re-imported 人员 row whose birth (and ID) would put a stored episode before it."""
    before = snapshot()
    new = stored.only("人员")
    new.set("人员", 2, "居住起始日期", "2005-01-01")
    new.set("人员", 2, "出生日期", "2006-01-01")  # disagrees with the ID as well
    assert_rejected(run_import(new), before, "人员", 2, "出生日期")


def test_reimport_with_end_date_updates_the_stored_row(run_import, stored):
    new = stored.only("就业状态", "失业登记")
    new.set("就业状态", 2, "结束日期", "2026-04-30")
    new.append("就业状态", 身份证号=ZHANG, 状态="失业", 开始日期="2026-05-01", 失业原因="单位解除合同")
    sun = new.find("失业登记", 登记日期="2026-05-06")
    new.set("失业登记", sun, "注销日期", "2026-06-20")
    new.set("失业登记", sun, "注销原因", "已就业")
    run = run_import(new)
    assert run.code == 0, run.stderr
    assert summary(run) == {"就业状态": (1, 1), "失业登记": (0, 1)}
    episodes = m.StatusEpisode.objects.filter(person__id_hash=lookup_hash(ZHANG)).order_by("start")
    assert [(e.status, str(e.start), e.end and str(e.end)) for e in episodes] == [
        ("就业", "2005-03-01", "2026-04-30"),
        ("失业", "2026-05-01", None),
    ]
    registration = m.UnemploymentRegistration.objects.get(registered_on="2026-05-06")
    assert (str(registration.cancelled_on), registration.cancel_reason) == ("2026-06-20", "已就业")
    # Reopening the closed episode (its row as first imported) now overlaps the stored 失业 one.
    before = snapshot()
    assert_rejected(run_import(stored.only("就业状态")), before, "就业状态", 2, "开始日期")


def test_absent_column_keeps_stored_value_blank_cell_clears_it(run_import, base):
    base.set("人员", 2, "联系电话", "13800000000")
    base.set("人员", 2, "技能", "电工证")
    assert run_import(base).code == 0
    # 联系电话 absent, 技能 blank.
    new = base.only("人员").drop_column("人员", "联系电话")
    new.set("人员", 2, "技能", "")
    run = run_import(new)
    assert run.code == 0, run.stderr
    assert summary(run) == {"人员": (0, 1)}
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    assert (zhang.phone, zhang.skills) == ("13800000000", "")
    # 单位名称 absent keeps 重庆某公司; 结束日期 absent keeps the open end.
    new = base.only("就业状态").drop_column("就业状态", "单位名称").drop_column("就业状态", "结束日期")
    run = run_import(new)
    assert run.code == 0, run.stderr
    assert summary(run) == {"就业状态": (0, 0)}
    episode = m.StatusEpisode.objects.get(person__id_hash=lookup_hash(ZHANG))
    assert (episode.employer_name, episode.end) == ("重庆某公司", None)
    assert str(m.StatusEpisode.objects.get(person__id_hash=lookup_hash(LI), start="2010-01-01").end) == "2025-11-30"
    # A blank cell clears it.
    new = base.only("就业状态")
    new.set("就业状态", 2, "单位名称", "")
    run = run_import(new)
    assert summary(run) == {"就业状态": (0, 1)}
    assert m.StatusEpisode.objects.get(person__id_hash=lookup_hash(ZHANG)).employer_name == ""


def test_a_large_import_refreshes_the_planner_statistics(jiuye, example_dir, monkeypatch):
    from jiuye.exchange import importer

    analysed = []
    monkeypatch.setattr(importer, "_analyze", lambda models: analysed.append({m.__name__ for m in models}))
    monkeypatch.setattr(importer, "ANALYZE_AFTER_ROWS", 10**9)
    assert jiuye("import", str(example_dir)).code == 0
    assert analysed == []  # a small import leaves statistics to autovacuum
    m.Person.objects.all().delete()
    monkeypatch.setattr(importer, "ANALYZE_AFTER_ROWS", 1)
    assert jiuye("import", str(example_dir)).code == 0
    assert analysed and {"Person", "StatusEpisode"} <= analysed[0]


def test_analyze_runs_on_either_database(example_dir, jiuye):
    from jiuye.exchange.importer import _analyze

    assert jiuye("import", str(example_dir)).code == 0
    _analyze([m.Person, m.StatusEpisode])  # no error on PostgreSQL (ANALYZE) or SQLite (PRAGMA optimize)


# --- values as workers type them (exchange.md "Values") ---------------------------------------

FW = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def full_width(text: str) -> str:
    """ASCII as the full-width forms a Chinese input method types (U+FF01–U+FF5E)."""
    return text.translate(FW)


@pytest.mark.parametrize("typed", [
    "2010-1-1", "2010/1/1", "2010/01/01", "2010.1.1", "2010.01.01", "2010年1月1日", "2010年01月01日",
    "2010-01-01 00:00:00", "2010-01-01T00:00:00", "2010/1/1 00:00:00", "2010年1月1日 00:00:00",
    full_width("2010-01-01"), full_width("2010/1/1"), "２０１０年１月１日", full_width("2010-01-01T00:00:00"),
    "2010-01-01\u300000:00:00", " 2010-1-1\u3000",
])
def test_every_typed_date_form_is_a_date(run_import, base, typed):
    """Every form of the grammar, ASCII or full-width, is the date 2010-01-01 (李秀英's 就业 start)."""
    row = base.find("就业状态", 身份证号=LI, 开始日期="2010-01-01")
    base.set("就业状态", row, "开始日期", typed)
    run = run_import(base)
    assert run.code == 0, run.stderr
    assert m.StatusEpisode.objects.filter(person__id_hash=lookup_hash(LI), start="2010-01-01").count() == 1
    again = run_import(Ledger.example(EXAMPLE_DIR))  # the basic example: the same facts
    assert set(summary(again).values()) == {(0, 0)}, again.stdout


@pytest.mark.parametrize("typed", [
    "30/6/2026", "6/30/2026", "2026-6/30", "2026/6-30", "2026年6月30", "2026年6-30", "20260630", "46203", "2026-06",
    "2026-06-30 08:00:00", "2026-06-30T00:00", "2026-06-30 00:00:00.000", "2026 6 30", "26-6-30", "2026-6-30日",
    "２０２６年６月３１日", "2026-6-031", "'2026-06-30",
])
def test_anything_else_is_not_a_date(run_import, base, typed):
    before = snapshot()
    base.set("服务记录", 2, "服务日期", typed)
    run = run_import(base)
    assert_rejected(run, before, "服务记录", 2, "服务日期")
    message = next(p[3] for p in problem_lines(run) if p[:3] == ["服务记录", "2", "服务日期"])
    if typed not in ("２０２６年６月３１日",):  # not a real date: says so
        assert ("2026年6月30日" in message and "2026/6/30" in message) or "time of day" in message, message


def test_full_width_forms_in_codes_ids_phones_dates_and_integers(run_import, base):
    """Full-width forms read as ASCII in 社区代码, 家庭编号, 身份证号, 联系电话, dates and integers."""
    base.set("社区", 2, "社区代码", full_width("500103001001"))
    base.set("家庭", 2, "家庭编号", full_width("A1"))
    base.set("人员", 2, "身份证号", full_width(ZHANG))
    base.set("人员", 3, "家庭编号", "Ａ１")
    base.set("人员", 8, "身份证号", full_width(LIU_YANG.lower()))  # ｘ: a lowercase x
    base.set("人员", 2, "联系电话", "１３８\u3000００００\u3000００００")
    base.set("人员", 2, "出生日期", "１９８０年３月１５日")
    base.set("投诉", 2, "社区代码", "５００１０３００１００１")
    base.set("目标任务", 2, "目标值", "１")
    base.set("目标任务", 2, "年度", "２０２６")
    base.set("组织建设", 2, "专职人员数", "２")
    base.set("就业状态", 2, "身份证号", full_width(ZHANG))
    run = run_import(base)
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    assert (zhang.household.code, zhang.phone, str(zhang.birth_date)) == ("A1", "138 0000 0000", "1980-03-15")
    assert m.Person.objects.with_id_number(LIU_YANG).exists()
    again = run_import(Ledger.example(EXAMPLE_DIR))  # the same facts, but for the phone
    assert {t: c for t, c in summary(again).items() if c != (0, 0)} == {"人员": (0, 1)}, again.stdout


def test_full_width_forms_stay_in_other_columns(run_import, base):
    base.set("家庭", 2, "住址", "民族路１号")
    base.set("人员", 2, "技能", "Ｃ１驾照")
    base.set("人员", 2, "姓名", "张建国Ａ")
    assert run_import(base).code == 0
    assert m.Household.objects.get(code="A1").address == "民族路１号"
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    assert (zhang.skills, zhang.name) == ("Ｃ１驾照", "张建国Ａ")


def test_identical_rows_are_judged_on_mapped_values(run_import, base):
    base.copy_row("人员", 2, 身份证号=full_width(ZHANG), 出生日期="1980/3/15", 家庭编号="Ａ1")
    base.copy_row("就业状态", 2, 开始日期="２００５年３月１日")
    base.copy_row("目标任务", 2, 目标值="１")
    run = run_import(base)
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS


def test_one_key_in_full_width_with_other_values_is_rejected(run_import, base):
    before = snapshot()
    row = base.copy_row("人员", 2, 身份证号=full_width(ZHANG), 姓名="张建军")
    assert_rejected(run_import(base), before, "人员", row, None)


# --- number cells of a workbook ------------------------------------------------------------------


def _problem(run, table, row, column) -> str:
    return next(p[3] for p in problem_lines(run) if p[:3] == [table, str(row), column])


def _numbers(**columns):
    """A ``write_xlsx`` cell hook: the named columns' cells as numbers (``float`` or ``int``)."""

    def cell(table, column, value):
        kind = columns.get(column)
        if kind and isinstance(value, str) and value and value.isdigit():
            return kind(value)
        return value

    return cell


@pytest.mark.parametrize("kind", [int, float])
def test_id_number_cells_are_rejected_with_the_cure(jiuye, base, tmp_path, kind):
    """An ID as a number cell has lost digits (a float), or will on the next save (an int):
    every such row is named, the message says to format the column as text and type the
    numbers again, and shows the cell cut short, never in full."""
    book = base.write_xlsx(tmp_path / "台账.xlsx", cell=_numbers(身份证号=kind))
    before = snapshot()
    run = jiuye("import", str(book))
    ids = [r for r in range(2, len(base.sheets["人员"].rows) + 2) if base.get("人员", r, "身份证号").isdigit()]
    for row in ids:
        assert_rejected(run, before, "人员", row, "身份证号")
    message = _problem(run, "人员", 2, "身份证号")
    assert "5.0010…E+17" in message and "文本" in message and "Text" in message and "lost" in message, message
    assert "number_cell" not in message
    for id_number in (ZHANG, LI, ZHANG[:15]):
        assert id_number not in run.stderr
    # Rows of the other tables whose ID is a number cell are named too.
    assert_rejected(run, before, "就业状态", 2, "身份证号")
    assert_rejected(run, before, "服务记录", 2, "身份证号")


def test_small_number_cells_in_id_and_household_columns_are_rejected(jiuye, base, tmp_path):
    base.set("家庭", 2, "家庭编号", "1001")
    base.set("人员", 2, "家庭编号", "1001")
    base.set("人员", 3, "家庭编号", "1001")
    base.set("人员", 4, "家庭编号", "1001")
    book = base.write_xlsx(tmp_path / "台账.xlsx", cell=_numbers(家庭编号=int))
    before = snapshot()
    run = jiuye("import", str(book))
    assert_rejected(run, before, "家庭", 2, "家庭编号")
    assert "1001" in _problem(run, "家庭", 2, "家庭编号")
    assert_rejected(run, before, "人员", 2, "家庭编号")


def test_a_16_digit_household_number_cell_is_rejected(jiuye, base, tmp_path):
    """As a number it is rounded (1234567890123457 → 1234567890123456): it would be another family."""
    code = "1234567890123457"
    for row in range(2, len(base.sheets["人员"].rows) + 2):
        if base.get("人员", row, "家庭编号") == "A1":
            base.set("人员", row, "家庭编号", code)
    base.set("家庭", 2, "家庭编号", code)
    book = base.write_xlsx(tmp_path / "台账.xlsx", cell=_numbers(家庭编号=float))
    before = snapshot()
    run = jiuye("import", str(book))
    assert_rejected(run, before, "家庭", 2, "家庭编号")
    assert "1.2346…E+15" in _problem(run, "家庭", 2, "家庭编号")
    assert code not in run.stderr


def test_phone_number_cells(jiuye, base, tmp_path):
    """A landline as a number lost its leading 0 (rejected); a mobile number is exact (accepted)."""
    base.set("人员", 2, "联系电话", "02368123456")
    base.set("人员", 3, "联系电话", "13800000000")
    book = base.write_xlsx(tmp_path / "台账.xlsx", cell=_numbers(联系电话=int))
    before = snapshot()
    run = jiuye("import", str(book))
    assert_rejected(run, before, "人员", 2, "联系电话")
    message = _problem(run, "人员", 2, "联系电话")
    assert "0" in message and "文本" in message and "leading 0" in message, message
    assert "2368123456" not in run.stderr
    assert not any(p[:3] == ["人员", "3", "联系电话"] for p in problem_lines(run))
    base.set("人员", 2, "联系电话", "")
    book = base.write_xlsx(tmp_path / "台账2.xlsx", cell=_numbers(联系电话=float))
    run = jiuye("import", str(book))
    assert run.code == 0, run.stderr
    assert m.Person.objects.with_id_number(LI).get().phone == "13800000000"


def test_community_code_number_cells_are_exact(jiuye, base, tmp_path):
    book = base.write_xlsx(tmp_path / "台账.xlsx", cell=_numbers(社区代码=float))
    run = jiuye("import", str(book))
    assert run.code == 0, run.stderr
    assert counts() == EXAMPLE_COUNTS


def test_a_bare_number_in_a_date_column_is_not_a_date(jiuye, base, tmp_path):
    """A date cell whose date format was lost reaches us as its serial number (46203)."""
    def serial(table, column, value):
        return 38412 if (table, column) == ("就业状态", "开始日期") and value == dt.datetime(2005, 3, 1) else value

    book = base.write_xlsx(tmp_path / "台账.xlsx", cell=serial)
    before = snapshot()
    run = jiuye("import", str(book))
    assert_rejected(run, before, "就业状态", 2, "开始日期")
    message = _problem(run, "就业状态", 2, "开始日期")
    assert "38412" in message and "2026年6月30日" in message, message


# --- files: encodings, NUL, limits -------------------------------------------------------------------


def test_gb18030_file_with_a_pasted_utf8_line_is_unreadable(run_import, base, tmp_path):
    """Read as GB18030 the UTF-8 line would turn 刘博 into 鍒樺崥 without a word."""
    before = snapshot()
    row = base.copy_row("人员", 2, 身份证号=NEW_MAN, 姓名="刘博", 出生日期="1990-01-01", 居住起始日期="2020-01-01")
    folder = base.write_csv(tmp_path / "in", encoding="gb18030")
    lines = (folder / "人员.csv").read_bytes().split(b"\r\n")
    lines[row - 1] = lines[row - 1].decode("gb18030").encode("utf-8")
    (folder / "人员.csv").write_bytes(b"\r\n".join(lines))
    run = run_import(folder)
    assert_rejected(run, before, "人员", None, None)
    message = next(p[3] for p in problem_lines(run) if p[0] == "人员" and p[1] == "-")
    assert f"第 {row} 行" in message and f"line {row}" in message and "UTF-8" in message, message
    assert not m.Person.objects.filter(name="鍒樺崥").exists()


def test_utf8_file_with_a_pasted_gb18030_line_is_unreadable(run_import, base, tmp_path):
    before = snapshot()
    folder = base.write_csv(tmp_path / "in", bom=True)
    lines = (folder / "家庭.csv").read_bytes().split(b"\r\n")
    lines[3] = lines[3].decode("utf-8").encode("gb18030")
    (folder / "家庭.csv").write_bytes(b"\r\n".join(lines))
    run = run_import(folder)
    assert_rejected(run, before, "家庭", None, None)
    assert "line 1 is UTF-8" in run.stderr and "line 4 is not" in run.stderr, run.stderr
    # References into the unreadable table are folded: one line for 人员 and 低保, and the
    # tables referring to those persons in turn.
    follow = {(p[0], p[1], p[2]): p[3] for p in problem_lines(run) if "rows refer to rows rejected above" in p[3]}
    assert follow == {
        ("人员", "-", "家庭编号"): "24 行引用了上面被拒绝的行 / 24 rows refer to rows rejected above",
        ("低保", "-", "家庭编号"): "2 行引用了上面被拒绝的行 / 2 rows refer to rows rejected above",
        ("就业状态", "-", "身份证号"): "35 行引用了上面被拒绝的行 / 35 rows refer to rows rejected above",
        ("失业登记", "-", "身份证号"): "7 行引用了上面被拒绝的行 / 7 rows refer to rows rejected above",
        ("服务记录", "-", "身份证号"): "14 行引用了上面被拒绝的行 / 14 rows refer to rows rejected above",
    }, run.stderr
    assert len(problem_lines(run)) == 6


def test_gb18030_file_without_utf8_lines_imports(run_import, base):
    """Chinese text in GB18030 whose bytes are no UTF-8 Chinese characters: a plain GB18030 file."""
    base.set("人员", 2, "技能", "电工证、焊工（中级）")
    run = run_import(base, encoding="gb18030")
    assert run.code == 0, run.stderr
    assert m.Person.objects.with_id_number(ZHANG).get().skills == "电工证、焊工（中级）"


def test_csv_with_a_nul_byte_is_unreadable(run_import, base, tmp_path):
    before = snapshot()
    folder = base.write_csv(tmp_path / "in")
    path = folder / "服务记录.csv"
    path.write_bytes(path.read_bytes().replace("政策咨询,,".encode(), "政策咨询,,\x00".encode(), 1))
    run = run_import(folder)
    assert_rejected(run, before, "服务记录", None, None)
    assert "NUL" in run.stderr and "line 2" in run.stderr, run.stderr


def test_utf16_csv_is_unreadable(run_import, base, tmp_path):
    """Excel's "Unicode text" is UTF-16: neither encoding, and the message says how to save it."""
    before = snapshot()
    folder = base.write_csv(tmp_path / "in")
    text = (folder / "投诉.csv").read_text(encoding="utf-8")
    (folder / "投诉.csv").write_bytes(text.encode("utf-16"))
    run = run_import(folder)
    assert_rejected(run, before, "投诉", None, None)
    assert "UTF-16" in run.stderr and "CSV UTF-8" in run.stderr


@pytest.mark.parametrize(("setting", "value", "edit"), [
    ("JIUYE_IMPORT_MAX_ROWS", 20, None),
    ("JIUYE_IMPORT_MAX_COLUMNS", 12, None),
    ("JIUYE_IMPORT_MAX_CELL_CHARS", 100, lambda ledger: ledger.set("人员", 3, "技能", "电" * 101)),
])
def test_tables_over_the_limits(run_import, jiuye, base, tmp_path, settings, setting, value, edit):
    if edit:
        edit(base)
    folder = base.write_csv(tmp_path / "in")
    book = base.write_xlsx(tmp_path / "台账.xlsx")
    before = snapshot()
    setattr(settings, setting, value)
    for path in (folder, book):
        run = jiuye("import", str(path))
        assert_rejected(run, before, "人员", None, None)
        assert "limit" in _problem(run, "人员", "-", "-")


def test_a_million_header_columns_give_a_handful_of_lines(run_import, base, tmp_path, settings):
    before = snapshot()
    base.sheets["人员"].headers += [f"x{i}" for i in range(1_000_000)]
    folder = base.write_csv(tmp_path / "in")
    run = run_import(folder)
    assert_rejected(run, before, "人员", None, None)
    assert len(run.stderr.splitlines()) < 10, run.stderr[:2000]
    # With the limit lifted, every unknown column is a problem: 1,000 lines, then a count.
    settings.JIUYE_IMPORT_MAX_COLUMNS = 2_000_000
    run = run_import(folder)
    assert run.code == 2
    lines = run.stderr.splitlines()
    assert len(problem_lines(run)) == 1000
    assert any("1000003" in line or "1,000,003" in line for line in lines[-2:]) or \
        any("more problems" in line for line in lines[-2:]), lines[-3:]
    more = next(line for line in lines if "more problems" in line)
    shown_count = int(re.search(r"(\d+) more problems", more)[1])
    total = int(re.search(r"(\d+) problem\(s\)", lines[-1])[1])
    assert shown_count == total - 1000 and total >= 1_000_000
    assert snapshot() == before


# --- follow-on problems are folded ---------------------------------------------------------------


def follow_on(run) -> dict:
    """{(table, column): N} of the ``N rows refer to rows rejected above`` lines."""
    found = {}
    for table, row, column, message in problem_lines(run):
        match = re.fullmatch(r"(\d+) 行引用了上面被拒绝的行 / (\d+) rows refer to rows rejected above", message)
        if match:
            assert row == "-" and match[1] == match[2], message
            found[(table, column)] = int(match[1])
    return found


def test_an_unknown_column_in_persons_gives_a_handful_of_lines(run_import, base):
    before = snapshot()
    base.add_column("人员", "备注")
    run = run_import(base)
    assert_rejected(run, before, "人员", 1, "备注")
    assert follow_on(run) == {("就业状态", "身份证号"): 35, ("失业登记", "身份证号"): 7, ("服务记录", "身份证号"): 14}
    assert len(problem_lines(run)) == 4, run.stderr
    assert "person does not exist" not in run.stderr


def test_a_missing_column_folds_what_refers_to_the_table(run_import, base):
    before = snapshot()
    base.drop_column("社区", "街道名称")
    run = run_import(base)
    assert_rejected(run, before, "社区", None, "街道名称")
    assert follow_on(run) == {
        ("家庭", "社区代码"): 11, ("投诉", "社区代码"): 5, ("目标任务", "社区代码"): 8, ("组织建设", "社区代码"): 4,
        ("人员", "家庭编号"): 24, ("低保", "家庭编号"): 2,
        ("就业状态", "身份证号"): 35, ("失业登记", "身份证号"): 7, ("服务记录", "身份证号"): 14,
    }, run.stderr
    assert len(problem_lines(run)) == 10


def test_community_rejected_for_its_district_folds_its_households_and_on(run_import, base):
    """丙 (500105002003) given as 990105002003: its households, their persons and what refers to
    them are counted, not listed; a referring row's own fault is still listed."""
    before = snapshot()
    base.set("社区", 4, "社区代码", "990105002003")
    base.set("家庭", 10, "社区代码", "990105002003")
    lin_tao = base.find("人员", 姓名="林涛")
    base.set("人员", lin_tao, "居住终止日期", "1999-01-01")  # before its start: its own fault
    run = run_import(base)
    assert_rejected(run, before, "社区", 4, "社区代码")
    assert_rejected(run, before, "人员", lin_tao, "居住终止日期")
    assert follow_on(run) == {
        ("家庭", "社区代码"): 3,  # C1, C2, C3
        ("人员", "家庭编号"): 6,  # their six persons
        ("就业状态", "身份证号"): 11, ("失业登记", "身份证号"): 2, ("服务记录", "身份证号"): 3,  # theirs
        ("投诉", "社区代码"): 1, ("目标任务", "社区代码"): 3, ("组织建设", "社区代码"): 2,
    }, run.stderr
    assert len(problem_lines(run)) == 10
    assert "does not exist" not in run.stderr, run.stderr


def test_household_number_cell_keys_fold_their_persons(jiuye, base, tmp_path):
    """A 家庭编号 that is a number cell in 家庭 (its key) and text in 人员: the persons are folded."""
    for row in range(2, len(base.sheets["家庭"].rows) + 2):
        base.set("家庭", row, "家庭编号", f"10{row:02d}")
    mapping = {"A1": "1002", "A2": "1003", "A3": "1004", "A4": "1005", "B1": "1006", "B2": "1007", "B3": "1008",
               "B4": "1009", "C1": "1010", "C2": "1011", "C3": "1012"}
    for table in ("人员", "低保"):
        for row in range(2, len(base.sheets[table].rows) + 2):
            base.set(table, row, "家庭编号", mapping[base.get(table, row, "家庭编号")])

    def household_numbers(table, column, value):
        return int(value) if (table, column) == ("家庭", "家庭编号") else value

    book = base.write_xlsx(tmp_path / "台账.xlsx", cell=household_numbers)
    before = snapshot()
    run = jiuye("import", str(book))
    for row in range(2, 13):
        assert_rejected(run, before, "家庭", row, "家庭编号")
    assert follow_on(run) == {("人员", "家庭编号"): 24, ("低保", "家庭编号"): 2, ("就业状态", "身份证号"): 35,
                              ("失业登记", "身份证号"): 7, ("服务记录", "身份证号"): 14}
    assert len(problem_lines(run)) == 11 + 5


def test_a_person_rejected_for_another_cell_is_still_a_key(run_import, base):
    """Rows referring to a person whose row has a bad 性别 are not reported: their reference stands."""
    before = snapshot()
    base.set("人员", 3, "性别", "F")  # 李秀英
    run = run_import(base)
    assert_rejected(run, before, "人员", 3, "性别")
    assert len(problem_lines(run)) == 1, run.stderr


def test_a_bad_id_folds_the_rows_that_refer_to_it(run_import, base):
    """An ID failing GB 11643 is a bad key: a reference matching no key is folded, not listed."""
    before = snapshot()
    bad = LI[:17] + "9"
    for table in ("人员", "就业状态", "失业登记", "服务记录"):
        for row in range(2, len(base.sheets[table].rows) + 2):
            if base.get(table, row, "身份证号") == LI:
                base.set(table, row, "身份证号", bad)
    base.append("失业登记", 身份证号=NEW_MAN, 登记日期="2026-01-01")  # really missing: folded too
    run = run_import(base)
    assert_rejected(run, before, "人员", 3, "身份证号")
    assert follow_on(run) == {("就业状态", "身份证号"): 3, ("失业登记", "身份证号"): 2, ("服务记录", "身份证号"): 2}


def test_a_misnamed_file_folds_references_to_the_missing_table(run_import, base, tmp_path):
    before = snapshot()
    folder = base.write_csv(tmp_path / "in")
    (folder / "人员.csv").rename(folder / "人口.csv")
    run = run_import(folder)
    assert_rejected(run, before, "人口", None, None)
    assert follow_on(run) == {("就业状态", "身份证号"): 35, ("失业登记", "身份证号"): 7, ("服务记录", "身份证号"): 14}


def test_missing_references_into_a_sound_table_are_listed_row_by_row(run_import, base):
    before = snapshot()
    rows = [base.append("服务记录", 身份证号=NEW_MAN, 服务日期="2026-01-01", 服务类型="职业指导") for _ in range(3)]
    base.sheets["服务记录"].rows[-1][3] = "甲"  # three different rows
    base.sheets["服务记录"].rows[-2][3] = "乙"
    run = run_import(base)
    for row in rows:
        assert_rejected(run, before, "服务记录", row, "身份证号")
    assert follow_on(run) == {}


def test_at_most_1000_problem_lines_then_a_count(run_import, base):
    before = snapshot()
    for i in range(1500):
        base.append("投诉", 社区代码="500103001001", 投诉日期=f"2026-13-{i}", 是否有效="是")
    run = run_import(base)
    assert run.code == 2
    assert len(problem_lines(run)) == 1000
    assert "另有 500 个问题未列出 / 500 more problems not listed" in run.stderr
    assert run.stderr.rstrip().endswith("1500 problem(s)")
    assert snapshot() == before


# --- warnings -----------------------------------------------------------------------------------


def warning_lines(run) -> list[list[str]]:
    return [line.split("\t")[1:] for line in run.stderr.splitlines() if line.startswith("warning\t")]


@time_machine.travel(dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC), tick=False)
def test_dates_after_the_day_of_the_import_are_warnings(run_import, base):
    """The example's complaint of 2026-07-01 and a planned end: warned, imported."""
    base.set("就业状态", 2, "结束日期", "2026-12-31")
    run = run_import(base)
    assert run.code == 0, run.stderr
    warnings = warning_lines(run)
    assert all(len(w) == 4 for w in warnings), warnings
    assert [w[:3] for w in warnings] == [["就业状态", "2", "结束日期"], ["投诉", "5", "投诉日期"]], warnings
    assert "2026-07-01" in warnings[1][3] and "2026-06-30" in warnings[1][3]
    assert counts() == EXAMPLE_COUNTS


def test_values_under_a_blank_header_and_control_characters_are_warnings(run_import, base):
    base.add_column("家庭", "")
    base.set("家庭", 3, "", "旧编号 7")
    base.set("家庭", 5, "", "旧编号 9")
    base.set("人员", 2, "技能", "电\x07工")
    run = run_import(base)
    assert run.code == 0, run.stderr
    warnings = warning_lines(run)
    blank = [w for w in warnings if w[:3] == ["家庭", "3", "-"]]
    assert len(blank) == 1 and "column E" in blank[0][3] and "2 row(s)" in blank[0][3], warnings
    assert ["人员", "2", "技能"] in [w[:3] for w in warnings], warnings
    assert m.Person.objects.with_id_number(ZHANG).get().skills == "电\x07工"


@time_machine.travel(dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC), tick=False)
def test_at_most_1000_warning_lines_then_a_count(run_import, base):
    for i in range(1200):
        base.append("服务记录", 身份证号=ZHANG, 服务日期="2026-01-01", 服务类型="上门走访", 备注=str(i))
    run = run_import(base)
    assert run.code == 0, run.stderr
    assert len(warning_lines(run)) == 1000
    more = next(line for line in run.stderr.splitlines() if "more warnings not listed" in line)
    assert int(re.search(r"(\d+) more warnings", more)[1]) > 200
