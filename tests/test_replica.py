"""Read replica (jiuye/dbrouters.py): with JIUYE_REPLICA_URL set, the dashboards and the public
notice board read from the ``replica`` database; every write and every other page stay on
``default``; a replica that lags beyond JIUYE_REPLICA_MAX_LAG_SECONDS or does not answer is not
read.

The first tests use Django's test mirror of ``default`` as the replica (the same database under a
second connection), so which connection ran a query is what tells them apart. The last two start
a PostgreSQL primary and a streaming standby of their own (initdb, ``pg_basebackup -R``, private
loopback ports, as the postgres user) and drive the pages in processes configured for them
(``tests/replica_probe.py``): they run when the suite runs on PostgreSQL, and fail rather than
skip without PostgreSQL's server binaries when ``JIUYE_REQUIRE_POSTGRES=1`` (CI)."""

import datetime as dt
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from jiuye.accounts.models import User
from jiuye.accounts.services import user_add
from jiuye.registry import models as m
from jiuye.standards.models import EvaluationSnapshot
from tests.conftest import EXAMPLE

ROOT = Path(__file__).resolve().parents[1]
D = dt.date(2026, 6, 30)
PASSWORD = "Gongzuo-2026!x"
COMMUNITY = "500103001002"


def _add_replica_alias() -> None:
    """What settings do for JIUYE_REPLICA_URL, for this module: a ``replica`` alias that is a
    test mirror of ``default``. It is added at import, before the test databases are set up."""
    if "replica" in connections:
        return
    default = connections["default"].settings_dict
    connections.settings["replica"] = {**default, "TEST": {**default["TEST"], "MIRROR": "default"}}


