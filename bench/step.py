"""One measured step of the benchmark, in its own process; prints one JSON line."""

import datetime as dt
import json
import os
import resource
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

AS_OF = dt.date(2026, 6, 30)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(name: str, *args: str) -> dict:
    if name == "migrate":
        call_command("migrate", verbosity=0)
        return {}
    if name == "import":
        from pathlib import Path

        from jiuye.exchange.importer import ledger_import
        from jiuye.registry.models import Person

        t0, c0 = time.perf_counter(), time.process_time()
        result = ledger_import(path=Path(args[0]))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        if not result.ok:
            raise SystemExit("\n".join(p.line() for p in result.problems[:20]))
        rows = sum(c["added"] for c in result.counts.values())
        from jiuye.exchange import ahead

        child = resource.getrusage(resource.RUSAGE_CHILDREN)  # the helper making numbers ahead, if any
        return {"seconds": seconds, "cpu_s": cpu, "rows": rows, "persons": Person.objects.count(),
                "peak_mb": peak_mb(), "child_cpu_s": child.ru_utime + child.ru_stime,
                "child_peak_mb": ahead.last_peak_mb}
    if name == "floor":  # the imported register's rows written again into this empty database (bench/floor.py)
        from bench.floor import write_floor

        return {**write_floor(args[0]), "peak_mb": peak_mb()}
    if name == "analyze":  # fresh planner statistics, as autovacuum would gather after a bulk load
        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return {"seconds": time.perf_counter() - t0}
    if name == "evaluate":
        from jiuye.standards.evaluate import evaluate

        t0 = time.perf_counter()
        result = evaluate(AS_OF)
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "communities": len(result["communities"]), "peak_mb": peak_mb()}
    if name == "scan":
        return scan()
    if name == "load-prepare":
        from bench.load import prepare

        return prepare(int(args[0]))
    if name == "stale":  # every cached page out of date, as after an import of the whole city
        from jiuye.divisions.revisions import policy_changed

        policy_changed()
        return {}
    if name == "prepare-start":  # what an import starts once it has committed (in a process of its own)
        from jiuye.divisions.revisions import register_imported_send

        register_imported_send("")
        from jiuye.tasks.models import Job, JobKind

        return {"job": Job.objects.filter(kind=JobKind.PREPARE).order_by("-pk").values_list("pk", flat=True).first()}
    if name == "nightly":  # the nightly run's desk part, for today: each community synced, its pages computed
        from jiuye.divisions.models import Division, Level
        from jiuye.tasks.runner import community_day_prepare

        t0 = time.perf_counter()
        codes = list(Division.objects.filter(level=Level.COMMUNITY).order_by("code").values_list("code", flat=True))
        for code in codes:
            community_day_prepare(community=code, as_of=dt.date.today())
        return {"seconds": time.perf_counter() - t0, "communities": len(codes), "peak_mb": peak_mb()}
    if name == "matching":
        from bench.matching import in_register

        figures = in_register(int(args[0]), int(args[1]))
        return {**figures, "peak_mb": peak_mb()}
    raise SystemExit(f"unknown step {name}")


def scan() -> dict:
    """A plain scan of the tables the evaluation reads: the same columns, every row fetched."""
    from jiuye.registry import models as m

    queries = [
        (m.Person, "id, household_id, sex, birth_date, residence_start, residence_end, categories, retirement_category"),
        (m.Household, "id, community_id, hukou"),
        (m.StatusEpisode, 'person_id, status, start, "end"'),
        (m.UnemploymentRegistration, "id, person_id, registered_on, cancelled_on"),
        (m.DibaoEpisode, 'household_id, start, "end"'),
        (m.ServiceRecord, "person_id, service_type, date"),
    ]
    t0 = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor:
        for model, columns in queries:
            cursor.execute(f"SELECT {columns} FROM {model._meta.db_table}")
            rows += len(cursor.fetchall())
    return {"seconds": time.perf_counter() - t0, "rows": rows, "peak_mb": peak_mb()}


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:])))
