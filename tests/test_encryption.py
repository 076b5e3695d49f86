"""ID and phone numbers are encrypted at rest and found by a keyed hash (issue 7, item 3)."""

import importlib
import logging

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import FieldError
from django.db import connection
from django.test import override_settings

from jiuye.accounts.services import user_add
from jiuye.audit.models import AuditEvent
from jiuye.registry import models as m
from jiuye.registry import selectors
from jiuye.registry import services as rs
from jiuye.registry.crypto import decrypt, encrypt, lookup_hash

pytestmark = pytest.mark.django_db

PASSWORD = "Gongzuo-2026!x"
A = "500103001001"
ZHANG = "500103198003150119"  # 张建国, community A
SUN = "500103198802100118"  # 孙伟, community B


@pytest.fixture
def example(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0


@pytest.fixture
def worker(example):
    return user_add(username="worker_a", role="community", scope_code=A, password=PASSWORD)


def raw_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_hash, phone, phone_hash FROM registry_person")
        return cursor.fetchall()


def test_imported_numbers_are_not_stored_in_clear(example):
    rows = raw_rows()
    assert len(rows) == m.Person.objects.count() > 0
    stored = " ".join(str(v) for row in rows for v in row)
    assert ZHANG not in stored and SUN not in stored
    assert all(row[0].startswith("v1:") for row in rows)
    # the same number encrypts differently each time (random nonce), and decrypts back
    assert len({row[0] for row in rows}) == len(rows)
    zhang = m.Person.objects.with_id_number(ZHANG).get()
    assert zhang.id_number == ZHANG and zhang.name == "张建国"


def test_a_person_written_by_the_service_is_encrypted_with_its_hashes(worker):
    household = m.Household.objects.for_user(worker).first()
    person = rs.person_create(user=worker, household=household, values={
        "身份证号": "500103199001010010", "姓名": "新人", "性别": "男", "出生日期": "1990-01-01",
        "居住起始日期": "2020-01-01", "联系电话": "138 0000 1234"})
    id_number, id_hash, phone, phone_hash = next(r for r in raw_rows() if r[1] == lookup_hash("500103199001010010"))
    assert "500103199001010010" not in id_number and "1234" not in phone
    assert phone_hash == lookup_hash("13800001234")
    assert selectors.person_search(worker, "13800001234")[0].pk == person.pk
    assert selectors.person_search(worker, "500103199001010010")[0].pk == person.pk
    assert selectors.person_search(worker, "1234")[0].pk == person.pk  # last digits, within the community
    assert list(selectors.person_search(worker, "13800009999")) == []


def test_filtering_on_the_encrypted_column_is_refused(example):
    with pytest.raises(FieldError):
        list(m.Person.objects.filter(id_number=ZHANG))
    with pytest.raises(FieldError):
        list(m.StatusEpisode.objects.filter(person__phone__endswith="5678"))


def test_the_hash_depends_on_the_key_and_the_ciphertext_on_the_column():
    token = encrypt(ZHANG, "registry.person.id_number")
    assert decrypt(token, "registry.person.id_number") == ZHANG
    with pytest.raises(Exception):  # noqa: B017 - cryptography's InvalidTag
        decrypt(token, "registry.person.phone")
    before = lookup_hash(ZHANG)
    with override_settings(FIELD_KEY="another key"):
        assert lookup_hash(ZHANG) != before
        with pytest.raises(Exception):  # noqa: B017
            decrypt(token, "registry.person.id_number")


def test_export_round_trip_carries_the_numbers_in_full(jiuye, example, tmp_path):
    assert jiuye("export", str(tmp_path / "out")).code == 0
    text = (tmp_path / "out" / "人员.csv").read_text(encoding="utf-8-sig")
    assert ZHANG in text and SUN in text


def test_reimport_is_idempotent_and_keeps_one_row_per_person(jiuye, example, example_dir):
    count = m.Person.objects.count()
    assert jiuye("import", str(example_dir)).code == 0
    assert m.Person.objects.count() == count
    assert len({r[1] for r in raw_rows()}) == count


def test_no_number_in_clear_in_audit_or_logs(jiuye, example_dir, caplog, worker):
    caplog.set_level(logging.DEBUG)
    person = m.Person.objects.with_id_number(ZHANG).get()
    rs.person_update(user=worker, person=person, values={"联系电话": "13912345678"})
    details = " ".join(str(e.detail) + e.target for e in AuditEvent.objects.all())
    for number in (ZHANG, SUN, "13912345678"):
        assert number not in details
        assert number not in caplog.text


def test_migration_encrypts_rows_written_in_clear(example):
    """Rows from before encryption (clear text, no hashes) are encrypted by the migration."""
    migration = importlib.import_module("jiuye.registry.migrations.0004_encrypt_sensitive_fields")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_person SET id_number = %s, phone = %s, id_hash = %s WHERE id = "
                       "(SELECT MIN(id) FROM registry_person)", ["500103198003150127", "13700000000", "legacy"])
    migration.encrypt_existing(django_apps, connection.schema_editor())
    legacy = m.Person.objects.with_id_number("500103198003150127").get()
    assert legacy.phone == "13700000000"
    assert all(r[0].startswith("v1:") for r in raw_rows())


@pytest.mark.parametrize("field_key", ["k" * 40, "another key", "é" * 70])
def test_a_column_of_lookup_hashes_is_the_standard_hmac_of_each_value(field_key):
    """The bulk import's column-wise keyed hash is HMAC-SHA256 as the hmac module computes it."""
    import hashlib
    import hmac

    from jiuye.registry.crypto import _keys, lookup_hash_column

    values = ["500103198003150119", "", "13800000000", "张三", "x" * 200]
    with override_settings(FIELD_KEY=field_key):
        _, key = _keys(field_key)
        expected = [hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:32] if v else "" for v in values]
        assert lookup_hash_column(values) == expected == [lookup_hash(v) for v in values]
        assert len({*expected} - {""}) == 4
