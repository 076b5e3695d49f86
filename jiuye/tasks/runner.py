"""Running background jobs: what the worker (or, without a broker, the job's own process) does.

``job_run`` marks a recorded job running, does the work with a ``JobProgress`` callback
(cache, see ``jiuye.tasks.progress``) and a heartbeat, and records the end; ``job_scheduled``
records and runs a job of the scheduler. Jobs are recorded and sent here by
``jiuye.tasks.services``; ``jiuye.tasks.process`` runs one in a process of its own.

A job that fails for another reason than its input (a limit, an error of jiuye) says so with a
``Job.failure`` code, explained on the job page in the reader's language; its message never
carries an exception's name, and the traceback is logged once, here.
"""

import contextlib
import datetime as dt
import logging
import os
import shutil
import socket
import time
from pathlib import Path

from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from jiuye.tasks.models import Job, JobFailure, JobKind, JobState, MorningDigest
from jiuye.tasks.progress import Heartbeat, JobProgress, heartbeat_read, progress_clear, progress_read

logger = logging.getLogger(__name__)

# Seconds a job may go on past its time limit (it was asked to stop) before it is killed: by the
# job's own process (``process``), or by Celery's hard time limit (``CELERY_TASK_TIME_LIMIT``).
KILL_GRACE_SECONDS = 30


def job_dir(job: Job) -> Path:
    """Where a job keeps its files (uploads while it runs, the export afterwards)."""
    return Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)


class JobTimeLimit(BaseException):  # noqa: N818 - like KeyboardInterrupt, it passes ``except Exception``
    """The job's time is up (``jiuye.tasks.process.ProcessLimits``). Not an ``Exception``, so
    that no ``except Exception`` of the work on the way turns it into something else."""


def _limit_failure(exc: BaseException) -> str | None:
    """The failure a limit gives (memory; time: ours or Celery's soft limit), else None."""
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, MemoryError):
        return JobFailure.MEMORY
    if isinstance(exc, JobTimeLimit | SoftTimeLimitExceeded):
        return JobFailure.TIME
    return None


def _limit_value(failure: str, limits) -> int:
    """The limit that stopped the job: the one it ran with, else the setting (Celery's soft limit)."""
    if failure == JobFailure.MEMORY:
        return getattr(limits, "memory_mb", None) or settings.JIUYE_JOB_MEMORY_MB
    return getattr(limits, "seconds", None) or settings.JIUYE_JOB_TIME_LIMIT


def failure_message(job: Job, failure: str, limit=None) -> str:
    """The job's message (bilingual, as the admin and the command line show it) for ``failure``."""
    cn, en = ("，未写入任何数据", ", nothing written") if job.kind in (JobKind.IMPORT, JobKind.EXPORT) else ("", "")
    return {
        JobFailure.MEMORY: f"超出内存限制（{limit} MB），任务已停止{cn} / over the memory limit ({limit} MB): "
                           f"stopped{en}",
        JobFailure.TIME: f"超出时间限制（{limit} 秒），任务已停止{cn} / over the time limit ({limit} s): stopped{en}",
        JobFailure.STOPPED: f"任务进程意外停止{cn} / the job's process stopped before the end{en}",
        JobFailure.INTERNAL: f"内部错误{cn}，详情见服务器日志（任务 #{job.pk}）/ internal error{en}: "
                             f"see the server log (job #{job.pk})",
        JobFailure.NO_INPUT: "没有上传文件 / no file was uploaded",
    }.get(failure, "")


def job_fail(job: Job, failure: str, *, limit=None, message: str = "") -> None:
    """Mark ``job`` (in memory) failed with ``failure``; the caller saves it."""
    job.state, job.failure = JobState.FAILED, failure
    job.message = message or failure_message(job, failure, limit)
    if limit is not None:
        job.result = {**(job.result or {}), "limit": limit}


