"""Progress of a background job: live in a cache for the browser (the CLI's progress line is
``jiuye.exchange.progress.ProgressLine``).

The live progress of a job is kept in the ``progress`` cache (Redis when one is
configured, else files under ``VAR_DIR``), never in the database: an import writes
everything in one transaction, and on SQLite that transaction holds the only write
lock, so a progress row could not be written (and on PostgreSQL it would not be seen)
before the import ends. The cache needs no database at all.

The same cache holds each running job's heartbeat: the time its process last said it was
alive (``heartbeat_beat``, every ``JIUYE_JOB_HEARTBEAT_SECONDS`` from a thread of the job's
process). A running job whose heartbeat stopped is one whose process died
(``jiuye.tasks.services.jobs_stopped_fail``).
"""

import threading
import time

from django.conf import settings
from django.core.cache import caches

CACHE = "progress"
TIMEOUT = 7 * 24 * 3600


def _key(job_id: int) -> str:
    return f"job:{job_id}:progress"


def progress_read(job_id: int) -> dict | None:
    """``{"message", "done", "total"}`` as last reported by the running job, or None."""
    return caches[CACHE].get(_key(job_id))


def progress_clear(job_id: int) -> None:
    caches[CACHE].delete_many([_key(job_id), _beat_key(job_id)])


def _beat_key(job_id: int) -> str:
    return f"job:{job_id}:heartbeat"


def heartbeat_read(job_id: int) -> float | None:
    """When the job's process last said it was alive (seconds since the epoch), or None."""
    return caches[CACHE].get(_beat_key(job_id))


def heartbeat_beat(job_id: int) -> None:
    caches[CACHE].set(_beat_key(job_id), time.time(), TIMEOUT)


class Heartbeat:
    """While the ``with`` block runs, a daemon thread beats for the job every
    ``JIUYE_JOB_HEARTBEAT_SECONDS``; it stops with the block (or with the process)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.interval = max(0.2, float(settings.JIUYE_JOB_HEARTBEAT_SECONDS))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                heartbeat_beat(self.job_id)
            except Exception:  # noqa: BLE001 - a missed beat is retried; the job goes on
                pass

    def __enter__(self):
        heartbeat_beat(self.job_id)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class JobProgress:
    """The ``progress(message, done=None, total=None)`` callback a job's work reports to."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = {"message": "", "done": 0, "total": None}

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        self.last = {"message": message, "done": self.last["done"] if done is None else done,
                     "total": self.last["total"] if done is None else total}
        caches[CACHE].set(_key(self.job_id), self.last, TIMEOUT)
