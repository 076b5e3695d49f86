"""Load test: community workers using their pages and the API at once.

``python -m bench.load --database-url URL [--scenarios 50x0,50x3,200x3] [--seconds 30]
[--workers 2 --threads 8] [--start stale|nightly|asis] [--first-views N]`` against an imported
register (``python -m bench`` runs one scenario as its ``load`` piece). ``--start``: the page
cache each scenario begins with (``START``); ``--first-views``: every page's first view of the
day and the next one, one worker at a time (``first_views``).

1. ``prepare`` (in the database, through Django): ``--users`` community workers
   ``bench-worker-NN``, one per community round-robin (different communities as far as
   there are), each with a django-rest-knox token for the API, and for each the pages it
   will ask for: some residents, households and name searches of its own community.
2. The app is started on loopback as deployed: ``jiuye collectstatic`` once, then
   ``jiuye serve`` (gunicorn with ``jiuye/serving/gunicorn_conf.py``, ``--workers``
   processes × ``--threads`` threads, its access log to ``var/bench/access.log``) with
   ``JIUYE_DEBUG=0``; a fresh server for each scenario, so its peak memory is the scenario's.
3. Every worker logs in through the login form (CSRF token, password), then loops over a
   shuffled round of Today ``/`` (2), a name search ``/people/?q=`` (3), a person (3), a
   household (2), a printed ledger (1), the zero-employment board ``/zero/`` (1), the
   standing page ``/standing/`` (1), and the API with its Bearer token
   (``/api/v1/persons/?q=``, a person, Today: 1 each), one thread and one keep-alive
   connection each. A scenario ``USERSxTHINK`` has USERS workers who pause THINK seconds
   on average (exponentially) between requests, as a person reading the page would; with
   0 there is no pause (as wrk). The first ``--warmup`` seconds are not counted; for the
   next ``--seconds`` every request's latency is measured from sending to the last byte of
   the body. A status other than 2xx/3xx, or a failed connection, counts as an error.

The load generator runs on the same cores as the server and the database (as wrk would);
its own CPU time is reported beside the figures. Not run in CI.
"""

import argparse
import http.client
import http.cookies
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-Load-2026!"
PAGES = ("today", "search", "person", "household", "ledger", "zero", "standing")
API = ("api-search", "api-person", "api-today")
# How often each request comes in a worker's round (a ledger is printed now and then).
WEIGHTS = {"today": 2, "search": 3, "person": 3, "household": 2, "ledger": 1, "zero": 1, "standing": 1,
           "api-search": 1, "api-person": 1, "api-today": 1}
SCENARIOS = "50x0,50x3,200x3"  # USERSxTHINK: 50 and 200 people pausing 3 s on average, and 50 without pauses
LEDGERS = ("labour-force", "unemployed", "hardship", "services")


# -- 1. in the database --------------------------------------------------------------


