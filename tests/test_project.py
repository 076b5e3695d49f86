"""The `jiuye` command, settings from the environment, audit and history."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from jiuye.audit.models import AuditEvent
from jiuye.registry.models import Person

ROOT = Path(__file__).resolve().parents[1]


def _jiuye(args, env_extra, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUYE_")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "jiuye", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_console_script_migrates_an_sqlite_file_under_var_and_loads_districts(tmp_path):
    out = _jiuye(["migrate"], {}, tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "var" / "jiuye.sqlite3").exists()
    assert (tmp_path / "var" / "secret_key").exists()
    assert "jiuye.W001" in out.stderr + out.stdout  # development mode says so
    policy = _jiuye(["policy", "show"], {}, tmp_path)
    assert '"s1_min_rate": 0.95' in policy.stdout
    shell = _jiuye(["shell", "--no-imports", "-c", "from jiuye.divisions.models import Division; "
                    "print(Division.objects.get(code='500103').name, Division.objects.get(code='500154').group)"],
                   {}, tmp_path)
    assert shell.stdout.strip() == "渝中区 C"
    journal = _jiuye(["dbshell"], {}, tmp_path)  # any Django command works through jiuye
    assert journal.returncode in (0, 1)


def test_sqlite_runs_in_wal_mode(tmp_path):
    _jiuye(["migrate", "-v0"], {}, tmp_path)
    shell = _jiuye(["shell", "--no-imports", "-c", "from django.db import connection; c = connection.cursor(); "
                    "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"], {}, tmp_path)
    assert shell.stdout.strip() == "wal"


@pytest.mark.parametrize("missing", ["JIUYE_SECRET_KEY", "JIUYE_ALLOWED_HOSTS", "JIUYE_FIELD_KEY"])
def test_production_refuses_to_start_without_its_keys(tmp_path, missing):
    env = {"JIUYE_PRODUCTION": "1", "JIUYE_SECRET_KEY": "x" * 50, "JIUYE_ALLOWED_HOSTS": "jiuye.example",
           "JIUYE_FIELD_KEY": "k" * 32}
    del env[missing]
    out = _jiuye(["check"], env, tmp_path)
    assert out.returncode != 0
    assert missing in out.stderr


def test_production_with_its_keys_starts_without_the_development_warning(tmp_path):
    env = {"JIUYE_PRODUCTION": "1", "JIUYE_SECRET_KEY": "x" * 50, "JIUYE_ALLOWED_HOSTS": "jiuye.example",
           "JIUYE_FIELD_KEY": "k" * 32}
    out = _jiuye(["check"], env, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "jiuye.W001" not in out.stderr
    assert not (tmp_path / "var" / "secret_key").exists()
    # Without Redis each server process would keep its own pages: the check says what to set.
    assert "jiuye.W002" in out.stderr and "JIUYE_REDIS_URL" in out.stderr
    out = _jiuye(["check"], {**env, "JIUYE_REDIS_URL": "redis://127.0.0.1:6379/1"}, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "jiuye.W002" not in out.stderr


@pytest.mark.django_db
def test_a_bulk_import_is_one_audit_event_with_checksum_and_counts(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    events = AuditEvent.objects.filter(action="ledger.import")
    assert events.count() == 1
    event = events.get()
    assert len(event.detail["sha256"]) == 64
    assert event.detail["counts"]["人员"] == {"added": 24, "changed": 0}
    assert event.target == example_dir.name
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    # No history row per record for a bulk import.
    assert Person.history.count() == 0


@pytest.mark.django_db
def test_a_single_change_is_kept_in_history_with_before_and_after(jiuye, example_dir):
    jiuye("import", str(example_dir))
    person = Person.objects.get(name="张建国")
    person.skills = "电工证"
    person.save()
    history = list(person.history.order_by("history_date"))
    assert history[-1].skills == "电工证"
    delta = history[-1].diff_against(history[-2]) if len(history) > 1 else None
    if delta is not None:
        assert [c.field for c in delta.changes] == ["skills"]
    # ID and phone numbers are never copied into the history tables.
    assert not hasattr(history[-1], "id_number")


@pytest.mark.django_db
def test_evaluate_table_format_and_division_codes(jiuye, example_dir):
    jiuye("import", str(example_dir))
    table = jiuye("evaluate", "--as-of", "2026-06-30")
    assert table.code == 0
    assert "示例甲社区" in table.stdout and "达标" in table.stdout
    assert "500103 渝中区：1/2" in table.stdout
    street = jiuye("evaluate", "--as-of", "2026-06-30", "--format", "json", "--division", "500103001").json()
    assert [c["code"] for c in street["communities"]] == ["500103001001", "500103001002"]
    bad = jiuye("evaluate", "--as-of", "2026-06-30", "--division", "5001")
    assert bad.code != 0
    wrong_date = jiuye("evaluate", "--as-of", "2026-02-30")
    assert wrong_date.code != 0


@pytest.mark.django_db
def test_explain_names_the_persons_and_households_behind_each_failure(jiuye, example_dir):
    jiuye("import", str(example_dir))
    result = jiuye("evaluate", "--as-of", "2026-06-30", "--format", "json", "--explain").json()
    by_code = {c["code"]: c for c in result["communities"]}
    assert by_code["500103001001"]["explain"] == {}  # 甲 meets every standard
    yi = by_code["500103001002"]["explain"]
    assert sorted(e["name"] for e in yi["s1"]) == ["何静", "吴刚", "孙伟"]
    assert yi["s2"][0]["household"] == "B1" and yi["s2"][0]["since"] == "2026-05-01"
    assert yi["s2"][0]["deadline"] == "2026-06-01"
    assert [e["name"] for e in yi["s5"]] == ["吴刚"]
    assert all("*" in e["id_number"] for entries in yi.values() for e in entries if "id_number" in e)
    bing = by_code["500105002003"]["explain"]
    entry = {k: v for k, v in bing["s4"][0].items() if k not in ("reason", "person_id", "household_id")}
    assert len(bing["s4"]) == 1
    assert entry == {"registered": "2025-12-22", "deadline": "2025-12-25", "working_days_late": 1, "name": "胡敏",
                     "id_number": "500105********0124", "household": "C2"}
    assert [e["name"] for e in bing["s6"]] == ["林娟"]
    assert [e["name"] for e in bing["s7"]] == ["林强"]