_add_replica_alias()
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def register(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    user_add(username="city", role="city", scope_code="500000", password=PASSWORD)
    user_add(username="yi", role="community", scope_code=COMMUNITY, password=PASSWORD)


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_ROUTERS = ["jiuye.dbrouters.ReplicaRouter"]


def _get(client, url):
    """The page, and the SQL each connection ran for it."""
    with CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as replica:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, [q["sql"] for q in primary], [q["sql"] for q in replica]


def _reads_of(queries, table):
    return [q for q in queries if re.match(r"\s*SELECT", q, re.I) and table in q]


SNAPSHOTS = EvaluationSnapshot._meta.db_table
PERSONS = m.Person._meta.db_table


@time_machine.travel(D)
def test_dashboard_reads_go_to_the_replica_and_its_write_to_default(client, register, replica_on):
    client.force_login(User.objects.get(username="city"))
    response, primary, replica = _get(client, "/dashboard/")
    assert response.context["data"]["summary"]["evaluated"] == 3  # the worked example's communities
    # The month's evaluation is saved first, on default (the check for it and the insert) …
    assert any(q.lstrip().upper().startswith("INSERT") and SNAPSHOTS in q for q in primary)
    assert not any(q.lstrip().upper().startswith("INSERT") for q in replica)
    # … and the dashboard's figures are read from the replica: the saved JSON and the division names.
    assert _reads_of(replica, SNAPSHOTS)
    assert any("communities" in q for q in _reads_of(replica, SNAPSHOTS))
    assert not any("communities" in q for q in _reads_of(primary, SNAPSHOTS))

    # Once saved, a second look reads the snapshots from the replica only.
    _, primary, replica = _get(client, "/dashboard/")
    assert len(_reads_of(replica, SNAPSHOTS)) > len(_reads_of(primary, SNAPSHOTS))


@time_machine.travel(D)
def test_notice_board_reads_the_register_from_the_replica(client, register, replica_on):
    response, primary, replica = _get(client, f"/notice/{COMMUNITY}/")
    assert response.context["board"]["counts"]["labour_force"] == 6
    assert _reads_of(replica, PERSONS)
    assert not _reads_of(primary, PERSONS)


@time_machine.travel(D)
def test_other_pages_stay_on_default(client, register, replica_on):
    client.force_login(User.objects.get(username="yi"))
    person = m.Person.objects.filter(household__community__code=COMMUNITY).first()
    _, primary, replica = _get(client, f"/people/{person.pk}/")
    assert _reads_of(primary, PERSONS) and replica == []


@time_machine.travel(D)
def test_without_a_replica_everything_reads_default(client, register):
    client.force_login(User.objects.get(username="city"))
    _, primary, replica = _get(client, "/dashboard/")
    _, primary_board, replica_board = _get(client, f"/notice/{COMMUNITY}/")
    assert replica == [] and replica_board == []
    assert _reads_of(primary, SNAPSHOTS) and _reads_of(primary_board, PERSONS)


@time_machine.travel(D)
def test_a_replica_that_lags_or_does_not_answer_is_not_read(client, register, replica_on, monkeypatch, settings):
    """The router asks the replica how far behind it is on entering a replica block; beyond the
    setting, or unreachable, the block reads default, and the replica is left alone for a while."""
    from jiuye import dbrouters

    monkeypatch.setattr(dbrouters._Health, "unusable_until", 0.0)
    settings.JIUYE_REPLICA_RETRY_SECONDS = 3600
    asked = []
    monkeypatch.setattr(dbrouters, "replica_lag", lambda: asked.append(1) or (False, 95.0, "95.0 s behind"))
    response, primary, replica = _get(client, f"/notice/{COMMUNITY}/")
    assert response.context["board"]["counts"]["labour_force"] == 6
    assert _reads_of(primary, PERSONS) and not _reads_of(replica, PERSONS)
    _get(client, f"/notice/{COMMUNITY}/")
    assert asked == [1]  # not asked again within JIUYE_REPLICA_RETRY_SECONDS

    monkeypatch.setattr(dbrouters._Health, "unusable_until", 0.0)
    monkeypatch.setattr(dbrouters, "replica_lag", lambda: (True, 0.2, ""))
    _, primary, replica = _get(client, f"/notice/{COMMUNITY}/")
    assert _reads_of(replica, PERSONS) and not _reads_of(primary, PERSONS)


# -- a real primary and streaming standby ---------------------------------------------------------


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found or not found[-1]:
        if os.environ.get("JIUYE_REQUIRE_POSTGRES") == "1":  # CI: this test must run
            pytest.fail(f"{name} not installed (PostgreSQL server binaries are needed)")
        pytest.skip(f"{name} not installed")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A private PostgreSQL server in a temporary directory, on its own loopback port (run as the
    postgres user when root, as tests/test_faults.py does)."""

    def __init__(self, root: Path, name: str):
        self.data = root / name
        self.port = _free_port()
        self.socket_dir = root / f"{name}-sock"
        self.socket_dir.mkdir()
        self.log = root / f"{name}.log"
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.prefix:
            shutil.chown(self.socket_dir, "postgres")

    def run(self, *args):
        done = subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, f"{' '.join(args)}: {done.stderr[-2000:]}"

    def ctl(self, action, *extra):
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60",
                 *extra, action)

    def url(self, db="jiuye"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def sql(self, statement, db="jiuye"):
        with psycopg.connect(self.url(db), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement)
            row = cursor.fetchone() if cursor.description else None
            return row[0] if row else None


def _jiuye(env, *args, stdin=None):
    done = subprocess.run([sys.executable, "-m", "jiuye", *args], env=env, cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"jiuye {' '.join(args)}: {done.stderr[-3000:]}"
    return done.stdout


def _probe(env, *args, **settings) -> dict:
    """tests/replica_probe.py in a fresh process (a fresh router: nothing remembered)."""
    extra = {f"JIUYE_{k.upper()}": str(v) for k, v in settings.items()}
    done = subprocess.run([sys.executable, "-m", "tests.replica_probe", *args], env={**env, **extra}, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _caught_up(primary: Cluster, standby: Cluster, timeout: float = 60) -> None:
    target = primary.sql("SELECT pg_current_wal_lsn()::text")
    deadline = time.monotonic() + timeout
    while standby.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn") is not True:
        assert time.monotonic() < deadline, "the standby did not catch up"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def standby_pair(tmp_path_factory):
    """A PostgreSQL primary with the worked example, and a streaming standby of it made with
    ``pg_basebackup -R``, both private; yields (primary, standby, env for jiuye processes)."""
    if connection.vendor != "postgresql":
        pytest.skip("the streaming standby is tested when the suite runs on PostgreSQL")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("runuser is needed to start PostgreSQL as root")
    if not EXAMPLE.exists():
        pytest.skip("../shared/spec/examples/basic not found beside the checkout")
    root = Path(tempfile.mkdtemp(prefix="jiuye-standby-"))  # not pytest's tree: the postgres user enters it
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    primary, standby = Cluster(root, "primary"), Cluster(root, "standby")
    started = []
    try:
        primary.run(_pg_bin("initdb"), "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8")
        primary.ctl("start")
        started.append(primary)
        primary.sql('CREATE DATABASE "jiuye"', db="postgres")
        env = {**os.environ, "JIUYE_DATABASE_URL": primary.url(), "JIUYE_REPLICA_URL": standby.url(),
               "JIUYE_VAR_DIR": str(tmp_path_factory.mktemp("var")), "JIUYE_FIELD_KEY": "standby-test-key",
               "JIUYE_SECRET_KEY": "standby-test-secret", "JIUYE_DEBUG": "0", "JIUYE_OTP_REQUIRED_ROLES": "",
               "JIUYE_ALLOWED_HOSTS": "testserver,127.0.0.1", "PYTHONPATH": str(ROOT)}
        for name in ("JIUYE_BROKER_URL", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        _jiuye({**env, "JIUYE_REPLICA_URL": ""}, "migrate", "--no-input", "-v", "0")
        _jiuye({**env, "JIUYE_REPLICA_URL": ""}, "import", str(EXAMPLE))
        _probe({**env, "JIUYE_REPLICA_URL": ""}, "setup")
        standby.run(_pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
                    "-D", str(standby.data), "-R", "-X", "stream", "-c", "fast")
        standby.ctl("start")
        started.append(standby)
        assert standby.sql("SELECT pg_is_in_recovery()") is True
        _caught_up(primary, standby)
        yield primary, standby, env
    finally:
        for cluster in reversed(started):
            try:
                cluster.ctl("stop", "-m", "immediate")
            except AssertionError:
                pass  # already stopped by the test
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
def test_a_streaming_standby_serves_the_dashboards_and_the_notice_board(standby_pair):
    primary, standby, env = standby_pair
    # The first look saves the month's evaluation: a write, on the primary only (the standby is
    # read-only and would refuse it).
    first = _probe(env, "pages")
    assert first["dashboard"]["status"] == 200 and first["dashboard"]["default"]["writes"] >= 1
    assert all(page["replica"]["writes"] == 0 for page in first.values())
    _caught_up(primary, standby)

    seen = _probe(env, "pages")
    dashboard, notice, person = seen["dashboard"], seen["notice"], seen["person"]
    assert dashboard["status"] == notice["status"] == person["status"] == 200
    # The dashboard's figures (saved evaluations) and the board's register counts come from the
    # standby (the check that this month's evaluation is saved stays on the primary) ...
    assert "figures" in dashboard["replica"]["reads"] and "figures" not in dashboard["default"]["reads"]
    assert "person" in notice["replica"]["reads"] and "person" not in notice["default"]["reads"]
    assert dashboard["replica"]["lag_checks"] == notice["replica"]["lag_checks"] == 1
    # ... every other page from the primary alone.
    assert "person" in person["default"]["reads"] and person["replica"]["statements"] == 0
    assert person["replica"]["lag_checks"] == 0

    # A write made inside a replica block still goes to the primary.
    renamed = _probe(env, "rename", "岭路新社区")
    assert renamed["updated"] == 1 and renamed["default"]["writes"] == 1 and renamed["replica"]["writes"] == 0
    _caught_up(primary, standby)
    assert "岭路新社区" in _probe(env, "pages")["notice"]["body"]


@pytest.mark.slow
def test_a_lagging_or_stopped_standby_falls_back_to_the_primary_without_an_error(standby_pair):
    primary, standby, env = standby_pair
    _caught_up(primary, standby)
    old = standby.sql(f"SELECT name FROM divisions_division WHERE code = '{COMMUNITY}'")
    standby.sql("SELECT pg_wal_replay_pause()")
    try:
        assert _probe(env, "rename", "新名字社区")["updated"] == 1  # on the primary; the standby does not replay it
        time.sleep(2.5)
        # Within a generous limit the standby is still read, and shows the old name: it is behind.
        behind = _probe(env, "pages", replica_max_lag_seconds=3600)["notice"]
        assert behind["status"] == 200 and "person" in behind["replica"]["reads"]
        assert old in behind["body"] and "新名字社区" not in behind["body"]
        # Beyond the limit (1 s here; JIUYE_REPLICA_MAX_LAG_SECONDS) the pages read the primary.
        lagging = _probe(env, "pages", replica_max_lag_seconds=1)
        for name in ("dashboard", "notice"):
            assert lagging[name]["status"] == 200 and lagging[name]["replica"]["statements"] == 0, name
        # The dashboard's block asked the standby; the board's, a moment later, did not ask again
        # (JIUYE_REPLICA_RETRY_SECONDS).
        assert lagging["dashboard"]["replica"]["lag_checks"] == 1 and lagging["notice"]["replica"]["lag_checks"] == 0
        assert "person" in lagging["notice"]["default"]["reads"] and "新名字社区" in lagging["notice"]["body"]
        assert "figures" in lagging["dashboard"]["default"]["reads"]
    finally:
        standby.sql("SELECT pg_wal_replay_resume()")

    standby.ctl("stop", "-m", "fast")
    try:
        stopped = _probe(env, "pages")
        for name in ("dashboard", "notice", "person"):
            assert stopped[name]["status"] == 200, (name, stopped[name]["body"][:500])
            assert stopped[name]["replica"]["statements"] == 0, name
        assert "person" in stopped["notice"]["default"]["reads"] and "新名字社区" in stopped["notice"]["body"]
        assert "figures" in stopped["dashboard"]["default"]["reads"]
    finally:
        standby.ctl("start")
    # Back and caught up, it is read again.
    _caught_up(primary, standby)
    back = _probe(env, "pages")["notice"]
    assert "person" in back["replica"]["reads"] and "新名字社区" in back["body"]
