"""Fast inserts for bulk imports: PostgreSQL's COPY, SQLite's executemany.

Rows are given column by column (``insert_columns``: model field attname -> list of
values, one per row) or as dicts of attnames (``insert_rows``: ``person_id``, ``start`` …);
missing fields take the field's default; encrypted fields are encrypted here, as a save
would, one column at a time. No model instances and no signals: a bulk import is audited
as one event, not as a history row per record.
"""

import datetime as dt
import threading
from collections.abc import Iterable, Sequence
from itertools import repeat

from django.db import connection
from psycopg.copy import QueuedLibpqWriter

from jiuye.registry.crypto import encrypt_column

BATCH = 5000


def _columns(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def reserve_pks(model, count: int) -> Sequence[int] | None:
    """``count`` primary keys taken from the table's sequence (PostgreSQL), for rows inserted
    with their keys given: the caller knows each new row's key without reading the rows back.
    None on SQLite, which has no sequence (the keys are read back there)."""
    if connection.vendor != "postgresql" or not count:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)",
                       [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column])
        (sequence,) = cursor.fetchone()  # found once: per row it would cost more than the keys
        # Usually one run of consecutive keys (given as a range); all of them only if another
        # session took keys of the sequence meanwhile.
        cursor.execute(
            "WITH k AS (SELECT nextval(%s::regclass) AS v FROM generate_series(1, %s))"
            " SELECT min(v), max(v), CASE WHEN max(v) - min(v) + 1 = count(*) THEN NULL ELSE array_agg(v) END FROM k",
            [sequence, count])
        first, last, scattered = cursor.fetchone()
        return list(scattered) if scattered is not None else range(first, last + 1)


def insert_columns(model, columns: dict[str, list], count: int, encrypted=()) -> int:
    """Insert ``count`` rows given as ``columns`` (attname -> values; the primary key too if
    given, see ``reserve_pks``). The lists are not changed. ``encrypted``: the attnames of
    encrypted fields whose columns are given encrypted already."""
    if not count:
        return 0
    fields = _columns(model)
    if model._meta.pk.attname in columns:
        fields = [model._meta.pk, *fields]
    values = []
    for f in fields:
        column = columns.get(f.attname)
        if column is None:
            column = [f.get_default()] * count
        elif len(column) != count:
            raise ValueError(f"{f.attname}: {len(column)} values for {count} rows")
        if getattr(f, "encrypted", False) and f.attname not in encrypted:
            column = encrypt_column(column, f.context)
        values.append(column)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    column_list = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _wait_background()  # no statement of another thread may come amid a COPY
            kinds = list(map(_copy_kind, values))
            # A thread of psycopg's sends the lines while this one makes the next (the server
            # takes them in meanwhile, on the other core).
            raw = cursor.cursor
            with raw.copy(f"COPY {table} ({column_list}) FROM STDIN", writer=QueuedLibpqWriter(raw)) as copy:
                if None not in kinds:  # every column as COPY's text, whole lines joined in C
                    for start in range(0, count, COPY_SLICE):
                        texts = [_copy_texts(v[start : start + COPY_SLICE], *k) for v, k in zip(values, kinds, strict=True)]
                        copy.write(("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n").encode())
                        del texts
                else:  # a value of another kind: psycopg formats each row
                    write = copy.write_row
                    for row in zip(*values, strict=True):
                        write(row)
            return count
        values = [list(map(_sqlite_value, v)) if _has_dates(v) else v for v in values]
        sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(fields))})"
        for start in range(0, count, BATCH):
            cursor.executemany(sql, list(zip(*(v[start : start + BATCH] for v in values), strict=True)))
    return count


# Rows sent to COPY per write (the text of that many rows is held at once).
COPY_SLICE = 20_000
# COPY's text format: a backslash, tab, newline or carriage return in a value is escaped;
# NULL is \N (a text "\N" is escaped to "\\N" first, so the two never meet).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NONE = type(None)


def _copy_kind(values: list) -> tuple[type, bool] | None:
    """The one kind of a column's values (str, bool, int or date) and whether it holds None;
    None for a column ``_copy_texts`` does not do (another kind, or several)."""
    kinds = set(map(type, values))
    nulls = _NONE in kinds
    kinds.discard(_NONE)
    if not kinds:
        return str, nulls
    kind = kinds.pop()
    return (kind, nulls) if not kinds and kind in (str, bool, int, dt.date) else None


