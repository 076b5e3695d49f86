"""`jiuye export`: the exchange format back, so export → import → export is identical."""

import csv

import pytest
from openpyxl import load_workbook

from jiuye.audit.models import AuditEvent
from jiuye.registry.models import Person
from jiuye.registry.rules.schema import TABLES

pytestmark = pytest.mark.django_db


def _read_folder(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_export_import_export_is_identical(jiuye, example_dir, tmp_path, django_db_blocker):
    assert jiuye("import", str(example_dir)).code == 0
    first = tmp_path / "first"
    assert jiuye("export", str(first)).code == 0
    assert {p.name for p in first.iterdir()} == {f"{t.name}.csv" for t in TABLES}
    people = (first / "人员.csv").read_bytes()
    assert people.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader((first / "人员.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == list(TABLES[2].column_names)
    assert [r[0] for r in rows[1:]] == sorted(r[0] for r in rows[1:])
    # Into an empty register, then out again.
    from jiuye.registry import models as m

    for model in (m.ServiceRecord, m.StatusEpisode, m.UnemploymentRegistration, m.DibaoEpisode, m.Complaint,
                  m.Target, m.OrganizationRecord, m.Person, m.Household):
        model.objects.all().delete()
    assert Person.objects.count() == 0
    assert jiuye("import", str(first)).code == 0
    second = tmp_path / "second"
    assert jiuye("export", str(second)).code == 0
    assert _read_folder(first) == _read_folder(second)


def test_export_of_one_division(jiuye, example_dir, tmp_path):
    jiuye("import", str(example_dir))
    out = tmp_path / "out"
    assert jiuye("export", str(out), "--division", "500105").code == 0
    text = (out / "人员.csv").read_text(encoding="utf-8-sig")
    assert "胡敏" in text and "张建国" not in text
    assert "500103" not in (out / "社区.csv").read_text(encoding="utf-8-sig")


def test_export_xlsx_is_a_workbook_a_worker_can_open(jiuye, example_dir, tmp_path):
    jiuye("import", str(example_dir))
    path = tmp_path / "register.xlsx"
    assert jiuye("export", str(path)).code == 0
    workbook = load_workbook(path)
    assert workbook.sheetnames == [t.name for t in TABLES]
    sheet = workbook["人员"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == list(TABLES[2].column_names)
    assert sheet["A2"].data_type == "s"  # ID numbers are text, not numbers
    assert sheet["D2"].is_date
    assert sheet.column_dimensions["A"].width >= 18
    # and it imports back unchanged
    assert jiuye("import", str(path)).stdout.count("+0 ~0") == len(TABLES)


def test_export_escapes_formulas_and_is_audited(jiuye, example_dir, tmp_path):
    jiuye("import", str(example_dir))
    Person.objects.filter(name="张建国").update(skills="=HYPERLINK(\"http://x\")")
    out = tmp_path / "out"
    jiuye("export", str(out))
    assert "'=HYPERLINK" in (out / "人员.csv").read_text(encoding="utf-8-sig")
    assert AuditEvent.objects.filter(action="ledger.export").exists()
    xlsx = tmp_path / "r.xlsx"
    jiuye("export", str(xlsx))
    cell = next(c for row in load_workbook(xlsx)["人员"].iter_rows() for c in row if str(c.value).endswith('x")'))
    assert cell.data_type == "s" and cell.value.startswith("'=")
