"""A background job in a process of its own (without a broker): never in the web server's.

``job_process_start`` (called by ``services.job_start`` once the job is committed) starts
``python -m jiuye job run ID`` detached, in a session of its own, through a launcher that exits
at once, so that the web server has no child to wait for. That process (``job_process_run``)
forks the worker that does the job under ``ProcessLimits`` and watches it: a worker that was
killed (by the kernel's out-of-memory killer, an operator) or is over its time fails the job at
once, with the reason. If the whole session dies (a reboot), the job's heartbeat stops and the
next look at the jobs fails it (``services.jobs_stopped_fail``).
"""

import logging
import os
import resource
import signal
import subprocess
import sys
import time

from django.conf import settings

from jiuye.tasks.models import Job, JobFailure
from jiuye.tasks.runner import KILL_GRACE_SECONDS, JobTimeLimit, job_abandon, job_run

logger = logging.getLogger(__name__)


LAUNCHER = (
    "import subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], start_new_session=True, stdin=subprocess.DEVNULL,"
    " stdout=subprocess.DEVNULL)\n"
    "print(p.pid)\n"
)


def job_process_start(job_id: int) -> int:
    """Start the job's process (detached, its own session); returns its pid. It inherits the
    environment, the working directory and standard error (its log lines go where the web
    server's go)."""
    command = [sys.executable, "-m", "jiuye", "job", "run", str(job_id)]
    launched = subprocess.run([sys.executable, "-c", LAUNCHER, *command], stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, text=True, timeout=60, check=True)
    return int(launched.stdout.strip())


class ProcessLimits:
    """Memory and time for the work of a job in a process of its own (a ``with`` block).

    Memory: the soft ``RLIMIT_DATA`` of the process (its heap and other private memory), so an
    allocation past it raises ``MemoryError``; the limit is lifted when the block ends, so that
    the failure can be recorded. Time: ``SIGALRM`` raises ``JobTimeLimit`` in the job.
    """

    def __init__(self, *, memory_mb: int | None, seconds: float | None):
        self.memory_mb, self.seconds = memory_mb or None, seconds or None
        self._saved_rlimit = self._saved_handler = None

    def __enter__(self):
        if self.memory_mb:
            soft, hard = self._saved_rlimit = resource.getrlimit(resource.RLIMIT_DATA)
            limit = self.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_DATA, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
        if self.seconds:
            self._saved_handler = signal.signal(signal.SIGALRM, _time_is_up)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc) -> None:
        if self.seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._saved_handler or signal.SIG_DFL)
        if self.memory_mb:
            resource.setrlimit(resource.RLIMIT_DATA, self._saved_rlimit)


def _time_is_up(signum, frame):
    raise JobTimeLimit


def job_process_run(job_id: int) -> int:
    """The ``jiuye job run ID`` process: fork the worker, wait for it, and fail the job if the
    worker ended without recording its end. Returns the exit status (0: the worker ended normally)."""
    from django.db import connections

    connections.close_all()  # the worker opens its own
    memory, seconds = settings.JIUYE_JOB_MEMORY_MB, settings.JIUYE_JOB_TIME_LIMIT
    pid = os.fork()
    if pid == 0:  # the worker
        code = 1
        try:
            job_run(job_id, limits=ProcessLimits(memory_mb=memory, seconds=seconds))
            code = 0
        except BaseException:  # noqa: BLE001 - logged; the supervisor records the end
            logger.exception("background job %s: its worker failed", job_id)
        finally:
            logging.shutdown()
            os._exit(code)
    deadline = time.monotonic() + (seconds + KILL_GRACE_SECONDS if seconds else float("inf"))
    killed = False
    while True:
        ended, status = os.waitpid(pid, os.WNOHANG)
        if ended:
            break
        if not killed and time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            killed = True
        time.sleep(0.25)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return 0
    how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit status {os.WEXITSTATUS(status)}"
    logger.error("background job %s: its worker process %s ended by %s", job_id, pid, how)
    job = Job.objects.filter(pk=job_id).first()
    if job is not None and not job.finished:
        job_abandon(job, JobFailure.TIME if killed else JobFailure.STOPPED, limit=seconds if killed else None)
    return 1
