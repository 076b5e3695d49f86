"""The import's floor: the register's own rows, already made, written into its real tables.

``COPY`` of the CSV files into plain text tables (bench/copybase.py) is the issue's yardstick;
it writes no keys, indexes, references or ciphertexts. The floor is what no import of this
register can go below on this machine and schema, however its Python side is written: the
rows an import stored (read back from the imported database, ID and phone numbers already
encrypted and hashed, every reference resolved) copied with ``COPY`` into an empty, migrated
database of the same schema, in the import's order and one transaction, with the import's own
deferral of indexes and constraints (``jiuye.exchange.bulk.DeferredIndexes``: dropped before a
large table's rows go in, made again in the background after). Nothing is parsed, checked,
hashed or encrypted. Run as ``python -m bench --only floor`` (PostgreSQL), after ``--only import``.
"""

import time

import psycopg
from django.db import connection, transaction

from jiuye.divisions.models import Division
from jiuye.exchange.bulk import DEFER_INDEXES_ROWS, DeferredIndexes
from jiuye.registry.rules.mapping import MODELS

BLOCK = 1 << 20


def _rows(source, query: str) -> bytes:
    """The rows of ``query`` in COPY's text format."""
    buf = bytearray()
    with source.cursor() as cur, cur.copy(f"COPY ({query}) TO STDOUT") as copy:
        for block in copy:
            buf += block
    return bytes(buf)


def write_floor(source_url: str) -> dict:
    """Copy the imported register of ``source_url`` into this (migrated, empty) database, timed."""
    qn = connection.ops.quote_name
    models = [Division, *MODELS.values()]
    columns = {model: ", ".join(qn(f.column) for f in model._meta.concrete_fields) for model in models}
    seeded = set(Division.objects.values_list("pk", flat=True))  # the districts the migrations made
    data, counts = {}, {}
    with psycopg.connect(source_url) as source:
        for model in models:
            where = f" WHERE id NOT IN ({', '.join(map(str, sorted(seeded)))})" if model is Division and seeded else ""
            data[model] = _rows(source, f"SELECT {columns[model]} FROM {qn(model._meta.db_table)}{where}")
            counts[model] = data[model].count(b"\n")
    parts = {}
    t0 = time.perf_counter()
    with transaction.atomic():
        deferred = DeferredIndexes()
        deferred.drop([m for m in models if counts[m] >= DEFER_INDEXES_ROWS])
        for model in models:
            t1 = time.perf_counter()
            with connection.cursor() as cursor, cursor.cursor.copy(
                    f"COPY {qn(model._meta.db_table)} ({columns[model]}) FROM STDIN") as copy:
                block = data.pop(model)
                for start in range(0, len(block), BLOCK):
                    copy.write(block[start : start + BLOCK])
                del block
            t2 = time.perf_counter()
            deferred.restore(model)
            deferred.wait()  # nothing runs beside it here: the next COPY would wait for it anyway
            parts[model._meta.db_table] = {"copy_s": round(t2 - t1, 2), "indexes_s": round(time.perf_counter() - t2, 2)}
        deferred.restore_all()
        written = time.perf_counter() - t0
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "commit_s": seconds - written, "rows": sum(counts.values()), "tables": parts}
