"""`jiuye backup` and `jiuye restore`: a round trip gives back the register exactly."""

import datetime as dt

import pytest

from jiuye.audit.models import AuditEvent
from jiuye.registry import models as m
from jiuye.standards.evaluate import evaluate

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump reads committed data


def test_backup_then_restore_gives_the_register_back(jiuye, example_dir, tmp_path):
    assert jiuye("import", str(example_dir)).code == 0
    before = evaluate(dt.date(2026, 6, 30))["communities"]
    people = sorted(m.Person.objects.values_list("id_number", "name"))
    backup = tmp_path / "jiuye.backup"
    run = jiuye("backup", str(backup))
    assert run.code == 0, run.stderr
    assert backup.stat().st_size > 0

    # Lose data after the backup.
    m.ServiceRecord.objects.all().delete()
    m.StatusEpisode.objects.filter(person__name="张建国").delete()
    assert evaluate(dt.date(2026, 6, 30))["communities"] != before

    run = jiuye("restore", str(backup))
    assert run.code == 0, run.stderr
    assert sorted(m.Person.objects.values_list("id_number", "name")) == people
    assert evaluate(dt.date(2026, 6, 30))["communities"] == before
    assert AuditEvent.objects.filter(action="database.restore").exists()


def test_restore_refuses_what_is_not_a_backup(jiuye, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"hello, this is not a database")
    assert jiuye("restore", str(bogus)).code != 0
    assert jiuye("restore", str(tmp_path / "missing")).code != 0
