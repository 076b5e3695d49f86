"""A preview before anything is written (``jiuye import --dry-run``, ``ledger_import(dry_run=True)``),
and problems grouped by table, column and kind for a page (``jiuye.exchange.findings``)."""

import re

import pytest
from django.utils import translation

from jiuye.audit.models import AuditEvent
from jiuye.exchange.findings import KIND_TEXT, group_problems
from jiuye.exchange.importer import ledger_import
from jiuye.registry import models as m
from jiuye.registry.crypto import lookup_hash
from jiuye.registry.rules.problems import KINDS, Problem
from tests.test_import_rejections import EXAMPLE_COUNTS, LI, ZHANG, counts, snapshot, summary

pytestmark = pytest.mark.django_db


def dry_run_counts(run) -> dict[str, tuple[int, int, int]]:
    """``预演 / dry run: 社区 +3 ~0 =0, …`` as {table: (added, changed, unchanged)}."""
    line = next(line for line in run.stdout.splitlines() if line.startswith("预演 / dry run: "))
    return {t: (int(a), int(c), int(u))
            for t, a, c, u in re.findall(r"(\S+) \+(\d+) ~(\d+) =(\d+)", line.split(": ", 1)[1])}


def test_dry_run_writes_nothing_and_counts_what_would_be_added(jiuye, example_dir):
    before = snapshot()
    run = jiuye("import", "--dry-run", str(example_dir))
    assert run.code == 0, run.stderr
    assert snapshot() == before and not AuditEvent.objects.filter(action="ledger.import").exists()
    assert "nothing written" in run.stdout
    added = dry_run_counts(run)
    assert added["人员"] == (24, 0, 0) and added["社区"] == (3, 0, 0)
    assert {t: a for t, (a, _, _) in added.items() if t != "社区"} == {
        {"Household": "家庭", "Person": "人员", "StatusEpisode": "就业状态", "UnemploymentRegistration": "失业登记",
         "DibaoEpisode": "低保", "ServiceRecord": "服务记录", "Complaint": "投诉", "Target": "目标任务",
         "OrganizationRecord": "组织建设"}[model]: n for model, n in EXAMPLE_COUNTS.items()}
    # The real import counts the same.
    real = jiuye("import", str(example_dir))
    assert {t: (a, c) for t, (a, c, _) in added.items()} == summary(real)


def test_dry_run_after_an_import_counts_changes_with_a_masked_sample(jiuye, example_dir, tmp_path):
    from tests.ledger_builders import Ledger

    assert jiuye("import", str(example_dir)).code == 0
    base = Ledger.example(example_dir)
    base.set("人员", 2, "联系电话", "13912345678")
    base.set("人员", 3, "姓名", "李秀兰")
    base.set("就业状态", 2, "结束日期", "2026-04-30")
    base.append("就业状态", 身份证号=ZHANG, 状态="失业", 开始日期="2026-05-01")
    base.set("家庭", 2, "住址", "民族路100号")
    folder = base.write_csv(tmp_path / "in")
    before = snapshot()
    result = ledger_import(path=folder, dry_run=True)
    assert result.ok and result.dry_run and snapshot() == before
    preview = result.preview
    assert (preview["人员"]["added"], preview["人员"]["changed"], preview["人员"]["unchanged"]) == (0, 2, 22)
    assert (preview["就业状态"]["added"], preview["就业状态"]["changed"], preview["就业状态"]["unchanged"]) == (1, 1, 34)
    assert preview["社区"] == {"added": 0, "changed": 0, "unchanged": 3, "sample": []}
    samples = {s["row"]: s for s in preview["人员"]["sample"]}
    assert samples[2]["key"] == "500103********0119"
    assert samples[2]["changes"] == [{"column": "联系电话", "before": "", "after": "139****5678"}]
    assert samples[3]["changes"] == [{"column": "姓名", "before": "李秀英", "after": "李秀兰"}]
    assert preview["就业状态"]["sample"][0]["changes"] == [{"column": "结束日期", "before": "", "after": "2026-04-30"}]
    assert preview["家庭"]["sample"][0] == {"row": 2, "key": "A1", "changes": [
        {"column": "住址", "before": "民族路1号", "after": "民族路100号"}]}
    # The command prints the same counts and never a full ID or phone number.
    run = jiuye("import", "--dry-run", str(folder))
    assert run.code == 0, run.stderr
    assert dry_run_counts(run)["人员"] == (0, 2, 22)
    assert ZHANG not in run.stdout and "13912345678" not in run.stdout and "139****5678" in run.stdout
    assert snapshot() == before
    # And the import then does what the preview said.
    real = jiuye("import", str(folder))
    assert summary(real) == {t: (c["added"], c["changed"]) for t, c in preview.items()}
    assert m.Person.objects.with_id_number(ZHANG).get().phone == "13912345678"


