"""Starting background jobs (in a Celery worker, or in-process when eager).

``job_start`` records the job and hands it to Celery once the row is committed; with no
broker (``CELERY_TASK_ALWAYS_EAGER``) ``.delay`` runs it at once in this process. What
the worker runs is ``jiuye.tasks.runner.job_run``.
"""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.text import get_valid_filename

from jiuye.audit.services import audit_event_record
from jiuye.tasks.models import Job, JobKind
from jiuye.tasks.progress import progress_clear
from jiuye.tasks.runner import job_dir

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


def _send(job_id: int) -> None:
    from jiuye.tasks.tasks import job_run_task

    job_run_task.delay(job_id)


def export_download_record(*, user, job: Job) -> None:
    audit_event_record(user=user, action="job.export.download", target=f"job:{job.pk}",
                       division_code=job.division_code, detail={"masked": job.result.get("masked", False)})
