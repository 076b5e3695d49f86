"""``jiuye check_stored``: stored rows the revised rules would refuse, so that staff mend them and
every export imports again."""

import pytest
from django.db import connection

from jiuye.registry import models as m
from jiuye.registry.rules import idnumber

pytestmark = pytest.mark.django_db

ZHANG = "500103198003150119"
LI = "500103198207200122"


@pytest.fixture
def stored(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0


def test_nothing_to_mend(jiuye, stored):
    run = jiuye("check_stored")
    assert run.code == 0 and run.stdout == ""
    assert "every stored row imports again" in run.stderr


def test_long_names_and_control_characters_are_listed_until_mended(jiuye, stored, tmp_path):
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    li = m.Person.objects.with_id_number(LI).get()
    m.Person.objects.filter(pk=zhang.pk).update(name="张" * 500)  # saved before the rule
    m.Person.objects.filter(pk=li.pk).update(name="李秀\x07英")
    # Its export no longer imports.
    assert jiuye("export", str(tmp_path / "out")).code == 0
    assert jiuye("import", str(tmp_path / "out")).code == 2
    run = jiuye("check_stored")
    assert run.code == 1
    lines = [line.split("\t") for line in run.stdout.splitlines()]
    assert [(t, who, column) for t, who, column, _ in lines] == [
        ("人员", f"人员 #{zhang.pk} {idnumber.mask(ZHANG)}", "姓名"),
        ("人员", f"人员 #{li.pk} {idnumber.mask(LI)}", "姓名"),
    ]
    assert "50" in lines[0][3] and "U+0007" in lines[1][3]
    assert ZHANG not in run.stdout + run.stderr and LI not in run.stdout + run.stderr
    assert "2 stored row(s)" in run.stderr
    m.Person.objects.filter(pk=zhang.pk).update(name="张建国")
    m.Person.objects.filter(pk=li.pk).update(name="李秀英")
    assert jiuye("check_stored").code == 0
    assert jiuye("export", str(tmp_path / "again")).code == 0
    assert jiuye("import", str(tmp_path / "again")).code == 0


def test_a_nul_in_any_text_is_listed(jiuye, stored):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL cannot store a NUL: nothing to find there")
    household = m.Household.objects.get(code="A1")
    m.Household.objects.filter(pk=household.pk).update(address="民族路\x001号")
    service = m.ServiceRecord.objects.order_by("pk").first()
    m.ServiceRecord.objects.filter(pk=service.pk).update(note="备\x00注")
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    zhang.phone = "138\x00"
    zhang.save()
    run = jiuye("check_stored")
    assert run.code == 1
    found = {(t, c) for t, _, c, _ in (line.split("\t") for line in run.stdout.splitlines())}
    assert found == {("家庭", "住址"), ("服务记录", "备注"), ("人员", "联系电话")}, run.stdout
    assert f"#{household.pk} 家庭 A1" in run.stdout and idnumber.mask(service.person.id_number) in run.stdout
    assert "138" not in run.stdout
