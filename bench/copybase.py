"""The import's yardstick: PostgreSQL's ``COPY`` of the same rows, in the same run.

Every CSV file of the generated register is copied as it is (``COPY … FROM STDIN (FORMAT
csv, HEADER)``, the bytes streamed from the file) into a table of a scratch schema
``bench_copy`` of the benchmark database: one column per CSV column, typed as the exchange
format says (dates as ``date``, whole numbers as ``integer``, the rest ``text``), no keys,
no indexes, no references, one transaction. That is the fastest way PostgreSQL takes in
these rows; the import does far more (checks every rule, resolves references, maintains
the register's keys, indexes and foreign keys). For scale, the seconds to then build a
unique index on each table's natural key are reported beside it. The schema is dropped at
the end.
"""

import time
from pathlib import Path

import psycopg

from jiuye.registry.rules.schema import TABLE_BY_NAME

TYPES = {"date": "date", "int": "integer"}
SCHEMA = "bench_copy"


def copy_baseline(url: str, folder: Path) -> dict:
    files = sorted(f for f in folder.iterdir() if f.suffix == ".csv" and f.stem in TABLE_BY_NAME)
    with psycopg.connect(url) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        conn.commit()
        rows = 0
        t0 = time.perf_counter()
        conn.execute(f"CREATE SCHEMA {SCHEMA}")
        for file in files:
            table = TABLE_BY_NAME[file.stem]
            with file.open(encoding="utf-8-sig") as fh:
                header = fh.readline().strip().split(",")
            columns = ", ".join(f'"{name}" {TYPES.get(table.column(name).kind, "text")}' for name in header)
            conn.execute(f'CREATE TABLE {SCHEMA}."{table.name}" ({columns})')
            with conn.cursor() as cur, file.open("rb") as fh:
                with cur.copy(f'COPY {SCHEMA}."{table.name}" FROM STDIN (FORMAT csv, HEADER true)') as copy:
                    while block := fh.read(1 << 20):
                        copy.write(block)
                rows += cur.rowcount
        conn.commit()
        copy_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        for file in files:
            table = TABLE_BY_NAME[file.stem]
            key = ", ".join(f'"{c}"' for c in (table.key or ())) or None
            if key:
                conn.execute(f'CREATE UNIQUE INDEX ON {SCHEMA}."{table.name}" ({key})')
        conn.commit()
        index_seconds = time.perf_counter() - t0
        conn.execute(f"DROP SCHEMA {SCHEMA} CASCADE")
        conn.commit()
    return {"seconds": copy_seconds, "rows": rows, "index_s": index_seconds}
