"""Progress of a background job: live in a cache for the browser (the CLI's progress line is
``jiuye.exchange.progress.ProgressLine``).

The live progress of a job is kept in the ``progress`` cache (Redis when one is
configured, else files under ``VAR_DIR``), never in the database: an import writes
everything in one transaction, and on SQLite that transaction holds the only write
lock, so a progress row could not be written (and on PostgreSQL it would not be seen)
before the import ends. The cache needs no database at all.
"""

from django.core.cache import caches

CACHE = "progress"
TIMEOUT = 7 * 24 * 3600


def _key(job_id: int) -> str:
    return f"job:{job_id}:progress"


def progress_read(job_id: int) -> dict | None:
    """``{"message", "done", "total"}`` as last reported by the running job, or None."""
    return caches[CACHE].get(_key(job_id))


def progress_clear(job_id: int) -> None:
    caches[CACHE].delete(_key(job_id))


class JobProgress:
    """The ``progress(message, done=None, total=None)`` callback a job's work reports to."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = {"message": "", "done": 0, "total": None}

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        self.last = {"message": message, "done": self.last["done"] if done is None else done,
                     "total": self.last["total"] if done is None else total}
        caches[CACHE].set(_key(self.job_id), self.last, TIMEOUT)