def job_run(job_id: int, *, limits=None) -> Job:
    """Run a recorded job to its end, once: a job already started or finished is left alone
    (a message delivered again never runs it twice; one whose process died is failed by
    ``services.jobs_stopped_fail``). ``limits`` (``process.ProcessLimits``) bound the work."""
    started = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=started, process_id=os.getpid(), process_host=socket.gethostname()[:255])
    job = Job.objects.select_related("user", "user__scope").get(pk=job_id)
    if not claimed:
        return job
    progress = JobProgress(job.pk)
    with Heartbeat(job.pk):
        try:
            _work(job, progress, limits)
        except BaseException as exc:
            failure = _limit_failure(exc)
            if failure is None:
                if not isinstance(exc, Exception):
                    raise  # KeyboardInterrupt, SystemExit: the process is going
                logger.exception("background job %s (%s) failed", job.pk, job.kind)
                job_fail(job, JobFailure.INTERNAL)
            else:
                logger.warning("background job %s (%s) stopped: %s limit", job.pk, job.kind, failure)
                job_fail(job, failure, limit=_limit_value(failure, limits))
            if not connection.in_atomic_block:
                connection.close()  # a query cut short may have left it unusable; the save opens another
        else:
            if job.state == JobState.RUNNING:
                job.state = JobState.DONE
                job.done = job.total = max(progress.last["total"] or 0, progress.last["done"] or 0, job.total or 0) or 1
        finally:
            if job.kind == JobKind.IMPORT and job.params.get("input") and not job.preview_pending:
                shutil.rmtree(job_dir(job) / "input", ignore_errors=True)  # a preview keeps it for the import
        job.finished_at = timezone.now()
        if job.state == JobState.FAILED:
            job.done, job.total = progress.last["done"] or 0, progress.last["total"]
        job.save()
    progress_clear(job.pk)
    return job


def _work(job: Job, progress, limits) -> None:
    from jiuye.registry.crypto import field_key_problem

    problem = field_key_problem()
    if problem:
        job_fail(job, JobFailure.KEY, message=problem)
        return
    if job.kind == JobKind.IMPORT and not job.params.get("input"):
        job_fail(job, JobFailure.NO_INPUT)
        return
    if limits is None:
        RUNNERS[job.kind](job, progress)
    else:
        with limits:
            RUNNERS[job.kind](job, progress)


def job_abandon(job: Job, failure: str, *, limit=None) -> bool:
    """Fail ``job``, whose process ended (or never started) without recording its end.

    Written only if the job is still in the state it was read in, so that of the watchers
    (the job's own supervising process, a page, the scheduler) one fails it, once; the job is
    failed in memory in any case. Returns whether this call wrote it."""
    was = job.state
    live = progress_read(job.pk) or {}
    job_fail(job, failure, limit=limit)
    job.finished_at = timezone.now()
    job.done, job.total = live.get("done") or job.done, live.get("total") or job.total
    written = Job.objects.filter(pk=job.pk, state=was).update(
        state=job.state, failure=job.failure, message=job.message, result=job.result, finished_at=job.finished_at,
        done=job.done, total=job.total)
    if written:
        logger.warning("background job %s (%s) marked failed (%s): its process ended without recording the end",
                       job.pk, job.kind, failure)
        if job.kind == JobKind.IMPORT:
            shutil.rmtree(job_dir(job) / "input", ignore_errors=True)
        progress_clear(job.pk)
    return bool(written)


def in_own_process() -> bool:
    """Without a broker, each job runs in a process of its own (unless JIUYE_JOB_PROCESS=0)."""
    return settings.CELERY_TASK_ALWAYS_EAGER and settings.JIUYE_JOB_PROCESS


def _stopped(job: Job, now: float) -> str | None:
    """Why ``job``'s process is taken for gone (a failure code), or None while it may be alive."""
    if job.state == JobState.RUNNING:
        since = (job.started_at or job.created_at).timestamp()
    elif job.state == JobState.QUEUED and in_own_process():
        since = job.created_at.timestamp()  # its process should have started within seconds
    else:
        return None  # finished, or queued for a Celery worker (which may be busy)
    last, ran = heartbeat_read(job.pk) or since, now - since
    overdue = job.state == JobState.RUNNING and ran >= settings.JIUYE_JOB_TIME_LIMIT
    if overdue and ran > settings.JIUYE_JOB_TIME_LIMIT + KILL_GRACE_SECONDS + settings.JIUYE_JOB_STALE_SECONDS:
        return JobFailure.TIME  # alive but past the time it would have been killed at (a pool without limits)
    if now - last <= settings.JIUYE_JOB_STALE_SECONDS:
        return None
    return JobFailure.TIME if overdue else JobFailure.STOPPED


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


def job_scheduled(kind: str, **params) -> Job:
    """A scheduled job (no user), recorded and run here and now (by the beat's task)."""
    job = Job.objects.create(kind=kind, params=params)
    progress_clear(job.pk)
    return job_run(job.pk)


# -- the work of each kind ------------------------------------------------------------------------


