"""No input reaches the database as an error (issue 14 part 3): a value an import or a form
can carry that the database cannot store (an integer beyond its column's range, one of
thousands of digits) is refused with a problem line or a form error, on PostgreSQL as on
SQLite, and nothing is written."""

import pytest

from jiuye.accounts.services import user_add
from jiuye.jobs import services as jobs
from jiuye.registry import models as m
from jiuye.registry.services import ValidationFailed
from tests.ledger_builders import Ledger

pytestmark = pytest.mark.django_db


def problem_lines(run) -> list[list[str]]:
    return [line.split("\t") for line in run.stderr.splitlines() if line.count("\t") == 3]


@pytest.mark.parametrize(("table", "column", "value"), [
    ("组织建设", "年度", "40000"),  # a smallint column
    ("目标任务", "年度", "-1"),
    ("目标任务", "目标值", "3000000000"),  # an integer column
    ("目标任务", "实际值", "-3000000000"),
    ("组织建设", "专职人员数", "9" * 5000),  # past int()'s own limit of digits too
])
def test_an_integer_beyond_its_column_is_a_problem_line(jiuye, example_dir, tmp_path, table, column, value):
    base = Ledger.example(example_dir)
    base.set(table, 2, column, value)
    run = jiuye("import", str(base.write_csv(tmp_path / "in")))
    assert run.code == 2, run.stderr
    line = next(p for p in problem_lines(run) if p[0] == table and p[2] == column)
    assert line[1] == "2" and "range that can be stored" in line[3] and "可保存的范围" in line[3], line
    assert not m.Person.objects.exists()


def test_an_integer_in_a_workbook_cell_beyond_its_column(jiuye, example_dir, tmp_path):
    base = Ledger.example(example_dir)
    base.set("目标任务", 2, "目标值", str(10**12))
    run = jiuye("import", str(base.write_xlsx(tmp_path / "台账.xlsx")))  # a number cell
    assert run.code == 2 and any(p[0] == "目标任务" and p[2] == "目标值" for p in problem_lines(run)), run.stderr


def test_a_form_integer_beyond_its_column_is_refused(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    worker = user_add(username="worker_b", role="community", scope_code="500103001002", password="Gongzuo-2026!x")
    with pytest.raises(ValidationFailed) as failed:
        jobs.vacancy_create(user=worker, community="500103001002", title="保洁员", opened_on="2026-06-01",
                            wage_min=3_000_000_000, count=10**10)
    assert {"月薪下限（元）", "招聘人数"} <= set(failed.value.errors), failed.value.errors
