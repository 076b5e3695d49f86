"""Starting background jobs, never in the web server's process, and failing those whose process died.

``job_start`` records the job and, once the row is committed, hands it to a Celery worker
(``JIUYE_BROKER_URL``) or, without a broker, to a process of its own
(``jiuye.tasks.process``). With ``JIUYE_JOB_PROCESS=0`` (the tests) Celery's eager mode runs it
at once in this process. What runs the job is ``jiuye.tasks.runner.job_run``.

``jobs_stopped_fail`` fails the jobs whose process is gone (no heartbeat): the job pages call
it whenever they read jobs, and so does the scheduler (``jiuye.jobs_watch``, ``jiuye job watch``).
"""

import contextlib
import logging
import subprocess
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection, transaction
from django.utils.text import get_valid_filename

from jiuye.audit.services import audit_event_record
from jiuye.tasks.models import Job, JobFailure, JobKind, JobState
from jiuye.tasks.progress import heartbeat_read, progress_clear
from jiuye.tasks.runner import job_abandon, job_dir

logger = logging.getLogger(__name__)

UPLOAD_SUFFIXES = (".csv", ".xlsx")


def _scope(user) -> str:
    from jiuye.registry.scoping import scope_prefix

    prefix = scope_prefix(user)
    if prefix is None:
        raise PermissionDenied
    return prefix


def job_start(*, user, kind: str, params: dict | None = None, files=()) -> Job:
    """Record a job for ``user`` (None: a scheduled job) and send it to the worker.

    Imports and exports are limited to the user's scope (``params["scope"]``, a
    community-code prefix); ``files`` are the uploaded input of an import.
    """
    params = dict(params or {})
    if kind == JobKind.IMPORT and not files:
        raise ValueError("请选择要导入的文件 / no file to import")
    if kind in (JobKind.IMPORT, JobKind.EXPORT):
        params["scope"] = _scope(user)
    division = (user.scope_code or "") if user is not None else ""
    with transaction.atomic():
        job = Job.objects.create(kind=kind, user=user, division_code=division, params=params)
        progress_clear(job.pk)  # nothing left from an earlier job of this number (a restored database)
        names = []
        if files:
            folder = job_dir(job) / "input"
            folder.mkdir(parents=True, exist_ok=True)
            for upload in files:
                name = get_valid_filename(Path(upload.name).name)
                if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
                    raise ValueError(f"只能上传 CSV 或 .xlsx 文件 / only CSV or .xlsx files: {name}")
                with (folder / name).open("wb") as fh:
                    for chunk in upload.chunks():
                        fh.write(chunk)
                names.append(name)
            xlsx = [n for n in names if n.lower().endswith(".xlsx")]
            job.params["input"] = str(folder / xlsx[0]) if xlsx else str(folder)
            job.save(update_fields=["params"])
        audit_event_record(user=user, action=f"job.{kind}.start", target=f"job:{job.pk}", division_code=division,
                           detail={"files": names, **{k: v for k, v in params.items() if k != "input"}})
    transaction.on_commit(lambda: _send(job.pk))
    return job


def _in_own_process() -> bool:
    """Without a broker, each job runs in a process of its own (unless JIUYE_JOB_PROCESS=0)."""
    return settings.CELERY_TASK_ALWAYS_EAGER and settings.JIUYE_JOB_PROCESS


def _send(job_id: int) -> None:
    if _in_own_process():
        from jiuye.tasks.process import job_process_start

        try:
            job_process_start(job_id)
        except (OSError, ValueError, subprocess.SubprocessError):
            logger.exception("background job %s: its process could not be started", job_id)
            job_abandon(Job.objects.get(pk=job_id), JobFailure.STOPPED)
        return
    from jiuye.tasks.tasks import job_run_task

    job_run_task.delay(job_id)


def _stopped(job: Job, now: float) -> str | None:
    """Why ``job``'s process is taken for gone (a failure code), or None while it may be alive."""
    if job.state == JobState.RUNNING:
        since = (job.started_at or job.created_at).timestamp()
    elif job.state == JobState.QUEUED and _in_own_process():
        since = job.created_at.timestamp()  # its process should have started within seconds
    else:
        return None  # finished, or queued for a Celery worker (which may be busy)
    last = heartbeat_read(job.pk) or since
    if now - last <= settings.JIUYE_JOB_STALE_SECONDS:
        return None
    ran = now - since
    return JobFailure.TIME if job.state == JobState.RUNNING and ran >= settings.JIUYE_JOB_TIME_LIMIT else \
        JobFailure.STOPPED


@contextlib.contextmanager
def _brief_lock_wait():
    """On SQLite, wait at most a moment for the write lock (an import may hold it for minutes):
    a page must not hang on it. PostgreSQL locks only the job's row, which nobody holds."""
    if connection.vendor != "sqlite":
        yield
        return
    usual = int(float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5)) * 1000)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 250")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {usual}")


def jobs_stopped_fail(jobs=None) -> list[Job]:
    """Fail the unfinished jobs (``jobs``, or all) whose process is gone: running, or (without
    a broker) queued, with no heartbeat for ``JIUYE_JOB_STALE_SECONDS``. Returns them, failed
    in memory; each is written unless the database is locked for longer than a moment (then the
    next look, or the scheduler, writes it)."""
    candidates = Job.objects.filter(state__in=(JobState.QUEUED, JobState.RUNNING)) if jobs is None else \
        [job for job in jobs if not job.finished]
    now, stopped = time.time(), []
    for job in candidates:
        failure = _stopped(job, now)
        if failure is None:
            continue
        limit = settings.JIUYE_JOB_TIME_LIMIT if failure == JobFailure.TIME else None
        try:
            with _brief_lock_wait():
                job_abandon(job, failure, limit=limit)
        except OperationalError:
            logger.info("background job %s: failing it waits for the database's write lock", job.pk)
        stopped.append(job)
    return stopped


def export_download_record(*, user, job: Job) -> None:
    audit_event_record(user=user, action="job.export.download", target=f"job:{job.pk}",
                       division_code=job.division_code, detail={"masked": job.result.get("masked", False)})