def prepare(users: int, seed: int = 11) -> dict:
    """Create the workers and their tokens; return the plan the client follows (Django set up)."""
    import random

    from django.db import transaction
    from django.urls import Resolver404, resolve

    from jiuye.accounts.models import Role, User
    from jiuye.divisions.models import Division, Level
    from jiuye.registry import models as m

    rng = random.Random(seed)
    try:
        resolve("/api/v1/persons/")
        api = True
    except Resolver404:
        api = False
    communities = list(Division.objects.filter(level=Level.COMMUNITY).order_by("code"))
    plan = {"api": api, "users": []}
    from django.contrib.auth.hashers import make_password

    hashed = make_password(PASSWORD)  # once: every worker has the same password (each login checks it)
    with transaction.atomic():
        User.objects.filter(username__startswith="bench-worker-").delete()
        for i in range(users):
            community = communities[i * max(1, len(communities) // users) % len(communities)]
            user = User(username=f"bench-worker-{i:02d}", role=Role.COMMUNITY, scope=community, is_active=True,
                        password=hashed)
            user.save()
            token = None
            if api:
                from knox.models import AuthToken

                token = AuthToken.objects.create(user)[1]
            people = m.Person.objects.filter(household__community=community)
            person_pks = list(people.order_by("pk").values_list("pk", flat=True))
            household_pks = list(m.Household.objects.filter(community=community).values_list("pk", flat=True))
            names = list(people.order_by("pk").values_list("name", flat=True)[:2000])
            searches = sorted({name[:2] for name in rng.sample(names, min(20, len(names)))})
            plan["users"].append({
                "username": user.username, "community": community.code, "token": token,
                "persons": rng.sample(person_pks, min(200, len(person_pks))),
                "households": rng.sample(household_pks, min(100, len(household_pks))),
                "searches": searches,
            })
    return plan


# -- 2. the server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def collect_static(env: dict) -> None:
    """``jiuye collectstatic`` into the benchmark's var dir, as a deployment does before serving."""
    done = subprocess.run([sys.executable, "-m", "jiuye", "collectstatic", "--noinput", "-v", "0"],
                          env={**env, "JIUYE_DEBUG": "0"}, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"collectstatic failed: {done.stderr[-3000:]}")


def start_server(env: dict, port: int, workers: int, threads: int = 8) -> subprocess.Popen:
    """``jiuye serve`` (gunicorn) on loopback; its own log (start-up, errors) is piped."""
    access_log = Path(env.get("JIUYE_VAR_DIR", ROOT / "var")).parent / "access.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "jiuye", "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads)],
        env={**env, "JIUYE_DEBUG": "0", "JIUYE_ACCESS_LOG": str(access_log)}, cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: {server.stderr.read()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("the server did not answer within 120 s")


def server_pids(server: subprocess.Popen) -> list[int]:
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    except OSError:
        children = []
    return [server.pid, *map(int, children)]


def peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident set (VmHWM) among the server's processes."""
    peak = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        peak = max(peak, int(found[1]) if found else 0)
    return peak / 1024


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server and its workers: its own process group (start_new_session)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 30)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            pass
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


# -- 3. the client ------------------------------------------------------------------


