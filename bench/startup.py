"""How fast the command line starts: ``python -m bench.startup [--runs 7] [--no-bytecode-cache]``.

Times ``jiuye --help``, ``jiuye check`` and ``jiuye evaluate`` of an empty register (a fresh
SQLite database, migrated once before the clock) as separate processes, the way a person or
cron runs them (``python -m jiuye``, which is what the console script runs). Each is run once
to warm the disk cache and the bytecode cache, then ``--runs`` times; the best wall-clock time
is the figure (the machine is shared: the best run is the one least disturbed), the median and
the CPU time are shown beside it. Then one more run under ``python -X importtime`` shows what
it imported: the total, the heaviest packages, and which of the libraries that belong to one
use only (pandas, NumPy, Celery, jieba, WeasyPrint, pypinyin, openpyxl) it loaded.

Python's bytecode cache is kept under ``var/bench/pycache`` (``PYTHONPYCACHEPREFIX``), as an
installed package has its ``.pyc`` files; ``--no-bytecode-cache`` measures without it (as in a
checkout run with ``PYTHONDONTWRITEBYTECODE=1``, when every project module is compiled again
on each start). Goals (issue 16): ``--help`` under 0.5 s, the other two under 1 s. Not in CI.

On a shared machine the absolute times move with the others' load; ``--against DIR`` times a
second checkout too (e.g. ``git archive e05ce78 | tar -x -C /tmp/before``), run for run in turn
with this one, so that both meet the same load and their ratio means something.
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (
    ("jiuye --help", ["--help"], 0.5),
    ("jiuye check", ["check"], 1.0),
    ("jiuye evaluate (empty register)", ["evaluate"], 1.0),
)
SINGLE_USE = ("pandas", "numpy", "celery", "jieba", "weasyprint", "pypinyin", "openpyxl")


def environment(var_dir: Path, cache: bool, root: Path = ROOT) -> dict:
    env = {**os.environ, "JIUYE_VAR_DIR": str(var_dir), "JIUYE_DATABASE_URL": f"sqlite:///{var_dir / 'empty.sqlite3'}",
           "PYTHONPATH": str(root)}
    for name in ("JIUYE_BROKER_URL", "JIUYE_REPLICA_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    if cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(ROOT / "var" / "bench" / "pycache")  # keyed by each source's path
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = str(var_dir / "no-pycache")  # not the installed .pyc beside the sources
    return env


def timed(args: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``python -m jiuye ARGS``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "jiuye", *args], env=env, cwd=env["PYTHONPATH"], capture_output=True,
                          text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"jiuye {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def imports(args: list[str], env: dict) -> tuple[float, list[tuple[str, float]], list[str]]:
    """(total import ms, the heaviest top-level packages by their own import ms, single-use
    libraries imported) of one run under -X importtime."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "jiuye", *args], env=env, cwd=env["PYTHONPATH"],
                          capture_output=True, text=True)
    own: Counter = Counter()
    loaded = set()
    for line in done.stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+\d+ \|(\s*)(\S+)", line)
        if not found:
            continue
        name = found[3]
        top = name.split(".")[0]
        own[".".join(name.split(".")[:2]) if top == "jiuye" else top] += int(found[1]) / 1000
        loaded.add(top)
    return sum(own.values()), own.most_common(6), [lib for lib in SINGLE_USE if lib in loaded]


def measure(envs: dict[str, dict], runs: int) -> dict[str, list]:
    """For each checkout (label → environment), each command: (label, goal, best, median, CPU,
    import ms, heaviest, loaded); the checkouts' runs alternate."""
    for env in envs.values():
        subprocess.run([sys.executable, "-m", "jiuye", "migrate", "--no-input", "-v", "0"], env=env,
                       cwd=env["PYTHONPATH"], check=True, capture_output=True)
    rows: dict[str, list] = {name: [] for name in envs}
    for label, command, goal in COMMANDS:
        for env in envs.values():
            timed(command, env)  # warm-up: disk cache, bytecode cache
        runs_of: dict[str, list] = {name: [] for name in envs}
        for _ in range(runs):
            for name, env in envs.items():
                runs_of[name].append(timed(command, env))
        for name, env in envs.items():
            walls = [w for w, _ in runs_of[name]]
            total, heaviest, loaded = imports(command, env)
            rows[name].append((label, goal, min(walls), statistics.median(walls), min(c for _, c in runs_of[name]),
                               total, heaviest, loaded))
    return rows


def print_rows(rows: list) -> None:
    print("| command | best s | median s | CPU s | goal | | imports ms | heaviest imports (own ms) | "
          "single-use libraries loaded |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, goal, best, median, cpu, total, heaviest, loaded in rows:
        heavy = ", ".join(f"{name} {ms:.0f}" for name, ms in heaviest)
        verdict = "met" if best < goal else "**not met**"
        print(f"| `{label}` | {best:.2f} | {median:.2f} | {cpu:.2f} | < {goal:g} s | {verdict} | {total:.0f} | {heavy} | "
              f"{', '.join(loaded) or 'none'} |")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each command (the best is kept)")
    parser.add_argument("--no-bytecode-cache", action="store_true", help="compile every module on each start")
    parser.add_argument("--against", help="another checkout to time in turn with this one")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="jiuye-startup-") as tmp:
        envs = {"this checkout": environment(Path(tmp) / "this", not args.no_bytecode_cache)}
        if args.against:
            envs[args.against] = environment(Path(tmp) / "other", not args.no_bytecode_cache, Path(args.against).resolve())
        for env in envs.values():
            Path(env["JIUYE_VAR_DIR"]).mkdir()
        rows = measure(envs, args.runs)
    cache = "without a bytecode cache" if args.no_bytecode_cache else "bytecode cached"
    print(f"\nStart-up of the command line, best of {args.runs} runs ({cache}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}):")
    for name, table in rows.items():
        print(f"\n{name}:\n" if len(rows) > 1 else "")
        print_rows(table)
    print(f"\nCommand: python -m bench.startup {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