def _copy_texts(values: list, kind: type, nulls: bool) -> list[str]:
    """Each value of a column of one ``kind`` as a field of COPY's text format, as psycopg
    sends it."""
    if kind is str:
        texts = values
        joined = "".join(filter(None, values)) if nulls else "".join(values)
        if any(c in joined for c in "\\\t\n\r"):
            texts = [v.translate(_COPY_ESCAPES) if v else v for v in values]
    elif kind is bool:
        texts = ["t" if v else "f" for v in values]
    elif kind is int:
        texts = list(map(str, values))
    else:  # dates repeat (births, the first of a month): each distinct one written once
        distinct = set(values)
        if len(distinct) * 4 < len(values):
            texts = list(map({v: v.isoformat() for v in distinct if v is not None}.get, values))
        else:
            texts = [v.isoformat() if v is not None else None for v in values]
    if nulls:
        texts = ["\\N" if v is None else t for v, t in zip(values, texts, strict=True)]
    return texts


def insert_rows(model, rows: Iterable[dict]) -> int:
    rows = list(rows)
    attnames = [f.attname for f in _columns(model)]
    defaults = [f.get_default() for f in _columns(model)]
    columns = {a: list(map(dict.get, rows, repeat(a), repeat(d))) for a, d in zip(attnames, defaults, strict=True)}
    return insert_columns(model, columns, len(rows))


def _has_dates(values: list) -> bool:
    return any(issubclass(t, dt.date) for t in set(map(type, values)))


def _sqlite_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# PostgreSQL, a table still empty receiving at least this many rows: its secondary indexes,
# unique and foreign-key constraints are dropped before the rows go in and made again right
# after (one sort per index, one join per foreign key) instead of being kept up row by row
# (bench/README.md, "Where the import's time goes"). All inside the import's transaction:
# a failure rolls the drops back with the rows.
DEFER_INDEXES_ROWS = 10_000


class DeferredIndexes:
    """``drop(models)`` at the start of the writing, ``restore(model)`` once a model's rows are in
    (``restore_all`` for whatever is left)."""

    def __init__(self):
        self.pending: dict[str, list[str]] = {}

    def drop(self, models) -> None:
        if connection.vendor != "postgresql":
            return
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in models:
                table = model._meta.db_table
                if model.objects.exists():
                    continue
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
                    [table])
                constraints = cursor.fetchall()
                cursor.execute(
                    "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
                    " WHERE indrelid = %s::regclass AND NOT indisprimary AND NOT EXISTS"
                    " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)"
                    " ORDER BY 1", [table])
                indexes = cursor.fetchall()
                restore = [definition for _, definition in indexes]
                restore += [f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}"
                            for name, definition in constraints]
                for name, _ in constraints:
                    cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
                for name, _ in indexes:
                    cursor.execute(f"DROP INDEX {name}")  # regclass text: already quoted as needed
                self.pending[table] = restore

    def restore(self, model) -> None:
        """Make the model's indexes and constraints again, in the background: the statements run
        on the import's own connection (and transaction) in a thread of their own while this
        one goes on with the next table; the server builds them on the other core. A query
        meanwhile waits for the statement under way (psycopg's connection lock); a ``COPY``
        (``insert_columns``), a commit or a rollback waits for all of them (``wait``)."""
        statements = self.pending.pop(model._meta.db_table, None)
        if statements:
            self._run(statements)

    def restore_all(self) -> None:
        for table in list(self.pending):
            self._run(self.pending.pop(table))
        self.wait()

    def _run(self, statements: list[str]) -> None:
        self.wait()  # one model's statements after the other's, in order
        raw = connection.connection  # psycopg's connection: its lock serialises the threads' statements
        error: list[BaseException] = []

        def work():
            try:
                with raw.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)
            except BaseException as exc:  # noqa: BLE001 - raised again by wait(), in the import's thread
                error.append(exc)

        thread = threading.Thread(target=work, name="jiuye-import-indexes", daemon=True)
        _background.work = (thread, error)
        thread.start()

    @staticmethod
    def wait() -> None:
        """Wait for the statements under way; raise what failed there."""
        _wait_background()


# The index and constraint statements running in the background for the import of this thread
# (DeferredIndexes.restore: the thread and the error it met): a COPY, a commit or a rollback of
# that import waits for them first. Per thread: two imports in one process wait each for its own.
_background = threading.local()


def _wait_background() -> None:
    work = getattr(_background, "work", None)
    if work is None:
        return
    thread, error = work
    thread.join()
    _background.work = None
    if error:
        raise error[0]