def test_dry_run_of_a_bad_input_reports_every_problem(jiuye, example_dir, tmp_path):
    from tests.ledger_builders import Ledger

    base = Ledger.example(example_dir)
    base.set("人员", 3, "出生日期", "1982-07-21")
    before = snapshot()
    run = jiuye("import", "--dry-run", str(base.write_csv(tmp_path / "in")))
    assert run.code == 2
    assert "人员\t3\t出生日期\t" in run.stderr and "nothing written" in run.stderr
    assert snapshot() == before


def test_dry_run_with_new_communities_households_and_persons(example_dir, tmp_path):
    """New parents have no database id yet: a dry run counts their children as added all the same."""
    result = ledger_import(path=example_dir, dry_run=True)
    assert result.ok
    assert result.counts["服务记录"] == {"added": 14, "changed": 0}
    assert result.counts["低保"] == {"added": 2, "changed": 0}
    assert counts() == dict.fromkeys(EXAMPLE_COUNTS, 0)


# --- findings ------------------------------------------------------------------------------------


def test_number_cells_are_one_finding_with_their_rows(example_dir, tmp_path):
    from tests.ledger_builders import Ledger

    base = Ledger.example(example_dir)

    def numbers(table, column, value):
        return float(value) if column == "身份证号" and isinstance(value, str) and value.isdigit() else value

    book = base.write_xlsx(tmp_path / "台账.xlsx", cell=numbers)
    result = ledger_import(path=book)
    findings = {(f.table, f.column, f.kind): f for f in group_problems(result.problems)}
    persons = findings[("人员", "身份证号", "number_cell")]
    rows = [r for r in range(2, 26) if base.get("人员", r, "身份证号").isdigit()]
    assert persons.rows == rows and persons.count == len(rows)
    assert "5.0010…E+17" in persons.example
    with translation.override("zh-hans"):
        assert str(persons.title) == "号码存成了数字单元格，已经丢失了数字"
        assert "文本格式" in str(persons.cure)
    with translation.override("en"):
        assert str(persons.title) == "Numbers stored as number cells have lost digits"
        assert "Format the column as Text" in str(persons.cure)
    assert ("就业状态", "身份证号", "number_cell") in findings
    assert sum(f.count for f in findings.values()) == len(result.problems)


def test_grouping_keeps_first_occurrence_order_and_rows_without_repeats():
    problems = [
        Problem("人员", 5, "出生日期", "a", "bad_date"),
        Problem("人员", 3, "出生日期", "b", "bad_date"),
        Problem("人员", 3, "出生日期", "c", "bad_date"),
        Problem("人员", None, "备注", "d", "unknown_column"),
        Problem("就业状态", None, "身份证号", "e", "follow_on"),
    ]
    findings = group_problems(problems)
    assert [(f.table, f.column, f.kind, f.rows, f.count, f.example) for f in findings] == [
        ("人员", "出生日期", "bad_date", [3, 5], 3, "a"),
        ("人员", "备注", "unknown_column", [], 1, "d"),
        ("就业状态", "身份证号", "follow_on", [], 1, "e"),
    ]


def test_every_kind_has_a_title_and_a_cure_in_both_languages():
    assert set(KIND_TEXT) == set(KINDS)
    for kind, (title, cure) in KIND_TEXT.items():
        with translation.override("zh-hans"):
            zh = str(title), str(cure)
        with translation.override("en"):
            en = str(title), str(cure)
        assert all(re.search("[\u4e00-\u9fff]", t) for t in zh), (kind, zh)
        assert zh != en, kind


def test_every_problem_of_the_rejection_cases_has_a_known_kind(jiuye, example_dir, tmp_path):
    """The kinds the importer gives are the listed ones (a page groups by them)."""
    from tests.ledger_builders import Ledger

    base = Ledger.example(example_dir)
    base.set("人员", 2, "性别", "M")
    base.set("人员", 3, "出生日期", "2026-02-30")
    base.set("目标任务", 2, "目标值", "x")
    base.add_column("家庭", "备用")
    base.set("就业状态", 3, "结束日期", "2009-01-01")
    result = ledger_import(path=base.write_csv(tmp_path / "in"))
    kinds = {p.kind for p in result.problems}
    assert kinds <= set(KINDS) and "invalid" not in kinds, kinds
    assert {"not_in_list", "bad_date", "bad_integer", "unknown_column", "follow_on", "end_before_start"} <= kinds
    assert m.Person.objects.filter(id_hash=lookup_hash(LI)).count() == 0
