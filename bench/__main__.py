"""Benchmarks: `python -m bench [--persons N,...] [--db sqlite,postgres] [--only PIECES]`.

For each size (residents) and database: generate a register (cached under var/bench/),
then the pieces (``--only``, default all):

- ``import``: a fresh database, migrated, the whole register imported, then ``ANALYZE``
  (timed apart: the planner needs statistics of the new rows, which autovacuum gathers
  only later, or never where it is off);
- ``copy``: PostgreSQL's ``COPY`` of the same CSV rows into plain tables (bench/copybase.py),
  once per size, for the import ÷ COPY ratio;
- ``floor`` (PostgreSQL): the rows the import stored, read back and ``COPY``ed into an empty
  database of the same schema with the import's deferral of indexes and constraints
  (bench/floor.py): what no import of this register can go below, beside ``COPY``;
- ``evaluate``: every community evaluated as of 2026-06-30, and a plain scan of the same
  tables (same columns, every row fetched), best of ``--repeat``;
- ``matching``: 100,000 vacancies over the register's communities, ranked for 300 of its
  residents (bench/matching.py);
- ``load``: the app on loopback, ``--users`` community workers logged in at once using their
  pages and the API for ``--seconds`` (bench/load.py).

Each measured step runs in its own process, so its peak memory is its own. Prints one
table (Markdown) with a column per database and size and, per database, the growth from
the smallest to the largest size. Not run in CI.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = Path(os.environ.get("JIUYE_BENCH_DIR", ROOT / "var" / "bench"))
PG_ADMIN_URL = os.environ.get("JIUYE_BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
# The databases are <prefix>_<residents>: another prefix keeps two people's runs on one server apart.
DB_PREFIX = os.environ.get("JIUYE_BENCH_DB_PREFIX", "jiuye_bench")
PERSONS_PER_COMMUNITY = 2500


def database_url(db: str, persons: int, suffix: str = "") -> str:
    if db == "sqlite":
        return f"sqlite:///{VAR / f'bench-{persons}{suffix}.sqlite3'}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{DB_PREFIX}_{persons}{suffix}"


def drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"')


def fresh_database(db: str, persons: int, suffix: str = "") -> str:
    url = database_url(db, persons, suffix)
    if db == "sqlite":
        for ext in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + ext).unlink(missing_ok=True)
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    return url


def step(name: str, url: str, *args: str) -> dict:
    """Run bench.step in a child process; it prints one JSON line of figures."""
    env = {**os.environ, "JIUYE_DATABASE_URL": url, "JIUYE_VAR_DIR": str(VAR / "var"),
           "JIUYE_PREPARE_AFTER_IMPORT": "0"}  # the import alone: no page preparation after it
    out = subprocess.run(
        [sys.executable, "-m", "bench.step", name, *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr[-4000:])
        raise SystemExit(f"step {name} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def generated(persons: int, seed: int) -> Path:
    communities = max(1, persons // PERSONS_PER_COMMUNITY)
    folder = VAR / f"register-{persons}-{seed}"
    if not (folder / "组织建设.csv").exists():
        env = {**os.environ, "JIUYE_VAR_DIR": str(VAR / "var")}
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "jiuye", "generate", str(folder), "--communities", str(communities),
             "--seed", str(seed), "--persons-per-community", str(min(persons, PERSONS_PER_COMMUNITY))],
            env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
        )
        print(f"generated {persons:,} persons in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return folder


PIECES = ("import", "copy", "floor", "evaluate", "matching", "load")
NAMES = {"postgres": "PostgreSQL", "sqlite": "SQLite"}


def database_exists(db: str, persons: int) -> bool:
    url = database_url(db, persons)
    if db == "sqlite":
        return Path(url.removeprefix("sqlite:///")).exists()
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        name = url.rsplit("/", 1)[1]
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--persons", default="100000,1000000", help="comma-separated sizes (10000000 on demand)")
    parser.add_argument("--db", default="postgres,sqlite")
    parser.add_argument("--only", default=",".join(PIECES), help=f"comma-separated pieces: {', '.join(PIECES)}")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="evaluations and scans per size (best is kept)")
    parser.add_argument("--users", type=int, default=50, help="load: concurrent community workers")
    parser.add_argument("--seconds", type=float, default=30, help="load: measured seconds (after --warmup)")
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2, help="load: server processes (gunicorn workers)")
    parser.add_argument("--threads", type=int, default=8, help="load: threads per server process")
    parser.add_argument("--think", type=float, default=0,
                        help="load: mean seconds a worker pauses between requests (0: none, as wrk does)")
    parser.add_argument("--vacancies", type=int, default=100_000, help="matching: open vacancies")
    parser.add_argument("--match-persons", type=int, default=300, help="matching: residents ranked")
    parser.add_argument("--report", action="store_true",
                        help="measure nothing: print the table of the figures saved under var/bench/results/")
    args = parser.parse_args()
    if args.report:
        wanted_sizes = {int(p) for p in args.persons.split(",")} if "--persons" in sys.argv else None
        wanted_dbs = set(args.db.split(",")) if "--db" in sys.argv else None
        saved = [json.loads(f.read_text()) for f in sorted((VAR / "results").glob("*.json"))]
        saved = [r for r in saved if (wanted_sizes is None or r["persons"] in wanted_sizes)
                 and (wanted_dbs is None or r["db"] in wanted_dbs)]
        if not saved:
            raise SystemExit("nothing saved yet under var/bench/results/")
        print_report(saved, args, "")
        return
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(only) - set(PIECES)
    if unknown:
        parser.error(f"unknown pieces: {', '.join(sorted(unknown))} (known: {', '.join(PIECES)})")
    VAR.mkdir(parents=True, exist_ok=True)
    sizes = [int(p) for p in args.persons.split(",")]
    dbs = [d.strip() for d in args.db.split(",")]
    runs: dict[tuple[str, int], dict] = {}
    copies: dict[int, dict] = {}
    started = f"{time.strftime('%Y-%m-%d %H:%M')} (load average {os.getloadavg()[0]:.1f})"
    for persons in sizes:
        folder = generated(persons, args.seed)
        for db in dbs:
            r = runs.setdefault((db, persons), {"db": db, "persons": persons})
            if "import" in only:
                url = fresh_database(db, persons)
                step("migrate", url)
                say(f"{db} {persons:,}: importing")
                imported = step("import", url, str(folder))
                r.update(import_s=imported["seconds"], import_cpu_s=imported.get("cpu_s"), rows=imported["rows"],
                         import_peak_mb=imported["peak_mb"], import_child_cpu_s=imported.get("child_cpu_s"),
                         import_child_peak_mb=imported.get("child_peak_mb"),
                         analyze_s=step("analyze", url)["seconds"])
            elif {"evaluate", "matching", "load", "floor"} & set(only):
                if not database_exists(db, persons):
                    raise SystemExit(f"no {db} database of {persons:,} residents: run with --only import first")
                step("migrate", database_url(db, persons))  # the code may have moved on since the import
            url = database_url(db, persons)
            if "floor" in only and db == "postgres":
                say(f"{db} {persons:,}: the floor (the stored rows written again)")
                floor_url = fresh_database(db, persons, suffix="_floor")
                step("migrate", floor_url)
                floored = step("floor", floor_url, url)
                drop_database(floor_url)
                r.update(floor_s=floored["seconds"], floor_rows=floored["rows"], floor_commit_s=floored["commit_s"],
                         floor_tables=floored["tables"])
                say("  " + ", ".join(f"{t.split('_', 1)[1]} {p['copy_s']:.1f} + {p['indexes_s']:.1f} s"
                                     for t, p in floored["tables"].items() if p["copy_s"] + p["indexes_s"] >= 0.1))
            if "evaluate" in only:
                say(f"{db} {persons:,}: evaluating")
                scan = min((step("scan", url) for _ in range(args.repeat)), key=lambda x: x["seconds"])
                evals = [step("evaluate", url) for _ in range(args.repeat)]
                r.update(eval_s=min(e["seconds"] for e in evals), eval_peak_mb=max(e["peak_mb"] for e in evals),
                         scan_s=scan["seconds"], communities=evals[0]["communities"])
            if "matching" in only:
                say(f"{db} {persons:,}: matching")
                m = step("matching", url, str(args.vacancies), str(args.match_persons))
                r.update(match_p50=percentile(m["ms"], 0.5), match_p95=percentile(m["ms"], 0.95),
                         match_frame_s=m["frame_s"], match_vacancies=m["vacancies"])
            if "load" in only:
                from bench.load import collect_static, run_load

                say(f"{db} {persons:,}: load test, {args.users} users, {args.seconds:.0f} s")
                plan = step("load-prepare", url, str(args.users))
                env = {**os.environ, "JIUYE_DATABASE_URL": url, "JIUYE_VAR_DIR": str(VAR / "var")}
                collect_static(env)
                r["load"] = run_load(env, plan, seconds=args.seconds, warmup=args.warmup, workers=args.workers,
                                     think=args.think, threads=args.threads)
        if "copy" in only:
            from bench.copybase import copy_baseline

            say(f"COPY {persons:,}")
            if not database_exists("postgres", persons):
                fresh_database("postgres", persons)
            copies[persons] = copy_baseline(database_url("postgres", persons), folder)
        for db in dbs:
            if persons in copies:
                runs[(db, persons)]["copy"] = copies[persons]
    results = list(runs.values())
    save(results, only)
    print_report(results, args, started)


def save(results: list[dict], only: list[str]) -> None:
    """Each database and size's figures into var/bench/results/, over what an earlier run saved
    (``--only`` re-measures some pieces; ``--report`` prints them all)."""
    folder = VAR / "results"
    folder.mkdir(parents=True, exist_ok=True)
    now = time.strftime("%Y-%m-%d %H:%M")
    for r in results:
        path = folder / f"{r['db']}-{r['persons']}.json"
        saved = json.loads(path.read_text()) if path.exists() else {}
        saved.update(r)
        saved.setdefault("measured", {}).update({piece: now for piece in only})
        path.write_text(json.dumps(saved, ensure_ascii=False, indent=1, default=str))


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else math.nan


def _get(r: dict, path: str):
    value = r
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            return None
    return value


def _ratio(r: dict, a: str, b: str):
    x, y = _get(r, a), _get(r, b)
    return x / y if x is not None and y else None


# (label, how to get it from a run, format, grows with the data: shown in the growth column)
FIGURES = [
    ("**import** of the whole register: s", lambda r: _get(r, "import_s"), "{:,.1f}", True),
    ("import: CPU s of the importing process (the machine's load aside)", lambda r: _get(r, "import_cpu_s"),
     "{:,.1f}", True),
    ("import: rows/s (all tables)", lambda r: _ratio(r, "rows", "import_s"), "{:,.0f}", False),
    ("import: peak MB", lambda r: _get(r, "import_peak_mb"), "{:,.0f}", True),
    ("import: CPU s of its helper process (a first load's numbers hashed and encrypted ahead, on the other core)",
     lambda r: _get(r, "import_child_cpu_s"), "{:,.1f}", True),
    ("import: the helper's peak MB (resident)",
     lambda r: _get(r, "import_child_peak_mb"), "{:,.0f}", True),
    ("then `ANALYZE` (planner statistics): s", lambda r: _get(r, "analyze_s"), "{:,.1f}", True),
    ("PostgreSQL `COPY` of the same rows: s", lambda r: _get(r, "copy.seconds"), "{:,.1f}", True),
    ("`COPY`: rows/s", lambda r: _ratio(r, "copy.rows", "copy.seconds"), "{:,.0f}", False),
    ("(then unique indexes on the keys: s)", lambda r: _get(r, "copy.index_s"), "{:,.1f}", True),
    ("**import ÷ `COPY`**", lambda r: _ratio(r, "import_s", "copy.seconds"), "{:.1f}×", False),
    ("floor: the stored rows `COPY`ed into the register's tables (indexes deferred): s",
     lambda r: _get(r, "floor_s"), "{:,.1f}", True),
    ("floor: of which the commit (deferred reference checks): s", lambda r: _get(r, "floor_commit_s"), "{:,.1f}", True),
    ("**floor ÷ `COPY`** (what no import can go below)", lambda r: _ratio(r, "floor_s", "copy.seconds"), "{:.1f}×",
     False),
    ("import ÷ floor", lambda r: _ratio(r, "import_s", "floor_s"), "{:.1f}×", False),
    ("**evaluation** of all communities: s", lambda r: _get(r, "eval_s"), "{:,.2f}", True),
    ("evaluation: peak MB", lambda r: _get(r, "eval_peak_mb"), "{:,.0f}", True),
    ("plain scan of the same tables: s", lambda r: _get(r, "scan_s"), "{:,.2f}", True),
    ("**evaluation ÷ scan**", lambda r: _ratio(r, "eval_s", "scan_s"), "{:.1f}×", False),
    ("**pages**, {users} users{think}: p50 ms", lambda r: _get(r, "load.pages.p50"), "{:,.0f}", True),
    ("pages: **p95 ms**", lambda r: _get(r, "load.pages.p95"), "{:,.0f}", True),
    ("pages: p99 ms", lambda r: _get(r, "load.pages.p99"), "{:,.0f}", True),
    ("pages: requests/s", lambda r: _get(r, "load.pages.per_s"), "{:,.1f}", False),
    ("pages: errors", lambda r: _get(r, "load.pages.errors"), "{:,}", False),
    ("**API**, same users: p50 ms", lambda r: _get(r, "load.api_figures.p50"), "{:,.0f}", True),
    ("API: **p95 ms**", lambda r: _get(r, "load.api_figures.p95"), "{:,.0f}", True),
    ("API: p99 ms", lambda r: _get(r, "load.api_figures.p99"), "{:,.0f}", True),
    ("API: requests/s", lambda r: _get(r, "load.api_figures.per_s"), "{:,.1f}", False),
    ("API: errors", lambda r: _get(r, "load.api_figures.errors"), "{:,}", False),
    ("server: peak MB per process", lambda r: _get(r, "load.server_peak_mb"), "{:,.0f}", True),
    ("**matching**, one person among {vacancies}: median ms", lambda r: _get(r, "match_p50"), "{:,.1f}", True),
    ("matching: p95 ms", lambda r: _get(r, "match_p95"), "{:,.1f}", True),
]


def _cell(value, fmt: str) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else fmt.format(value)


def print_report(results: list[dict], args, started: str) -> None:
    dbs = list(dict.fromkeys(r["db"] for r in results))
    columns: list[tuple[str, object]] = []  # (header, run or (db, small, large))
    for db in dbs:
        runs = sorted((r for r in results if r["db"] == db), key=lambda r: r["persons"])
        for r in runs:
            columns.append((f"{NAMES.get(db, db)} {r['persons']:,}", r))
        if len(runs) > 1:
            size = runs[-1]["persons"] / runs[0]["persons"]
            columns.append((f"growth ×{size:g} data", (runs[0], runs[-1])))
    print()
    print("| figure | " + " | ".join(header for header, _ in columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    for label, get, fmt, grows in FIGURES:
        cells = []
        for _, what in columns:
            if isinstance(what, tuple):
                a, b = (get(x) for x in what)
                cells.append(f"×{b / a:.1f}" if grows and a and b is not None else "")
            else:
                cells.append(_cell(get(what), fmt))
        if all(c in ("—", "") for c in cells):
            continue
        think = {_get(r, "load.think") for r in results} - {None}
        think_text = f" (think {', '.join(f'{t:g}' for t in sorted(think))} s)" if think - {0} else ""
        users = {_get(r, "load.users") for r in results} - {None} or {args.users}
        label = label.format(users="/".join(str(u) for u in sorted(users)), think=think_text,
                             vacancies=f"{args.vacancies:,}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    loads = [r for r in results if r.get("load")]
    for r in loads:
        load = r["load"]
        print(f"{NAMES.get(r['db'], r['db'])} {r['persons']:,}: {load['logged_in']}/{load['users']} workers logged in "
              f"({load['login_s']:.0f} s), {load['workers']} server processes, measured {load['seconds']:.0f} s, "
              f"think time {load.get('think', 0):g} s; "
              f"load generator {load['client_cores']:.2f} cores; API {'included' if load['api'] else 'absent'}")
        from bench.load import print_kinds

        print_kinds(load)
        for error in load["login_errors"]:
            print(f"  login: {error}")
    print_goals(results)
    if args.report:
        for r in results:
            measured = ", ".join(f"{piece} {when}" for piece, when in r.get("measured", {}).items())
            print(f"\n{NAMES.get(r['db'], r['db'])} {r['persons']:,} measured: {measured}", end="")
        print()
    else:
        print(f"\nStarted {started}; {os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.1f}. "
              f"Command: python -m bench {' '.join(sys.argv[1:])}")
    sys.stdout.flush()


def print_goals(results: list[dict]) -> None:
    """Issue 8's goals, for 1,000,000 residents on PostgreSQL (when measured)."""
    r = next((r for r in results if r["db"] == "postgres" and r["persons"] == 1_000_000), None)
    if r is None:
        return
    peaks = [v for v in (_get(r, "import_peak_mb"), _get(r, "eval_peak_mb"), _get(r, "load.server_peak_mb")) if v]
    goals = [
        ("import under 60 s", _get(r, "import_s"), lambda v: v < 60, "{:.1f} s"),
        ("import within 3× of COPY", _ratio(r, "import_s", "copy.seconds"), lambda v: v <= 3, "{:.1f}×"),
        ("evaluation under 10 s", _get(r, "eval_s"), lambda v: v < 10, "{:.2f} s"),
        ("evaluation within 5× of a plain scan", _ratio(r, "eval_s", "scan_s"), lambda v: v <= 5, "{:.1f}×"),
        ("pages p95 under 200 ms at 50 users", _get(r, "load.pages.p95"), lambda v: v < 200, "{:.0f} ms"),
        ("peak memory under 2 GB", max(peaks) if peaks else None, lambda v: v < 2048, "{:.0f} MB"),
    ]
    print("\nGoals, 1,000,000 residents on PostgreSQL:")
    for name, value, ok, fmt in goals:
        verdict = "not measured" if value is None else ("met" if ok(value) else "NOT met")
        print(f"  {name}: {verdict}" + ("" if value is None else f" ({fmt.format(value)})"))
    floor = _ratio(r, "floor_s", "copy.seconds")
    if floor is not None:
        print(f"  (the floor, the stored rows written again: {floor:.1f}× COPY; no import can go below it)")


if __name__ == "__main__":
    main()
