"""Nothing lost under faults (issue 7): a killed import, a restarted database.

Both tests drive real processes (`jiuye import`, `jiuye runserver`) against a database
of their own: a scratch SQLite file or a scratch PostgreSQL database on the server the
suite runs on, and for the restart a private PostgreSQL cluster started with initdb and
pg_ctl (never the machine's shared server).
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import EXAMPLE

pytestmark = [pytest.mark.slow]

JIUYE = str(Path(sys.executable).with_name("jiuye"))


def _env(database_url: str, var_dir: Path) -> dict:
    env = {**os.environ, "JIUYE_DATABASE_URL": database_url, "JIUYE_VAR_DIR": str(var_dir),
           "JIUYE_FIELD_KEY": "fault-test-key", "JIUYE_SECRET_KEY": "fault-test-secret",
           "JIUYE_DEBUG": "0", "JIUYE_ALLOWED_HOSTS": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}
    env.pop("JIUYE_BROKER_URL", None)
    return env


def _run(env, *args, check=True, timeout=600):
    result = subprocess.run([JIUYE, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"jiuye {' '.join(args)} exited {result.returncode}: {result.stderr[-2000:]}")
    return result


@pytest.fixture
def scratch_database(tmp_path):
    """A database URL of the kind the suite runs on, migrated, and dropped afterwards."""
    if connection.vendor == "postgresql":
        admin = settings.DATABASES["default"]
        name = f"jiuye_fault_{uuid.uuid4().hex[:8]}"
        dsn = dict(host=admin["HOST"] or "127.0.0.1", port=admin["PORT"] or 5432, user=admin["USER"],
                   password=admin["PASSWORD"] or None, dbname="postgres", autocommit=True)
        with psycopg.connect(**dsn) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        password = f":{admin['PASSWORD']}" if admin["PASSWORD"] else ""
        url = f"postgres://{admin['USER']}{password}@{dsn['host']}:{dsn['port']}/{name}"
        yield url
        with psycopg.connect(**dsn) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'fault.sqlite3'}"


def _fingerprint(env) -> str:
    """A digest of every row of every jiuye table, as stored."""
    code = (
        "from django.apps import apps; from django.db import connection; import hashlib\n"
        "h = hashlib.sha256()\n"
        "for model in sorted(apps.get_models(), key=lambda m: m._meta.db_table):\n"
        "    if not model.__module__.startswith('jiuye.'): continue\n"
        "    t = connection.ops.quote_name(model._meta.db_table)\n"
        "    with connection.cursor() as c:\n"
        "        c.execute(f'SELECT * FROM {t} ORDER BY 1')\n"
        "        rows = c.fetchall()\n"
        "    h.update(f'{t}:{len(rows)}:{rows!r}'.encode())\n"
        "print(h.hexdigest())\n"
    )
    return _run(env, "shell", "-c", code).stdout.strip()


def test_a_killed_import_leaves_the_database_exactly_as_before(tmp_path, scratch_database):
    env = _env(scratch_database, tmp_path / "var")
    _run(env, "migrate", "--no-input")
    _run(env, "import", str(EXAMPLE))
    before = _fingerprint(env)
    big = tmp_path / "big"
    _run(env, "generate", str(big), "--communities", "30", "--persons-per-community", "2000", "--seed", "7")

    progress = ["--progress"] if "--progress" in _run(env, "import", "--help").stdout else []
    process = subprocess.Popen([JIUYE, "import", str(big), *progress], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    # Kill it once it is writing: its progress names a table being written.
    seen = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        if "人员:" in line or "就业状态:" in line:
            break
    assert process.poll() is None, "the import ended before it could be killed: " + "".join(seen[-5:])
    time.sleep(1.0)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert _fingerprint(env) == before
    # and the database takes the same import afterwards
    assert "导入完成" in _run(env, "import", str(EXAMPLE)).stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found or not found[-1]:
        if os.environ.get("JIUYE_REQUIRE_POSTGRES") == "1":  # CI: the restart test must run
            pytest.fail(f"{name} not installed (PostgreSQL server binaries are needed)")
        pytest.skip(f"{name} not installed")
    return found[-1]


class PrivateCluster:
    """A throw-away PostgreSQL cluster in a temporary directory (run as the postgres user when root)."""

    def __init__(self, root: Path):
        self.data = root / "pgdata"
        self.port = _free_port()
        self.socket_dir = root / "sock"
        self.socket_dir.mkdir()
        self.prefix = []
        if os.geteuid() == 0:
            self.prefix = ["runuser", "-u", "postgres", "--"]
            shutil.chown(root, "postgres")
            shutil.chown(self.socket_dir, "postgres")
        self.log = root / "pg.log"

    def run(self, *args):
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, timeout=120)

    def init(self):
        self.run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8")
        self.ctl("start")

    def ctl(self, action, *extra):
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60",
                 *extra, action)

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return 0


def test_the_application_serves_again_after_postgresql_restarts_under_load(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL restart is tested when the suite runs on PostgreSQL")
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("runuser is needed to start PostgreSQL as root")
    # Outside pytest's private temporary tree, which the postgres user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="jiuye-pg-"))
    cluster = PrivateCluster(root)
    cluster.init()
    server = None
    try:
        env = _env(cluster.url, tmp_path / "var")
        _run(env, "migrate", "--no-input")
        _run(env, "import", str(EXAMPLE))
        port = _free_port()
        server_log = root / "server.log"
        # The production server, whose threads keep their database connections between requests:
        # each one must notice that its connection died with the restart and open another.
        server = subprocess.Popen([JIUYE, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "8"],
                                  env={**env, "JIUYE_LOG_LEVEL": "WARNING", "JIUYE_ACCESS_LOG": ""},
                                  stdout=subprocess.DEVNULL, stderr=server_log.open("w"), start_new_session=True)
        page = f"http://127.0.0.1:{port}/notice/500103001001/"
        deadline = time.monotonic() + 60
        while _get(page) != 200:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)

        statuses, stop = [], threading.Event()

        def load():
            while not stop.is_set():
                started = time.monotonic()
                status = _get(page)
                statuses.append((started, time.monotonic(), status))

        threads = [threading.Thread(target=load) for _ in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        restarted_at = time.monotonic()
        cluster.ctl("restart", "-m", "fast")
        back_at = time.monotonic()
        time.sleep(3)
        stop.set()
        for thread in threads:
            thread.join()

        assert server.poll() is None, "the application process died"
        before = [s for _, end, s in statuses if end < restarted_at]
        after = [s for start, _, s in statuses if start > back_at + 1]
        log = server_log.read_text()[-3000:]
        assert before and set(before) == {200}, log
        assert after and set(after) == {200}, f"not serving again after the restart: {set(after)}"
        during = {s for start, end, s in statuses if end >= restarted_at and start <= back_at + 1}
        assert during <= {200, 503}, f"a restart must give 503 (retry), not {during}"
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        cluster.ctl("stop", "-m", "immediate")
        shutil.rmtree(root, ignore_errors=True)


def test_the_fingerprint_sees_a_change(tmp_path, scratch_database):
    """The fingerprint used above is not blind: one changed row changes it."""
    env = _env(scratch_database, tmp_path / "var")
    _run(env, "migrate", "--no-input")
    _run(env, "import", str(EXAMPLE))
    before = _fingerprint(env)
    _run(env, "shell", "-c", "from jiuye.registry.models import Household as H; "
                             "H.objects.filter(pk=H.objects.first().pk).update(address='x')")
    assert _fingerprint(env) != before
