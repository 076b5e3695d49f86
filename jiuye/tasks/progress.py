"""Progress of long work: live in a cache for the browser, one line on a terminal for the CLI.

The live progress of a job is kept in the ``progress`` cache (Redis when one is
configured, else files under ``VAR_DIR``), never in the database: an import writes
everything in one transaction, and on SQLite that transaction holds the only write
lock, so a progress row could not be written (and on PostgreSQL it would not be seen)
before the import ends. The cache needs no database at all.
"""

import unicodedata

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


def percent(done: int | None, total: int | None) -> int | None:
    if not total:
        return None
    return max(0, min(100, (done or 0) * 100 // total))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class ProgressLine:
    """For the CLI: one line on stderr rewritten in place (``\\r人员: 400000/1000000 (… 40%)``).

    ``enabled`` (stderr is a terminal, or ``--progress``): steps with numbers rewrite
    the line. Otherwise only the steps without numbers are written, one line each,
    as the commands always did.
    """

    def __init__(self, stream, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.width = 0

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None:
        if not self.enabled:
            if done is None:
                self.stream.write(message)
            return
        share = percent(done, total)
        text = message if share is None else f"{message} (总计 / total {share}%)"
        pad = max(0, self.width - _width(text))
        self.width = _width(text)
        self.stream.write("\r" + text + " " * pad, style_func=lambda s: s, ending="")
        self.stream.flush()

    def end(self) -> None:
        """Finish the line (before anything else is written to the stream)."""
        if self.width:
            self.stream.write("", style_func=lambda s: s)
            self.width = 0
