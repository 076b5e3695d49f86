"""`jiuye backup` and `jiuye restore`: a round trip gives back the register exactly, and the
audit log stays append-only across it."""

import datetime as dt

import pytest

from jiuye.accounts.models import User
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


def test_restore_keeps_every_audit_event_written_after_the_backup(jiuye, example_dir, tmp_path):
    from jiuye.accounts.services import user_add
    from jiuye.audit.backup import file_sha256
    from jiuye.audit.services import audit_event_record

    assert jiuye("import", str(example_dir)).code == 0
    backup = tmp_path / "monday.backup"
    assert jiuye("backup", str(backup)).code == 0
    # After the backup: its own event, a new user's login and a failed one, an import.
    worker = user_add(username="late", role="community", scope_code="500103001001", password="Gongzuo-2026!x")
    audit_event_record(user=worker, action="login", target="late")
    audit_event_record(action="login.failed", actor="anonymous", target="late", detail={"address": "10.0.0.9"})
    assert jiuye("import", str(example_dir)).code == 0
    before = list(AuditEvent.objects.order_by("id").values_list("id", "at", "actor", "action", "target", "detail"))
    assert [e[3] for e in before].count("database.backup") == 1

    run = jiuye("restore", str(backup))
    assert run.code == 0, run.stderr

    after = list(AuditEvent.objects.order_by("id").values_list("id", "at", "actor", "action", "target", "detail"))
    assert after[:len(before)] == before  # every event, with its number and time, as it was
    restore = AuditEvent.objects.get(action="database.restore")
    assert after[len(before):] == [(restore.pk, restore.at, restore.actor, restore.action, restore.target,
                                    restore.detail)]
    assert restore.target == "monday.backup" and restore.detail["sha256"] == file_sha256(backup)
    made = AuditEvent.objects.get(action="database.backup")
    assert made.detail["sha256"] == file_sha256(backup)  # the backup's own event names it the same way
    assert restore.detail["backed_up_at"] == made.at.isoformat() and restore.detail["events_kept"] >= 4
    # The user added after the backup is gone with the rest of the data; their events stay.
    assert not User.objects.filter(username="late").exists()
    assert AuditEvent.objects.get(action="login", target="late").actor == "late"
    # Later events are numbered after all of these.
    assert audit_event_record(action="later").pk > restore.pk
    # A second restore of the same backup keeps the first restore's event too.
    assert jiuye("restore", str(backup)).code == 0
    assert AuditEvent.objects.filter(action="database.restore").count() == 2
