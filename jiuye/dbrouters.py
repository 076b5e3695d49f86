"""Read replica for the dashboards and the public notice board.

With ``JIUYE_REPLICA_URL`` set, settings add a ``replica`` database (a PostgreSQL streaming
standby of the primary) and :class:`ReplicaRouter`. Reads made inside :func:`replica_reads` go
to the replica: the dashboard pages (``dashboards.dashboard_for_view``) and the notice board
use it; they read saved evaluations and counts, where a replica a few seconds behind does no
harm. Everything else, and every write, stays on ``default``; so does a read inside a
transaction on ``default`` (it must see its own writes). Unset, there is no router and no
replica, and :func:`read_connection` is ``default``.

A replica is only used while it answers and is not too far behind: on entering
:func:`replica_reads` the standby is asked how far its replay lags (seconds since the last
replayed transaction, 0 when it has replayed everything it received) and whether it still
receives from the primary. When it cannot be reached, has lost its primary, or lags more than
``JIUYE_REPLICA_MAX_LAG_SECONDS``, the block reads ``default`` instead, without an error; a
replica found unusable is not asked again for ``JIUYE_REPLICA_RETRY_SECONDS``. A replica that
is not a standby (another server's database, Django's test mirror, SQLite) is taken as it is.

Raw SQL of these reads goes through :func:`read_connection` instead of
``django.db.connection``.
"""

import logging
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router

REPLICA = "replica"
logger = logging.getLogger("jiuye.replica")
# The alias the current replica_reads() block reads from; None outside such a block.
_reads_from: ContextVar[str | None] = ContextVar("jiuye_replica_reads", default=None)

# On a standby: is it in recovery, is its WAL receiver running (it still streams from the primary;
# the view shows the receiver's pid to any user), and how far behind its replay is: 0 when it has
# replayed all it received, else the age of the last replayed transaction (none yet: very far).
LAG_SQL = (
    "SELECT pg_is_in_recovery(), "
    "EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL), "
    "CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 1e9) END"
)


class _Health:
    """Per process: until when a replica found unusable is left alone."""

    lock = threading.Lock()
    unusable_until = 0.0


def _configured() -> bool:
    return REPLICA in connections and any(isinstance(r, ReplicaRouter) for r in router.routers)


def replica_lag() -> tuple[bool, float | None, str]:
    """(usable, lag in seconds or None when not a standby, why not usable). Opens the replica's
    connection if needed; never raises for a database that does not answer."""
    connection = connections[REPLICA]
    if connection.vendor != "postgresql":
        return True, None, ""
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, receiving, lag = cursor.fetchone()
    except DatabaseError as exc:
        try:
            connection.close()
        except DatabaseError:
            pass
        sqlstate = getattr(exc.__cause__, "sqlstate", None) or "-"
        return False, None, f"unreachable ({type(exc).__name__}, SQLSTATE {sqlstate})"
    if not in_recovery:
        return True, None, ""
    lag = float(lag)
    if not receiving:
        return False, lag, "not receiving from its primary"
    limit = settings.JIUYE_REPLICA_MAX_LAG_SECONDS
    if lag > limit:
        return False, lag, f"{lag:.1f} s behind (limit {limit:g} s)"
    return True, lag, ""


def _replica_usable() -> bool:
    now = time.monotonic()
    if now < _Health.unusable_until:
        return False
    usable, _, why = replica_lag()
    if not usable:
        with _Health.lock:
            _Health.unusable_until = time.monotonic() + settings.JIUYE_REPLICA_RETRY_SECONDS
        logger.warning("read replica not used: %s; reading the primary", why)
    return usable


@contextmanager
def replica_reads():
    """Within this block, reads go to the replica when one is configured and usable."""
    if _reads_from.get() is not None:  # nested: the outer block has decided
        yield
        return
    alias = REPLICA if _configured() and _replica_usable() else DEFAULT_DB_ALIAS
    token = _reads_from.set(alias)
    try:
        yield
    finally:
        _reads_from.reset(token)


def read_alias() -> str:
    if _reads_from.get() == REPLICA and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return REPLICA
    return DEFAULT_DB_ALIAS


def read_connection():
    """The connection for raw-SQL reads: the replica inside ``replica_reads``, else default."""
    return connections[read_alias()]


class ReplicaRouter:
    """Installed by settings when ``JIUYE_REPLICA_URL`` is set."""

    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary
