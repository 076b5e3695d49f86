"""Starting background jobs, never in the web server's process, and failing those whose process died.

``job_start`` records the job and, once the row is committed, hands it to a Celery worker
(``JIUYE_BROKER_URL``) or, without a broker, to a process of its own
(``jiuye.tasks.process``). With ``JIUYE_JOB_PROCESS=0`` (the tests) Celery's eager mode runs it
at once in this process. What runs the job is ``jiuye.tasks.runner.job_run``.

``jobs_stopped_fail`` (``runner``) fails the jobs whose process is gone (no heartbeat): the job
pages call it whenever they read jobs, and so does the scheduler (``jiuye.jobs_watch``,
``jiuye job watch``).
"""

import logging
import shutil
import subprocess
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import get_valid_filename

from jiuye.audit.services import audit_event_record
from jiuye.tasks.models import Job, JobFailure, JobKind, JobState
from jiuye.tasks.progress import progress_clear
from jiuye.tasks.runner import in_own_process, job_abandon, job_dir, jobs_stopped_fail

__all__ = ["PreviewGone", "export_download_record", "import_cancel", "import_confirm", "job_start",
           "jobs_stopped_fail"]

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
    preview = kind == JobKind.IMPORT and bool(params.get("dry_run"))  # a dry run first, confirmed later
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
        action = "job.import.preview" if preview else f"job.{kind}.start"
        audit_event_record(user=user, action=action, target=f"job:{job.pk}", division_code=division,
                           detail={"files": names, **{k: v for k, v in params.items() if k not in ("input", "dry_run")}})
    transaction.on_commit(lambda: _send(job.pk))
    return job


class PreviewGone(ValueError):  # noqa: N818 - a state the user meets, not an error of jiuye
    """The preview was already confirmed or cancelled (a double click, an old tab), or its files are gone."""


def _preview_claim(*, user, job: Job, outcome: str) -> dict:
    """Mark the pending preview ``job`` of ``user`` ``outcome`` ("confirmed", "cancelled"), once:
    the update holds only while it is still pending, so of two clicks one wins. Returns its params."""
    if job.user_id != getattr(user, "pk", None) or job.kind != JobKind.IMPORT:
        raise PermissionDenied
    params = {**job.params, "preview": outcome}
    claimed = Job.objects.filter(pk=job.pk, user=user, kind=JobKind.IMPORT, state=JobState.DONE,
                                 params__preview="pending").update(params=params)
    if not claimed:
        raise PreviewGone("这个预览已确认或已取消 / this preview was already confirmed or cancelled")
    job.params = params
    return params


def import_confirm(*, user, job: Job) -> Job:
    """Start the import of a preview's stored files (its user only, once): a new import job
    that takes the files over. Audited on the preview (``job.import.confirm``)."""
    source = job_dir(job) / "input"
    scope = _scope(user)  # the user's scope now, as for any import
    with transaction.atomic():
        params = _preview_claim(user=user, job=job, outcome="confirmed")
        if not source.is_dir():  # the claim is rolled back with the exception
            raise PreviewGone("预览的文件已不存在，请重新上传 / the preview's files are gone: upload them again")
        real = Job.objects.create(kind=JobKind.IMPORT, user=user, division_code=job.division_code,
                                  params={"scope": scope, "preview_of": job.pk})
        progress_clear(real.pk)
        target = job_dir(real) / "input"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))
        stored = Path(params["input"])
        real.params["input"] = str(target / stored.name) if stored != source else str(target)
        real.save(update_fields=["params"])
        job.params = {**params, "import": real.pk}
        Job.objects.filter(pk=job.pk).update(params=job.params)
        audit_event_record(user=user, action="job.import.confirm", target=f"job:{job.pk}",
                           division_code=job.division_code, detail={"job": real.pk, "files": _names(target)})
    transaction.on_commit(lambda: _send(real.pk))
    return real


def import_cancel(*, user, job: Job) -> None:
    """Discard a preview's stored files (its user only, once); audited (``job.import.cancel``)."""
    with transaction.atomic():
        _preview_claim(user=user, job=job, outcome="cancelled")
        folder = job_dir(job) / "input"
        names = _names(folder)
        audit_event_record(user=user, action="job.import.cancel", target=f"job:{job.pk}",
                           division_code=job.division_code, detail={"files": names})
    shutil.rmtree(folder, ignore_errors=True)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _send(job_id: int) -> None:
    if in_own_process():
        from jiuye.tasks.process import job_process_start

        try:
            job_process_start(job_id)
        except (OSError, ValueError, subprocess.SubprocessError):
            logger.exception("background job %s: its process could not be started", job_id)
            job_abandon(Job.objects.get(pk=job_id), JobFailure.STOPPED)
        return
    from jiuye.tasks.tasks import job_run_task

    job_run_task.delay(job_id)


def export_download_record(*, user, job: Job) -> None:
    audit_event_record(user=user, action="job.export.download", target=f"job:{job.pk}",
                       division_code=job.division_code, detail={"masked": job.result.get("masked", False)})
