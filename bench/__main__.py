"""Benchmarks: `python -m bench [--persons N ...] [--db sqlite,postgres]`.

For each size and database: generate a register (cached under var/bench/), import it
into a fresh database, then evaluate every community as of 2026-06-30 and scan the
same tables plainly, each step in its own process so that its peak memory is its own.
Prints a table of seconds, peak RSS and ratios. Not run in CI.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = Path(os.environ.get("JIUYE_BENCH_DIR", ROOT / "var" / "bench"))
PG_ADMIN_URL = os.environ.get("JIUYE_BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
PERSONS_PER_COMMUNITY = 2500


def database_url(db: str, persons: int) -> str:
    if db == "sqlite":
        return f"sqlite:///{VAR / f'bench-{persons}.sqlite3'}"
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/jiuye_bench_{persons}"


def fresh_database(db: str, persons: int) -> str:
    url = database_url(db, persons)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    return url


def step(name: str, url: str, *args: str) -> dict:
    """Run bench.step in a child process; it prints one JSON line of figures."""
    env = {**os.environ, "JIUYE_DATABASE_URL": url, "JIUYE_VAR_DIR": str(VAR / "var")}
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--persons", default="100000,1000000", help="comma-separated sizes")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="evaluations per size (best is kept)")
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    rows = []
    for persons in [int(p) for p in args.persons.split(",")]:
        folder = generated(persons, args.seed)
        for db in args.db.split(","):
            url = fresh_database(db, persons)
            step("migrate", url)
            imported = step("import", url, str(folder))
            scan = min((step("scan", url) for _ in range(args.repeat)), key=lambda r: r["seconds"])
            evals = [step("evaluate", url) for _ in range(args.repeat)]
            best = min(evals, key=lambda r: r["seconds"])
            rows.append(
                {
                    "db": db,
                    "persons": imported["persons"],
                    "import_s": imported["seconds"],
                    "import_rows_per_s": imported["rows"] / imported["seconds"],
                    "eval_s": best["seconds"],
                    "eval_peak_mb": max(e["peak_mb"] for e in evals),
                    "scan_s": scan["seconds"],
                    "ratio": best["seconds"] / scan["seconds"],
                    "communities": best["communities"],
                }
            )
            print_table(rows)
    print_growth(rows)


def print_table(rows: list[dict]) -> None:
    print()
    print(f"{'db':<9}{'persons':>10}{'import s':>10}{'rows/s':>10}{'eval s':>9}{'peak MB':>9}{'scan s':>9}{'eval/scan':>10}")
    for r in rows:
        print(
            f"{r['db']:<9}{r['persons']:>10,}{r['import_s']:>10.1f}{r['import_rows_per_s']:>10,.0f}"
            f"{r['eval_s']:>9.2f}{r['eval_peak_mb']:>9.0f}{r['scan_s']:>9.2f}{r['ratio']:>10.2f}"
        )
    sys.stdout.flush()


def print_growth(rows: list[dict]) -> None:
    by_db: dict[str, list[dict]] = {}
    for r in rows:
        by_db.setdefault(r["db"], []).append(r)
    for db, items in by_db.items():
        items.sort(key=lambda r: r["persons"])
        for a, b in zip(items, items[1:], strict=False):
            size = b["persons"] / a["persons"]
            print(
                f"{db}: {a['persons']:,} → {b['persons']:,} persons (×{size:.1f}): evaluation ×{b['eval_s'] / a['eval_s']:.1f}, "
                f"import ×{b['import_s'] / a['import_s']:.1f}"
            )


if __name__ == "__main__":
    main()
