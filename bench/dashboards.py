"""Dashboard response times: `python -m bench.dashboards [--repeat 50] [--backfill 11]`.

Against the database of JIUYE_DATABASE_URL (e.g. the 1,000,000-resident
``postgres://postgres@127.0.0.1:5432/jiuye_bench_1000000`` that ``python -m bench``
leaves behind). The dashboards read saved evaluations, never evaluating live, so the
benchmark first makes sure they exist, as the nightly job would: this month's
city-wide evaluation and the last ``--backfill`` month ends (each one a full
``evaluate(as_of, rollups=True)``, timed and saved into that database). Then it calls
the dashboard view (URL resolution, the view, the template; no HTTP) for a city, a
district, a street and a community user, ``--repeat`` times each after two warm-up
calls, and prints p50/p95/max milliseconds and the queries per call.

The users are in-memory ``User`` objects with a role and scope (nothing is written
for them). Not run in CI.
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import resolve  # noqa: E402
from django.utils import translation  # noqa: E402

BUDGET_MS = 300


def _users():
    from django.db.models import Count

    from jiuye.accounts.models import Role, User
    from jiuye.divisions.models import Division, Level

    def pick(level, length):
        rows = Division.objects.filter(level=Level.COMMUNITY).values_list("code", flat=True)
        counts: dict[str, int] = {}
        for code in rows:
            counts[code[:length]] = counts.get(code[:length], 0) + 1
        code = max(sorted(counts), key=lambda c: counts[c])  # the division with most communities
        return Division.objects.get(code=code, level=level), counts[code]

    city = Division.objects.get(code=settings.JIUYE_CITY_CODE)
    total = Division.objects.filter(level=Level.COMMUNITY).aggregate(n=Count("id"))["n"]
    district, n_district = pick(Level.DISTRICT, 6)
    street, n_street = pick(Level.STREET, 9)
    community = Division.objects.filter(level=Level.COMMUNITY, code__startswith=street.code).order_by("code").first()
    out = []
    for role, division, n in ((Role.CITY, city, total), (Role.DISTRICT, district, n_district),
                              (Role.STREET, street, n_street), (Role.COMMUNITY, community, 1)):
        user = User(username=f"bench-{role}", role=role, scope=division, is_active=True)
        out.append((role.value, division.code, n, user))
    return out


def _prepare(today: dt.date, backfill: int) -> None:
    from jiuye.oversight import dashboards

    t0 = time.perf_counter()
    made = dashboards.dashboard_ensure(today=today)
    if made is not None:
        print(f"saved this month's city-wide evaluation as of {today}: {time.perf_counter() - t0:.1f} s", flush=True)
    if backfill:
        ends = dashboards.month_ends(today.replace(day=1) - dt.timedelta(days=1), backfill)
        have = set(dashboards.city_snapshots().filter(as_of__in=ends).values_list("as_of", flat=True))
        for day in ends:
            if day in have:
                continue
            t0 = time.perf_counter()
            dashboards.dashboard_refresh(as_of=day)
            print(f"saved the month end {day}: {time.perf_counter() - t0:.1f} s", flush=True)


def _measure(user, repeat: int) -> tuple[list[float], int, int]:
    factory = RequestFactory()
    match = resolve("/dashboard/")
    times = []
    size = queries = 0
    for i in range(repeat + 2):
        request = factory.get("/dashboard/")
        request.user = user
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = match.func(request, *match.args, **match.kwargs)
            elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 200:
            raise SystemExit(f"dashboard answered {response.status_code} for {user.username}")
        if i >= 2:
            times.append(elapsed)
            queries = len(captured.captured_queries)
            size = len(response.content)
    return times, queries, size


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboards", description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--backfill", type=int, default=11,
                        help="month ends before today to have saved for the trend (default 11: a 12-point trend)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    args = parser.parse_args(argv)
    translation.activate(settings.LANGUAGE_CODE)
    db = connection.settings_dict
    print(f"database: {connection.vendor} {db.get('NAME')}", flush=True)
    from jiuye.registry.models import Person

    print(f"residents: {Person.objects.count():,}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
          flush=True)
    _prepare(args.today, args.backfill)

    import contextlib

    clock = contextlib.nullcontext()
    if args.today != dt.date.today():  # the view saves this month's evaluation for "today"
        import time_machine

        clock = time_machine.travel(dt.datetime.combine(args.today, dt.time(12)), tick=True)
    print(f"{'level':<10} {'code':<13} {'communities':>11} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>7} "
          f"{'KiB':>6}")
    worst = 0.0
    with clock:
        for role, code, n, user in _users():
            times, queries, size = _measure(user, args.repeat)
            p50, p95 = statistics.median(times), _pct(times, 0.95)
            worst = max(worst, p95)
            print(f"{role:<10} {code:<13} {n:>11} {p50:>8.1f} {p95:>8.1f} {max(times):>8.1f} {queries:>7} "
                  f"{size / 1024:>6.0f}", flush=True)
    verdict = "within" if worst < BUDGET_MS else "OVER"
    print(f"worst p95 {worst:.1f} ms: {verdict} the {BUDGET_MS} ms budget")
    return 0 if worst < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
