#!/bin/sh
# Run every test: on SQLite, then on PostgreSQL when a server is reachable.
# JIUYE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) names the server;
# JIUYE_REQUIRE_POSTGRES=1 (set by CI) turns "no server" into a failure instead of a skip.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements-dev.lock
.venv/bin/python -m pip install -q --no-deps -e .
export JIUYE_VAR_DIR="${JIUYE_VAR_DIR:-$(mktemp -d)}"
# One process per core (pytest-xdist), a test file's tests together in one of them;
# JIUYE_TEST_PROCESSES=0 runs everything in this process.
PARALLEL="-n ${JIUYE_TEST_PROCESSES:-auto} --dist loadfile"

PG_URL=${JIUYE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
PG_UP=0
if .venv/bin/python -c "import sys, psycopg; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$PG_URL" 2>/dev/null; then
  PG_UP=1
fi

if [ "$PG_UP" = "1" ]; then
  # Tests marked pg_only (browser, office suite, PDF: no database changes their outcome) run
  # once, in the PostgreSQL pass below.
  echo "== tests on SQLite (pg_only tests in the PostgreSQL pass)"
  JIUYE_DATABASE_URL= .venv/bin/pytest $PARALLEL -m "not pg_only" "$@"
else
  echo "== tests on SQLite"
  JIUYE_DATABASE_URL= .venv/bin/pytest $PARALLEL "$@"
fi

if [ "$PG_UP" = "1" ]; then
  echo "== tests on PostgreSQL ($PG_URL)"
  # Test databases left behind by an interrupted run (or held by a stale session) are dropped first
  # (one per parallel process: test_test_gw0, test_test_gw1, ...).
  .venv/bin/python - "$PG_URL" <<'PY'
import sys
import psycopg

url = sys.argv[1]
name = "test_" + url.rsplit("/", 1)[1].split("?")[0]
with psycopg.connect(url, autocommit=True) as conn:
    rows = conn.execute("SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
                        [name, name + "\\_gw%"]).fetchall()
    for (found,) in rows:
        conn.execute(f'DROP DATABASE IF EXISTS "{found}" WITH (FORCE)')
PY
  JIUYE_DATABASE_URL=$PG_URL .venv/bin/pytest $PARALLEL "$@"
elif [ "${JIUYE_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "PostgreSQL is required but not reachable at $PG_URL" >&2
  exit 1
else
  echo "SKIPPED: PostgreSQL tests — no server reachable at $PG_URL (set JIUYE_TEST_POSTGRES_URL to run them)"
fi
