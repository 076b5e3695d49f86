"""Read replica for the dashboards and the public notice board.

With ``JIUYE_REPLICA_URL`` set, settings add a ``replica`` database (a streaming replica
of the primary) and :class:`ReplicaRouter`. Reads made inside :func:`replica_reads` go
to the replica: the dashboard pages (``dashboards.dashboard_for_view``) and the notice
board use it; they read saved evaluations and counts, where a replica a few seconds
behind does no harm. Everything else, and every write, stays on ``default``; so does a
read inside a transaction on ``default`` (it must see its own writes). Unset, there is
no router and no replica, and :func:`read_connection` is ``default``.

Raw SQL of these reads goes through :func:`read_connection` instead of
``django.db.connection``.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections, router

REPLICA = "replica"
_replica_reads = ContextVar("jiuye_replica_reads", default=False)


@contextmanager
def replica_reads():
    """Within this block, reads go to the replica when one is configured."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def read_alias() -> str:
    if (_replica_reads.get() and REPLICA in connections and not connections[DEFAULT_DB_ALIAS].in_atomic_block
            and any(isinstance(r, ReplicaRouter) for r in router.routers)):
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
