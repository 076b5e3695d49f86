"""Celery tasks (found by ``app.autodiscover_tasks()``); the work itself is in ``runner``.

In a worker a job has the same limits as in a process of its own: Celery's time limits
(``CELERY_TASK_SOFT_TIME_LIMIT`` = ``JIUYE_JOB_TIME_LIMIT``, then the hard one kills the child)
and, in each child of the prefork pool (the default), the memory limit of
``jiuye.tasks.process.ProcessLimits`` around each job.
"""

from celery import shared_task
from celery.signals import worker_process_init

import jiuye.celery  # noqa: F401 - the app, before these shared tasks bind (jiuye/__init__ does not load it)
from jiuye.tasks.models import JobKind

_POOL_CHILD = False  # set in the children of the prefork pool, each of which runs one job at a time


@worker_process_init.connect
def _in_pool_child(**kwargs) -> None:
    global _POOL_CHILD
    _POOL_CHILD = True


@shared_task(name="jiuye.job_run")
def job_run_task(job_id: int) -> str:
    from django.conf import settings

    from jiuye.tasks.process import ProcessLimits
    from jiuye.tasks.runner import job_run

    # The time limit is Celery's; the memory limit only where a process runs one job (not a
    # thread of a solo or threads pool, whose process is shared).
    limits = ProcessLimits(memory_mb=settings.JIUYE_JOB_MEMORY_MB, seconds=None) if _POOL_CHILD else None
    return job_run(job_id, limits=limits).state


@shared_task(name="jiuye.jobs_watch")
def jobs_watch() -> int:
    """Beat, every minute: fail the jobs whose process died (no heartbeat)."""
    from jiuye.tasks.runner import jobs_stopped_fail

    return len(jobs_stopped_fail())


@shared_task(name="jiuye.nightly_evaluation")
def nightly_evaluation(as_of: str | None = None) -> int:
    """Beat, every night: the city-wide evaluation snapshot and the zero-employment sync;
    the files of old exports are deleted first."""
    from django.conf import settings

    from jiuye.tasks.runner import job_files_expire, job_scheduled, jobs_stopped_fail

    jobs_stopped_fail()
    job_files_expire(days=settings.JIUYE_EXPORT_KEEP_DAYS)
    return job_scheduled(JobKind.EVALUATE, **({"as_of": as_of} if as_of else {})).pk


@shared_task(name="jiuye.morning_reminders")
def morning_reminders(day: str | None = None) -> int:
    """Beat, every morning: each community worker's queue counted for the Today page."""
    from jiuye.tasks.runner import job_scheduled

    return job_scheduled(JobKind.REMINDERS, **({"day": day} if day else {})).pk