def _run_import(job: Job, progress) -> None:
    from jiuye.exchange.findings import group_problems
    from jiuye.exchange.importer import ledger_import
    from jiuye.tasks.preview import findings_stored

    dry_run = bool(job.params.get("dry_run"))
    result = ledger_import(path=Path(job.params["input"]), user=job.user, progress=progress,
                           scope=job.params.get("scope", ""), dry_run=dry_run)
    job.result = {"counts": result.counts, "warnings": result.warnings[:100],
                  "findings": findings_stored(group_problems(result.problems)),
                  "warning_findings": findings_stored(group_problems(result.notices))}
    if dry_run:
        job.result["preview"] = result.preview
    if not result.ok:
        job.state = JobState.FAILED
        job.error_count = len(result.problems)
        job.errors = [[p.table or "-", p.row, p.column or "-", p.message] for p in result.problems[: Job.ERRORS_KEPT]]
        job.message = (f"导入失败，未写入任何数据：{len(result.problems)} 个问题 / "
                       f"import rejected, nothing written: {len(result.problems)} problem(s)")
    elif dry_run:
        job.params = {**job.params, "preview": "pending"}
        job.message = "预览完成，尚未写入任何数据 / preview ready, nothing written yet"
    else:
        job.message = "导入完成 / imported"


def _run_export(job: Job, progress) -> None:
    from jiuye.exchange.exporter import ledger_export
    from jiuye.registry.scoping import can_reveal_ids

    scope = job.params.get("scope", "")
    reveal = can_reveal_ids(job.user)
    stem = f"jiuye-{job.division_code or 'all'}-{dt.date.today().isoformat()}-{job.pk}"
    folder = job_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    if job.params.get("format") == "csv":
        counts = ledger_export(path=folder / stem, prefix=scope, user=job.user, reveal=reveal, progress=progress)
        path = Path(shutil.make_archive(str(folder / stem), "zip", root_dir=folder / stem))
        shutil.rmtree(folder / stem)
    else:
        path = folder / f"{stem}.xlsx"
        counts = ledger_export(path=path, prefix=scope, user=job.user, reveal=reveal, progress=progress)
    job.result_path = str(path)
    job.result = {"counts": counts, "masked": not reveal, "filename": path.name}
    job.message = "导出完成 / exported"


def community_pages_warm(*, community: str, today: dt.date) -> None:
    """A community's pages of the day computed before anyone opens them: the desk's (Today, the
    board, standing and the community page) and each printed ledger's screen page."""
    from jiuye.casework.selectors import desk_pages_warm
    from jiuye.ledgers.screen import ledger_pages_warm

    desk_pages_warm(community=community, today=today)
    ledger_pages_warm(community=community, today=today)


def community_day_prepare(*, community: str, as_of: dt.date) -> dict:
    """The nightly run's part for one community: its zero-employment cases brought in line with
    the register and, for today, its pages computed. The sync's counts (empty when not needed)."""
    from jiuye.casework.services import zero_employment_sync_when_changed

    counts = zero_employment_sync_when_changed(user=None, community=community, as_of=as_of) or {}
    if as_of == dt.date.today():  # the day's pages, ready for the morning's first views
        community_pages_warm(community=community, today=as_of)
    return counts


def _run_evaluate(job: Job, progress) -> None:
    """The nightly run: the city-wide evaluation saved as a snapshot (with rollups), then
    each community's zero-employment cases brought in line with the register and (for today)
    its pages computed into the page cache."""
    from jiuye.divisions.models import Division, Level
    from jiuye.oversight.dashboards import dashboard_refresh

    as_of = dt.date.fromisoformat(job.params["as_of"]) if job.params.get("as_of") else dt.date.today()
    codes = list(Division.objects.filter(level=Level.COMMUNITY).order_by("code").values_list("code", flat=True))
    progress("评估 / evaluating", done=0, total=len(codes) + 1)
    snapshot = dashboard_refresh(as_of=as_of)
    created = eliminated = 0
    for i, code in enumerate(codes, start=1):
        progress(f"零就业家庭 / zero-employment: {code}", done=i, total=len(codes) + 1)
        counts = community_day_prepare(community=code, as_of=as_of)
        created, eliminated = created + counts.get("created", 0), eliminated + counts.get("eliminated", 0)
    job.result = {"snapshot": snapshot.pk, "as_of": as_of.isoformat(), "communities": len(codes),
                  "zero_created": created, "zero_eliminated": eliminated}
    job.message = f"已保存评估快照 / snapshot saved: #{snapshot.pk}"