class Worker(threading.Thread):
    """One simulated community worker: one keep-alive connection, one request after another."""

    def __init__(self, port: int, user: dict, api: bool, clock: "Clock", seed: int, think: float = 0):
        super().__init__(daemon=True)
        import random

        self.port, self.user, self.clock, self.think = port, user, clock, think
        self.rng = random.Random(seed)
        self.cookies: dict[str, str] = {}
        kinds = PAGES + (API if api and user["token"] else ())
        self.kinds = [kind for kind in kinds for _ in range(WEIGHTS[kind])]
        self.rng.shuffle(self.kinds)
        self.results: list[tuple[str, float, int, float]] = []  # (kind, ms, status, start); status 0: failed
        self.conn = None
        self.error = None

    def connect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def send(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies and "Authorization" not in headers:  # the API by its token alone
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):  # a keep-alive connection the server closed is reopened once
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connect()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = http.cookies.SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        if response.getheader("Connection", "").lower() == "close":
            self.connect()
        return response.status, data

    def login(self):
        self.connect()
        status, page = self.send("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise RuntimeError(f"login page: {status}")
        body = urllib.parse.urlencode({"username": self.user["username"], "password": PASSWORD,
                                       "csrfmiddlewaretoken": token[1].decode()})
        status, _ = self.send("POST", "/login/", body, {"Referer": f"http://127.0.0.1:{self.port}/login/"})
        if status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login failed: {status}")

    def path(self, kind: str) -> tuple[str, dict]:
        user, rng = self.user, self.rng
        bearer = {"Authorization": f"Bearer {user['token']}"} if kind.startswith("api") else {}
        q = urllib.parse.quote(rng.choice(user["searches"] or ["张"]))
        person = rng.choice(user["persons"]) if user["persons"] else 0
        paths = {
            "today": "/",
            "search": f"/people/?q={q}",
            "person": f"/people/{person}/",
            "household": f"/households/{rng.choice(user['households'] or [0])}/",
            "ledger": f"/ledgers/{rng.choice(LEDGERS)}/",
            "zero": "/zero/",
            "standing": "/standing/",
            "api-search": f"/api/v1/persons/?q={q}",
            "api-person": f"/api/v1/persons/{person}/",
            "api-today": "/api/v1/casework/today/",
        }
        return paths[kind], bearer

    def run(self):
        try:
            with self.clock.logins:
                self.login()
        except Exception as exc:  # noqa: BLE001 - reported, counted as the worker's failure
            self.error = f"{self.user['username']}: {exc}"
            return
        finally:
            self.clock.logged_in()
        self.clock.go.wait()  # everyone logged in before the clock starts
        i = self.rng.randrange(len(self.kinds))
        while True:
            kind = self.kinds[i % len(self.kinds)]
            i += 1
            path, headers = self.path(kind)
            t0 = time.monotonic()
            if t0 >= self.clock.stop_at:
                return
            try:
                status, _ = self.send("GET", path, headers=headers)
            except (OSError, http.client.HTTPException):
                status = 0
                self.connect()
            self.results.append((kind, (time.monotonic() - t0) * 1000, status, t0))
            if self.think:  # a person reading the page: exponential pauses of mean ``think`` seconds
                time.sleep(max(0.0, min(self.rng.expovariate(1 / self.think), self.clock.stop_at - time.monotonic())))


class Clock:
    """Starts the measured window once every worker has logged in (or failed to)."""

    def __init__(self, workers: int, logins_at_once: int = 4):
        self.waiting = workers
        self.lock = threading.Lock()
        # People do not all log in in the same second; a password check (PBKDF2) is ~0.5 s of CPU.
        self.logins = threading.BoundedSemaphore(logins_at_once)
        self.all_in = threading.Event()
        self.go = threading.Event()
        self.measure_from = self.stop_at = float("inf")

    def logged_in(self):
        with self.lock:
            self.waiting -= 1
            if self.waiting == 0:
                self.all_in.set()

    def start(self, warmup: float, seconds: float):
        self.measure_from = time.monotonic() + warmup
        self.stop_at = self.measure_from + seconds
        self.go.set()


def step(env: dict, name: str, *args: str) -> dict:
    """One ``bench.step`` in a process of its own (Django set up against the benchmark's database)."""
    out = subprocess.run([sys.executable, "-m", "bench.step", name, *args], env=env, cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


START = {
    # every cached page out of date, as in the first minutes after an import of the whole city
    # (or on a day the nightly run did not run): each first view computes its page
    "stale": lambda env: step(env, "stale"),
    # as on a normal morning: the nightly run has synced every community and computed its
    # Today, board and standing pages (households, persons and ledgers on their first view)
    "nightly": lambda env: (step(env, "stale"), step(env, "nightly"))[1],
    # right after an import of the whole city, with the preparation it starts (a job preparing
    # each community's pages of the day, as the nightly run does) running beside the load
    "import": lambda env: (step(env, "stale"), step({**env, "JIUYE_PREPARE_AFTER_IMPORT": "1"}, "prepare-start"))[1],
    # as the previous run left the cache
    "asis": lambda env: {},
}


def first_views(env: dict, plan: dict, *, communities: int, workers: int, threads: int,
                start: str = "stale") -> dict:
    """One worker at a time, each of another community, opening every page once with the page
    cache as ``start`` leaves it (``stale``: every page out of date; ``nightly``: a normal
    morning), then once again: the first view of the day and a cached one, per page (a fresh
    server: nothing in its processes either)."""
    START[start](env)
    port = free_port()
    server = start_server(env, port, workers, threads)
    order = ("today", "zero", "standing", "ledger", "household", "person", "search", "api-today", "api-person")
    first: dict[str, list[float]] = {}
    again: dict[str, list[float]] = {}
    seen = set()
    try:
        for i, user in enumerate(plan["users"]):
            if user["community"] in seen:
                continue
            seen.add(user["community"])
            worker = Worker(port, user, plan["api"], Clock(1), seed=i)
            worker.login()
            for kind in order:
                if kind.startswith("api") and not (plan["api"] and user["token"]):
                    continue
                path, headers = worker.path(kind)
                for into in (first, again):
                    t0 = time.monotonic()
                    status, _ = worker.send("GET", path, headers=headers)
                    if not 200 <= status < 400:
                        raise SystemExit(f"{path}: {status}")
                    into.setdefault(kind, []).append((time.monotonic() - t0) * 1000)
            if len(seen) >= communities:
                break
    finally:
        stop_server(server)
    return {"communities": len(seen), "first": first, "again": again, "start": start}


def print_first_views(figures: dict, out=sys.stdout) -> None:
    print(f"\nFirst view of the day and the view after it, one worker at a time, "
          f"{figures['communities']} communities, cache at start {figures['start']} (p50 / max ms):\n", file=out)
    print("| page | first view | again (cached) |", file=out)
    print("| --- | --- | --- |", file=out)
    for kind, times in figures["first"].items():
        again = figures["again"][kind]
        print(f"| {kind} | {pct(times, 0.5):,.0f} / {max(times):,.0f} | {pct(again, 0.5):,.0f} / {max(again):,.0f} |",
              file=out)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


def run_load(env: dict, plan: dict, *, seconds: float, warmup: float, workers: int, think: float = 0,
             threads: int = 8, users: int | None = None, start: str = "asis") -> dict:
    """Bring the page cache to ``start`` (``START``), start the server, log everyone in (the plan's
    first ``users``), hit the pages; the figures."""
    started = START[start](env)
    port = free_port()
    server_threads = threads
    server = start_server(env, port, workers, server_threads)
    chosen = plan["users"][:users] if users else plan["users"]
    try:
        clock = Clock(len(chosen))
        threads = [Worker(port, user, plan["api"], clock, seed=i, think=think) for i, user in enumerate(chosen)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        clock.all_in.wait(timeout=600)  # each login checks a PBKDF2 password hash
        login_seconds = time.monotonic() - t0
        cpu0 = os.times()
        clock.start(warmup, seconds)
        for t in threads:
            t.join(timeout=clock.stop_at - time.monotonic() + 120)
        cpu1 = os.times()
        peak_mb = peak_rss_mb(server_pids(server))
    finally:
        stop_server(server)
    failed_logins = [t.error for t in threads if t.error]
    results = [r for t in threads for r in t.results if r[3] >= clock.measure_from]
    by_kind: dict[str, list] = {}
    for kind, ms, status, _ in results:
        by_kind.setdefault(kind, []).append((ms, status))

    def figures(rows):
        times = [ms for ms, _ in rows]
        errors = sum(1 for _, status in rows if not 200 <= status < 400)
        return {"requests": len(rows), "per_s": len(rows) / seconds, "errors": errors,
                "p50": pct(times, 0.50), "p95": pct(times, 0.95), "p99": pct(times, 0.99),
                "mean": statistics.fmean(times) if times else float("nan")}

    pages = [row for kind in PAGES for row in by_kind.get(kind, [])]
    api = [row for kind in API for row in by_kind.get(kind, [])]
    return {
        "users": len(chosen), "logged_in": len(threads) - len(failed_logins), "login_errors": failed_logins[:5],
        "start": start, "nightly_s": started.get("seconds"),
        "seconds": seconds, "workers": workers, "threads": server_threads, "server": "gunicorn (jiuye serve)",
        "api": plan["api"], "login_s": login_seconds, "think": think,
        "all": figures(pages + api), "pages": figures(pages), "api_figures": figures(api) if api else None,
        "kinds": {kind: figures(rows) for kind, rows in by_kind.items()},
        "server_peak_mb": peak_mb,
        "client_cpu_s": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        "client_cores": ((cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)) / (warmup + seconds),
        "load_avg": os.getloadavg()[0],
    }


def print_kinds(figures: dict, out=sys.stdout) -> None:
    print(f"  {'request':<12}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}", file=out)
    for kind in PAGES + API:
        f = figures["kinds"].get(kind)
        if f:
            print(f"  {kind:<12}{f['requests']:>8}{f['per_s']:>8.1f}{f['p50']:>9.1f}{f['p95']:>9.1f}{f['p99']:>9.1f}"
                  f"{f['errors']:>8}", file=out)


def parse_scenarios(text: str) -> list[tuple[int, float]]:
    """``50x0,50x3,200x3`` → [(50, 0.0), (50, 3.0), (200, 3.0)]: users and their mean pause."""
    scenarios = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        users, _, think = part.partition("x")
        scenarios.append((int(users), float(think or 0)))
    return scenarios


def print_summary(results: list[dict], out=sys.stdout) -> None:
    """One Markdown table: a column per scenario, p50 / p95 ms per request kind, then the totals."""
    heads = [f"{r['users']} users, think {r['think']:g} s, {r.get('start', 'asis')}" for r in results]
    print("\n| request: p50 / p95 ms | " + " | ".join(heads) + " |", file=out)
    print("| --- |" + " --- |" * len(results), file=out)
    for kind in PAGES + API:
        cells = []
        for r in results:
            f = r["kinds"].get(kind)
            cells.append(f"{f['p50']:,.0f} / {f['p95']:,.0f}" if f else "—")
        print(f"| {kind} | " + " | ".join(cells) + " |", file=out)
    rows = [
        ("**all requests**: p50 / p95 / p99 ms",
         lambda r: f"{r['all']['p50']:,.0f} / **{r['all']['p95']:,.0f}** / {r['all']['p99']:,.0f}"),
        ("pages alone: p95 ms", lambda r: f"{r['pages']['p95']:,.0f}"),
        ("requests/s", lambda r: f"{r['all']['per_s']:,.1f}"),
        ("cache at start", lambda r: r.get("start", "asis") + (f" (the nightly run took {r['nightly_s']:.0f} s)"
                                                              if r.get("nightly_s") else "")),
        ("errors", lambda r: f"{r['all']['errors']:,}"),
        ("logged in (login took)", lambda r: f"{r['logged_in']}/{r['users']} ({r['login_s']:.0f} s)"),
        ("server peak MB per process", lambda r: f"{r['server_peak_mb']:,.0f}"),
        ("load generator cores", lambda r: f"{r['client_cores']:.2f}"),
        ("load average after", lambda r: f"{r['load_avg']:.1f}"),
    ]
    for label, cell in rows:
        print(f"| {label} | " + " | ".join(cell(r) for r in results) + " |", file=out)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an imported register (JIUYE_DATABASE_URL)")
    parser.add_argument("--var-dir", default=str(ROOT / "var" / "bench" / "var"),
                        help="JIUYE_VAR_DIR of the import (its secret and field keys)")
    parser.add_argument("--scenarios", default=SCENARIOS,
                        help="comma-separated USERSxTHINK: community workers and their mean pause in seconds")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2, help="server processes (gunicorn workers)")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument("--start", choices=sorted(START), default="stale",
                        help="the page cache at the start of each scenario: stale (every page out of date, as after "
                             "an import, nothing prepared), import (stale, with the preparation an import starts "
                             "running beside the load), nightly (after the nightly run, as on a normal morning), asis")
    parser.add_argument("--first-views", type=int, default=0, metavar="N",
                        help="also: the first view of the day and the next of every page, one worker at a time, "
                             "N communities")
    parser.add_argument("--json", help="also write every scenario's figures to this file")
    args = parser.parse_args(argv)
    scenarios = parse_scenarios(args.scenarios)
    env = {**os.environ, "JIUYE_DATABASE_URL": args.database_url, "JIUYE_VAR_DIR": args.var_dir}
    most = max([users for users, _ in scenarios] + [args.first_views])
    out = subprocess.run([sys.executable, "-m", "bench.step", "load-prepare", str(most)], env=env, cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    plan = json.loads(out.stdout.strip().splitlines()[-1])
    collect_static(env)
    results = []
    started = time.strftime("%Y-%m-%d %H:%M")
    for users, think in scenarios:
        print(f"[{time.strftime('%H:%M:%S')}] {users} users, think {think:g} s, {args.workers} workers × "
              f"{args.threads} threads", file=sys.stderr, flush=True)
        figures = run_load(env, plan, seconds=args.seconds, warmup=args.warmup, workers=args.workers, think=think,
                           threads=args.threads, users=users, start=args.start)
        results.append(figures)
        a = figures["all"]
        print(f"\n{figures['logged_in']}/{figures['users']} workers logged in, think {think:g} s; {a['requests']} "
              f"requests in {args.seconds:.0f} s ({a['per_s']:.1f}/s), p50 {a['p50']:.1f} ms, p95 {a['p95']:.1f} ms, "
              f"p99 {a['p99']:.1f} ms, {a['errors']} errors; server peak {figures['server_peak_mb']:.0f} MB per "
              f"process; load generator CPU {figures['client_cpu_s']:.1f} s")
        print_kinds(figures)
        for error in figures["login_errors"]:
            print(f"  login: {error}")
    print_summary(results)
    if args.first_views:
        views = first_views(env, plan, communities=args.first_views, workers=args.workers, threads=args.threads,
                            start="stale" if args.start == "asis" else args.start)
        print_first_views(views)
        results.append({"first_views": views})
    print(f"\nStarted {started}; jiuye serve, {args.workers} workers × {args.threads} threads, JIUYE_DEBUG=0; "
          f"{os.cpu_count()} CPUs. Command: python -m bench.load {' '.join(sys.argv[1:] if argv is None else argv)}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
