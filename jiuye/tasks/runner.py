"""Running background jobs: what the worker (or, without a broker, the job's own process) does.

``job_run`` marks a recorded job running, does the work with a ``JobProgress`` callback
(cache, see ``jiuye.tasks.progress``) and records the end; ``job_scheduled`` records and
runs a job of the scheduler. Jobs are recorded and sent here by ``jiuye.tasks.services``.
"""

import datetime as dt
import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from jiuye.tasks.models import Job, JobKind, JobState, MorningDigest
from jiuye.tasks.progress import JobProgress, progress_clear

logger = logging.getLogger(__name__)


def job_dir(job: Job) -> Path:
    """Where a job keeps its files (uploads while it runs, the export afterwards)."""
    return Path(settings.MEDIA_ROOT) / "jobs" / str(job.pk)


def job_run(job_id: int) -> Job:
    """Run a recorded job to its end; a job already finished is left alone (redelivery)."""
    job = Job.objects.select_related("user", "user__scope").get(pk=job_id)
    if job.finished:
        return job
    job.state, job.started_at = JobState.RUNNING, timezone.now()
    job.save(update_fields=["state", "started_at"])
    progress = JobProgress(job.pk)
    try:
        RUNNERS[job.kind](job, progress)
    except Exception as exc:  # noqa: BLE001 - any failure ends the job, the worker goes on
        logger.exception("background job %s (%s) failed", job.pk, job.kind)
        job.state = JobState.FAILED
        job.message = f"内部错误 / internal error: {type(exc).__name__}"
    else:
        if job.state == JobState.RUNNING:
            job.state = JobState.DONE
            job.done = job.total = max(progress.last["total"] or 0, progress.last["done"] or 0, job.total or 0) or 1
    finally:
        if job.kind == JobKind.IMPORT and job.params.get("input"):
            shutil.rmtree(job_dir(job) / "input", ignore_errors=True)
    job.finished_at = timezone.now()
    if job.state == JobState.FAILED:
        job.done, job.total = progress.last["done"] or 0, progress.last["total"]
    job.save()
    progress_clear(job.pk)
    return job


def job_scheduled(kind: str, **params) -> Job:
    """A scheduled job (no user), recorded and run here and now (by the beat's task)."""
    job = Job.objects.create(kind=kind, params=params)
    progress_clear(job.pk)
    return job_run(job.pk)


# -- the work of each kind ------------------------------------------------------------------------


def _run_import(job: Job, progress) -> None:
    from jiuye.exchange.importer import ledger_import

    result = ledger_import(path=Path(job.params["input"]), user=job.user, progress=progress,
                           scope=job.params.get("scope", ""))
    job.result = {"counts": result.counts, "warnings": result.warnings[:100]}
    if not result.ok:
        job.state = JobState.FAILED
        job.error_count = len(result.problems)
        job.errors = [[p.table or "-", p.row, p.column or "-", p.message] for p in result.problems[: Job.ERRORS_KEPT]]
        job.message = (f"导入失败，未写入任何数据：{len(result.problems)} 个问题 / "
                       f"import rejected, nothing written: {len(result.problems)} problem(s)")
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


def _run_evaluate(job: Job, progress) -> None:
    """The nightly run: the city-wide evaluation saved as a snapshot (with rollups), then
    each community's zero-employment cases brought in line with the register."""
    from jiuye.casework.services import zero_employment_sync
    from jiuye.divisions.models import Division, Level
    from jiuye.oversight.dashboards import dashboard_refresh

    as_of = dt.date.fromisoformat(job.params["as_of"]) if job.params.get("as_of") else dt.date.today()
    codes = list(Division.objects.filter(level=Level.COMMUNITY).order_by("code").values_list("code", flat=True))
    progress("评估 / evaluating", done=0, total=len(codes) + 1)
    snapshot = dashboard_refresh(as_of=as_of)
    created = eliminated = 0
    for i, code in enumerate(codes, start=1):
        progress(f"零就业家庭 / zero-employment: {code}", done=i, total=len(codes) + 1)
        counts = zero_employment_sync(user=None, community=code, as_of=as_of)
        created, eliminated = created + counts["created"], eliminated + counts["eliminated"]
    job.result = {"snapshot": snapshot.pk, "as_of": as_of.isoformat(), "communities": len(codes),
                  "zero_created": created, "zero_eliminated": eliminated}
    job.message = f"已保存评估快照 / snapshot saved: #{snapshot.pk}"


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
    """Delete the files of exports finished more than ``days`` ago (they hold personal data)."""
    expired = Job.objects.filter(kind=JobKind.EXPORT, finished_at__lt=timezone.now() - dt.timedelta(days=days)
                                 ).exclude(result_path="")
    count = 0
    for job in expired:
        shutil.rmtree(job_dir(job), ignore_errors=True)
        job.result_path = ""
        job.save(update_fields=["result_path"])
        count += 1
    return count


