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
    values = ["110101199003071234", "", None, "13812345678", "023-6123 4567（家）", "张三", "１３８１２３４５６７８"]
    sealed = encrypt_column(values, "registry.person.phone")
    assert sealed[1] == "" and sealed[2] is None
    assert [decrypt(s, "registry.person.phone") if s else s for s in sealed] == values
    assert len({s for s in sealed if s}) == 5  # a nonce of its own each
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
        # (made again by a thread of their own, on the same connection: schema == before above)
        assert any("DROP INDEX" in sql for sql in dropped) and any("DROP CONSTRAINT" in sql for sql in dropped)
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


def test_copy_text_made_column_wise_stores_what_psycopg_rows_store(tmp_path, monkeypatch):
    """Values COPY's text format must escape (backslash, tab, newline, carriage return, a text
    "\\N"), NULLs, booleans, numbers and dates are stored as given, whether the lines are made a
    column at a time or psycopg formats each row (the path for a value of another kind)."""
    import datetime as dt

    from jiuye.exchange import bulk

    folder = tmp_path / "register"
    generate_register(folder, communities=1, seed=3, persons_per_community=5)
    assert ledger_import(path=folder).ok
    community = m.Household.objects.values_list("community_id", flat=True)[0]
    contents = ["a\\b", "\\N", "", "x\\N", "普通", "end\\"]  # backslashes alone (no other escape)
    complaints = {
        "community_id": [community] * len(contents),
        "date": [dt.date(2026, 1, i + 1) for i in range(len(contents))],
        "valid": [i % 2 == 0 for i in range(len(contents))],
        "content": contents,
        "row_hash": [f"test-{i}" for i in range(len(contents))],
    }
    targets = {"community_id": [community] * 3, "year": [2031, 2031, 2032], "indicator": ["甲\n乙", "乙\t", "丙\r\\"],
               "target": [0, -5, 7], "actual": [None, 3, None]}
    stored = []
    for copy_kind in (bulk._copy_kind, lambda values: None):
        monkeypatch.setattr(bulk, "_copy_kind", copy_kind)
        with transaction.atomic():
            bulk.insert_columns(MODELS["投诉"], complaints, len(contents))
            bulk.insert_columns(MODELS["目标任务"], targets, 3)
            stored.append((
                list(MODELS["投诉"].objects.filter(row_hash__startswith="test-").order_by("row_hash")
                     .values_list("date", "valid", "content")),
                list(MODELS["目标任务"].objects.filter(year__gte=2031).order_by("year", "indicator")
                     .values_list("year", "indicator", "target", "actual")),
            ))
            transaction.set_rollback(True)
    assert stored[0] == stored[1]
    assert [c for _, _, c in stored[0][0]] == contents
    assert stored[0][0][0][:2] == (dt.date(2026, 1, 1), True)
    assert stored[0][1] == [(2031, "乙\t", -5, 3), (2031, "甲\n乙", 0, None), (2032, "丙\r\\", 7, None)]


def test_keys_reserved_for_new_rows_are_new_and_distinct_even_when_not_consecutive():
    from jiuye.exchange.bulk import reserve_pks

    person = MODELS["人员"]
    if connection.vendor != "postgresql":
        assert reserve_pks(person, 3) is None  # SQLite: the keys are read back instead
        return
    run = reserve_pks(person, 4)
    assert isinstance(run, range) and len(run) == 4
    with connection.cursor() as cursor:  # keys taken two apart, as when another session takes some
        cursor.execute("SELECT pg_get_serial_sequence('registry_person', 'id')")
        (sequence,) = cursor.fetchone()
        cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 2")
        try:
            scattered = reserve_pks(person, 4)
        finally:
            cursor.execute(f"ALTER SEQUENCE {sequence} INCREMENT BY 1")
    assert sorted(scattered) == list(range(run[-1] + 2, run[-1] + 10, 2))
    assert reserve_pks(person, 1)[0] > max(scattered)


def test_an_index_that_cannot_be_made_again_fails_the_import_and_leaves_nothing(tmp_path, monkeypatch):
    """The indexes and constraints are made again in the background (PostgreSQL): a statement that
    fails there fails the import, in its own thread, and everything is rolled back."""
    from jiuye.exchange import bulk

    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps its indexes through a load")
    folder = tmp_path / "register"
    generate_register(folder, communities=1, seed=4, persons_per_community=60)
    monkeypatch.setattr(importer, "DEFER_INDEXES_ROWS", 1)
    drop = bulk.DeferredIndexes.drop

    def drop_and_spoil(self, models):
        drop(self, models)
        self.pending["registry_person"].append("SELECT 1 / 0")

    monkeypatch.setattr(bulk.DeferredIndexes, "drop", drop_and_spoil)
    before = _constraints()
    with pytest.raises(Exception, match="division by zero"):
        ledger_import(path=folder)
    assert not m.Person.objects.exists() and not m.Household.objects.exists()
    assert _constraints() == before
    monkeypatch.setattr(bulk.DeferredIndexes, "drop", drop)
    assert ledger_import(path=folder).ok  # the connection is fine for the next import


def test_whole_row_keys_made_a_column_at_a_time_are_the_row_by_row_keys():
    import datetime as dt

    from jiuye.registry.rules.mapping import row_hash, row_hash_column

    rows = [["500104043001", dt.date(2026, 1, 2), True, "内容\x1f", None],
            ["500104043001", dt.date(2026, 1, 2), False, "", ("a", "b")],
            ["500104043002", None, None, None, 7]]
    columns = [list(column) for column in zip(*rows, strict=True)]
    assert row_hash_column(columns) == [row_hash(row) for row in rows]
    assert len(set(row_hash_column(columns))) == 3


def test_copy_text_of_a_date_column_with_repeats_is_each_dates_iso_form():
    import datetime as dt

    from jiuye.exchange import bulk

    days = [dt.date(1980, 3, 15), None, dt.date(2026, 1, 1)] * 5 + [dt.date(1999, 12, 31)]
    assert bulk._copy_texts(days, dt.date, True) == ["\\N" if d is None else d.isoformat() for d in days]
    distinct = [dt.date(2000, 1, 1) + dt.timedelta(days=i) for i in range(8)]
    assert bulk._copy_texts(distinct, dt.date, False) == [d.isoformat() for d in distinct]
