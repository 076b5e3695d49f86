"""The bulk path of an import (issue 17): rows written column by column, and on PostgreSQL a
first load's indexes and constraints built after its rows. It stores exactly what the
row-by-row path stored."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from jiuye.exchange import importer
from jiuye.exchange.exporter import ledger_export
from jiuye.exchange.generate import generate_register
from jiuye.exchange.importer import ledger_import
from jiuye.registry import models as m
from jiuye.registry.crypto import (
    decrypt,
    encrypt_column,
    lookup_hash,
    lookup_hash_column,
    phone_hash,
    phone_hash_column,
)
from jiuye.registry.rules.mapping import MODELS

pytestmark = pytest.mark.django_db


def test_column_wise_encryption_and_hashes_give_what_one_value_at_a_time_gives():
    values = ["110101199003071234", "", None, "13812345678", "023-6123 4567（家）", "张三"]
    sealed = encrypt_column(values, "registry.person.phone")
    assert sealed[1] == "" and sealed[2] is None
    assert [decrypt(s, "registry.person.phone") if s else s for s in sealed] == values
    assert len({s for s in sealed if s}) == 4  # a nonce of its own each
    texts = [v or "" for v in values]
    assert lookup_hash_column(texts) == [lookup_hash(v) for v in texts]
    assert phone_hash_column(texts) == [phone_hash(v) for v in texts]


def _constraints() -> dict:
    with connection.cursor() as cursor:
        return {model._meta.db_table: connection.introspection.get_constraints(cursor, model._meta.db_table)
                for model in MODELS.values()}


def _import_and_export(folder, out, monkeypatch, threshold: int):
    """Import ``folder`` into the empty register and export it, then roll both back."""
    monkeypatch.setattr(importer, "DEFER_INDEXES_ROWS", threshold)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        result = ledger_import(path=folder)
        assert result.ok, result.problems[:5]
        ledger_export(path=out)
        persons = list(m.Person.objects.values_list("id_number", "phone", "id_hash", "phone_hash"))
        schema = _constraints()
        transaction.set_rollback(True)
    dropped = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("DROP INDEX", "ALTER TABLE"))]
    files = {f.name: f.read_bytes() for f in sorted(out.iterdir())}
    return result.counts, files, persons, schema, dropped


def test_a_first_load_with_indexes_built_after_the_rows_stores_the_same_register(tmp_path, monkeypatch):
    folder = tmp_path / "register"
    generate_register(folder, communities=2, seed=7, persons_per_community=150)
    before = _constraints()
    deferred = _import_and_export(folder, tmp_path / "deferred", monkeypatch, threshold=1)
    kept = _import_and_export(folder, tmp_path / "kept", monkeypatch, threshold=10**9)
    counts, files, persons, schema, dropped = deferred
    assert counts == kept[0] and counts["人员"]["added"] == len(persons) > 0
    assert files == kept[1]  # the same rows stored, as the export shows them
    assert schema == before == kept[3]  # every index and constraint back, as migrated
    assert not kept[4]
    if connection.vendor == "postgresql":
        assert any("DROP INDEX" in sql for sql in dropped) and any("FOREIGN KEY" in sql for sql in dropped)
    for id_number, phone, id_hash, hashed_phone in persons:
        assert id_hash == lookup_hash(id_number) and hashed_phone == phone_hash(phone)


def test_an_import_over_a_stored_register_changes_nothing_when_given_again(tmp_path, monkeypatch):
    """The second import finds every row stored as the first wrote it (none added or changed)."""
    folder = tmp_path / "register"
    generate_register(folder, communities=1, seed=11, persons_per_community=120)
    monkeypatch.setattr(importer, "DEFER_INDEXES_ROWS", 1)
    first = ledger_import(path=folder)
    assert first.ok and first.counts["人员"]["added"] > 0
    again = ledger_import(path=folder)
    assert again.ok
    assert {t: (c["added"], c["changed"]) for t, c in again.counts.items()} == {t: (0, 0) for t in first.counts}
