"""Checks of a large import made set-wise (issue 17): a column of ID numbers checked in array
passes, references of a whole table tested against the known keys at once. What they cannot
show valid is judged row by row as before, so a large input with problems gets exactly the lines
a row-by-row check gives."""

import csv
import random

import pytest

from jiuye.exchange.generate import generate_register
from jiuye.exchange.importer import ledger_import
from jiuye.registry import models as m
from jiuye.registry.rules import idnumber

pytestmark = pytest.mark.django_db


def _id(rnd: random.Random) -> str:
    first = "500104" + "".join(rnd.choice("0123456789") for _ in range(11))
    return first + idnumber.check_digit(first)


def test_a_column_of_id_numbers_is_shown_valid_only_where_each_one_is():
    rnd = random.Random(3)
    values = [_id(rnd) for _ in range(3000)]
    odd = {
        5: values[5][:17] + ("0" if values[5][17] != "0" else "1"),  # the check digit wrong
        9: values[9][:17],  # 17 characters
        12: values[12] + "\n",  # 19 (the shape's pattern would let the newline through)
        20: "５" + values[20][1:],  # a full-width digit
        33: values[33][:4] + "/" + values[33][5:],  # "/" is "0" less one
        34: values[34][:4] + ":" + values[34][5:],  # ":" is "9" plus one
        40: "",
        41: values[41][:17] + "x",  # a lowercase x is for normalize() to make X first
        50: None,
    }
    for i, value in odd.items():
        values[i] = value
    fixed = _id(rnd)
    while fixed[17] != "X":
        fixed = _id(rnd)
    values[60] = fixed  # an X check digit is valid
    flags = idnumber.valid_column(values)
    expected = [isinstance(v, str) and v.isascii() and idnumber.is_valid(v) for v in values]
    assert flags[60] is True
    assert not any(flags[i] for i in odd)
    # Never valid where one-at-a-time is not; the same verdict for every plain value.
    assert [f for i, f in enumerate(flags) if i not in odd] == [e for i, e in enumerate(expected) if i not in odd]
    assert sum(flags) == len(values) - len(odd)
    assert idnumber.valid_column(values[:999]) == [False] * 999  # a short column: one at a time