def _run_prepare(job: Job, progress) -> None:
    """After an import: each community of its scope brought in line with the new register (its
    zero-employment cases) and its pages of today computed, as the nightly run's part does."""
    from jiuye.divisions.models import Division, Level

    today = dt.date.today()
    codes = list(Division.objects.filter(level=Level.COMMUNITY, code__startswith=job.params.get("scope", ""))
                 .order_by("code").values_list("code", flat=True))
    created = eliminated = 0
    for i, code in enumerate(codes, start=1):
        progress(f"准备页面 / preparing pages: {code}", done=i - 1, total=len(codes))
        counts = community_day_prepare(community=code, as_of=today)
        created, eliminated = created + counts.get("created", 0), eliminated + counts.get("eliminated", 0)
    job.result = {"as_of": today.isoformat(), "communities": len(codes), "zero_created": created,
                  "zero_eliminated": eliminated}
    job.message = f"已准备 {len(codes)} 个社区的页面 / pages prepared for {len(codes)} communities"


def _run_reminders(job: Job, progress) -> None:
    """The morning run: each community worker's queue counted into a ``MorningDigest``."""
    from jiuye.accounts.models import User
    from jiuye.casework.selectors import today_queue

    today = dt.date.fromisoformat(job.params["day"]) if job.params.get("day") else dt.date.today()
    users = list(User.objects.filter(is_active=True, role="community", scope__isnull=False).select_related("scope"))
    for i, user in enumerate(users):
        progress(f"提醒 / reminders: {user.get_username()}", done=i, total=len(users))
        digest_record(user=user, day=today, items=today_queue(user, today))
    job.result = {"day": today.isoformat(), "users": len(users)}
    job.message = f"已生成 {len(users)} 份今日提醒 / {len(users)} digest(s)"


def _run_trend(job: Job, progress) -> None:
    """The dashboards' trend: the city-wide evaluation of each month end still without one, saved."""
    from jiuye.oversight.dashboards import dashboard_fill

    days = [dt.date.fromisoformat(day) for day in job.params.get("days", [])]
    made = dashboard_fill(days=days, user=job.user, progress=progress)
    job.result = {"days": [day.isoformat() for day in days], "saved": [s.as_of.isoformat() for s in made],
                  "snapshots": [s.pk for s in made]}
    job.message = f"已补算 {len(made)} 个月末的评估 / {len(made)} month-end evaluation(s) saved"


RUNNERS = {
    JobKind.IMPORT: _run_import,
    JobKind.EXPORT: _run_export,
    JobKind.EVALUATE: _run_evaluate,
    JobKind.REMINDERS: _run_reminders,
    JobKind.TREND: _run_trend,
    JobKind.PREPARE: _run_prepare,
}


def digest_record(*, user, day: dt.date, items) -> MorningDigest:
    """Store the counts of ``user``'s queue (``today_queue`` items) for ``day``."""
    by_kind: dict[str, int] = {}
    for item in items:
        by_kind[item.kind] = by_kind.get(item.kind, 0) + 1
    overdue = sum(1 for item in items if item.urgency < 0)
    digest, _ = MorningDigest.objects.update_or_create(
        user=user, day=day, defaults={"total": len(items), "overdue": overdue, "by_kind": by_kind})
    return digest


def job_files_expire(*, days: int) -> int:
    """Delete the files of exports finished more than ``days`` ago (they hold personal data), and
    the uploads of previews left undecided as long (the preview then can no longer be confirmed)."""
    expired = Job.objects.filter(kind=JobKind.EXPORT, finished_at__lt=timezone.now() - dt.timedelta(days=days)
                                 ).exclude(result_path="")
    count = 0
    for job in expired:
        shutil.rmtree(job_dir(job), ignore_errors=True)
        job.result_path = ""
        job.save(update_fields=["result_path"])
        count += 1
    # Previews nobody confirmed or cancelled: their uploads (personal data) go as an export's file does.
    stale = Job.objects.filter(kind=JobKind.IMPORT, state=JobState.DONE, params__preview="pending",
                               finished_at__lt=timezone.now() - dt.timedelta(days=days))
    for job in stale:
        if Job.objects.filter(pk=job.pk, params__preview="pending").update(params={**job.params, "preview": "expired"}):
            shutil.rmtree(job_dir(job) / "input", ignore_errors=True)
            count += 1
    return count