def _rewrite(path, change) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    change(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _lines(result) -> list[str]:
    return [p.line() for p in result.problems]


def test_a_large_import_with_bad_rows_reports_each_row_as_a_row_by_row_check_does(tmp_path, monkeypatch):
    folder = tmp_path / "register"
    generate_register(folder, communities=1, seed=5, persons_per_community=1100)
    unknown = "500104199001011239"  # valid, not in the register
    assert idnumber.is_valid(unknown)

    def statuses(rows):
        rows[3][rows[0].index("身份证号")] = unknown

    def services(rows):
        rows[-1][rows[0].index("身份证号")] = unknown

    def complaints(rows):
        rows[1][rows[0].index("社区代码")] = "500104043999"

    _rewrite(folder / "就业状态.csv", statuses)
    _rewrite(folder / "服务记录.csv", services)
    _rewrite(folder / "投诉.csv", complaints)
    result = ledger_import(path=folder)
    assert not result.ok and not m.Person.objects.exists()
    references = _lines(result)
    masked = "500104********1239"
    assert [line.split("\t")[:3] + [line.split("\t")[3].split(" / ")[0]] for line in references] == [
        ["就业状态", "4", "身份证号", f"人员不存在：{masked}，请在人员表中列出或先导入此人"],
        ["服务记录", str(sum(1 for _ in (folder / "服务记录.csv").open(encoding="utf-8-sig"))), "身份证号",
         f"人员不存在：{masked}，请在人员表中列出或先导入此人"],
        ["投诉", "2", "社区代码", "社区不存在：500104043999，请在社区表中列出或先导入该社区"],
    ]

    def persons(rows):
        assert len(rows) > 1001  # the array check runs (a column of 1,000 or more)
        at = rows[0].index("身份证号")
        rows[7][at] = rows[7][at][:17] + ("1" if rows[7][at][17] != "1" else "2")  # fails the check
        rows[500][at] = rows[500][at][:16]  # too short

    _rewrite(folder / "人员.csv", persons)
    result = ledger_import(path=folder)
    bad_ids = _lines(result)
    assert [line.split("\t")[:3] for line in bad_ids[:2]] == [["人员", "8", "身份证号"], ["人员", "501", "身份证号"]]
    assert all("身份证号校验失败" in line for line in bad_ids[:2])
    # 人员 has rows rejected for their key: references into it are counted, not listed.
    assert [line.split("\t")[:3] for line in bad_ids[2:]] == [
        ["就业状态", "-", "身份证号"], ["失业登记", "-", "身份证号"], ["服务记录", "-", "身份证号"],
        ["投诉", "2", "社区代码"]]

    # The same lines when nothing is shown valid in arrays (every ID number judged alone).
    monkeypatch.setattr(idnumber, "valid_column", lambda values: [False] * len(values))
    assert _lines(ledger_import(path=folder)) == bad_ids


def test_an_import_freezes_its_parsed_tables_for_its_own_time_only(tmp_path):
    import gc

    from jiuye.registry.rules.parse import RawTable, parse_tables

    gc.unfreeze()
    raw = RawTable("社区", "社区.csv", ["社区代码", "社区名称", "街道名称"])
    raw.rows = [(2, ["500104043001", "甲社区", "乙街道"])]
    parse_tables(iter([raw]), [], [], freeze=True)
    assert gc.isenabled() and gc.get_freeze_count() > 0  # the caller unfreezes
    gc.unfreeze()

    def broken():
        yield raw
        raise OSError("the disk went away")

    with pytest.raises(OSError):
        parse_tables(broken(), [], [], freeze=True)
    assert gc.isenabled()
    gc.unfreeze()

    folder = tmp_path / "register"
    generate_register(folder, communities=1, seed=2, persons_per_community=20)
    before = gc.get_threshold()
    during = []
    assert ledger_import(path=folder, progress=lambda *a, **k: during.append(gc.get_threshold())).ok
    assert gc.isenabled() and gc.get_freeze_count() == 0  # all handed back to the collector
    # Meanwhile full collections were held back, the young ones not; now as before.
    assert during and all(t[:2] == before[:2] and t[2] >= 1_000_000 for t in during)
    assert gc.get_threshold() == before
    with (folder / "人员.csv").open("a", encoding="utf-8") as fh:
        fh.write("500104199001011230,x,男,1990-01-01,none,,,,,,,,\n")
    assert not ledger_import(path=folder).ok  # a problem: the early return unfreezes too
    assert gc.isenabled() and gc.get_freeze_count() == 0


def _person_rows(folder):
    with (folder / "人员.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("breach", ["birth", "sex", "residence_before_birth", "residence_ends_first", "category_50"])
def test_a_large_人员_table_breaking_one_rule_gets_the_row_by_row_lines(tmp_path, monkeypatch, breach):
    folder = tmp_path / "register"
    generate_register(folder, communities=1, seed=8, persons_per_community=1100)
    header = _person_rows(folder)[0]
    col = header.index

    def change(rows):
        row = rows[900]
        if breach == "birth":
            row[col("出生日期")] = "1901-01-01"
        elif breach == "sex":
            row[col("性别")] = "女" if row[col("性别")] == "男" else "男"
        elif breach == "residence_before_birth":
            row[col("居住起始日期")] = "1900-01-01"
        elif breach == "residence_ends_first":
            row[col("居住终止日期")] = "1900-01-01"
        else:
            man = next(r for r in rows[1:] if r[col("性别")] == "男")
            man[col("退休年龄类别")] = "50"

    _rewrite(folder / "人员.csv", change)
    lines = _lines(ledger_import(path=folder, dry_run=True))
    assert lines and all(line.startswith("人员\t") for line in lines)
    monkeypatch.setattr("jiuye.registry.rules.checks.RegisterChecks._persons_all_pass", lambda *a: False)
    assert _lines(ledger_import(path=folder, dry_run=True)) == lines


def test_a_large_clean_人员_table_checked_a_column_at_a_time_stores_what_row_by_row_stores(tmp_path, monkeypatch):
    from django.db import transaction

    from jiuye.exchange.exporter import ledger_export
    from jiuye.registry.rules import checks

    folder = tmp_path / "register"
    generate_register(folder, communities=1, seed=9, persons_per_community=1100)
    calls = []
    real = checks.RegisterChecks._persons_all_pass
    monkeypatch.setattr(checks.RegisterChecks, "_persons_all_pass",
                        lambda *a: calls.append(real(*a)) or calls[-1])
    exports = []
    for allowed in (True, False):
        with transaction.atomic():
            if not allowed:
                monkeypatch.setattr(checks.RegisterChecks, "_persons_all_pass", lambda *a: False)
            result = ledger_import(path=folder)
            assert result.ok, result.problems[:3]
            out = tmp_path / f"export-{allowed}"
            ledger_export(path=out)
            exports.append({f.name: f.read_bytes() for f in sorted(out.iterdir())})
            transaction.set_rollback(True)
    assert calls == [True]  # the first import took the column-wise way
    assert exports[0] == exports[1]


@pytest.mark.parametrize("breach", ["none", "before_birth", "ends_first", "overlap", "no_end_column"])
def test_a_large_就业状态_table_gets_the_row_by_row_lines_and_rows(tmp_path, monkeypatch, breach):
    from jiuye.registry.rules import checks

    folder = tmp_path / "register"
    generate_register(folder, communities=1, seed=10, persons_per_community=1100)

    def change(rows):
        assert len(rows) > 1001
        col = rows[0].index
        row = rows[700]
        if breach == "before_birth":
            row[col("开始日期")] = "1900-01-01"
        elif breach == "ends_first":
            row[col("结束日期")] = "1900-01-02"
        elif breach == "overlap":  # a second episode of one person, open from before the first began
            twin = list(rows[5])
            twin[col("开始日期")], twin[col("结束日期")] = "1999-01-01", ""
            rows.append(twin)
        elif breach == "no_end_column":
            end = col("结束日期")
            rows[:] = [[c for j, c in enumerate(r) if j != end] for r in rows]

    _rewrite(folder / "就业状态.csv", change)
    seen = []
    real = checks.RegisterChecks._statuses_all_pass
    monkeypatch.setattr(checks.RegisterChecks, "_statuses_all_pass", lambda *a: seen.append(real(*a)) or seen[-1])
    result = ledger_import(path=folder, dry_run=True)
    lines = _lines(result)
    assert (seen[-1] is not None) == (breach in ("none", "overlap", "no_end_column"))
    assert bool(lines) == (breach != "none")  # without 结束日期 every episode is open: overlaps
    monkeypatch.setattr(checks.RegisterChecks, "_statuses_all_pass", lambda *a: None)
    again = ledger_import(path=folder, dry_run=True)
    assert _lines(again) == lines and again.counts == result.counts
