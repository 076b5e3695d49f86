"""Celery tasks (found by ``app.autodiscover_tasks()``); the work itself is in ``runner``."""

from celery import shared_task

import jiuye.celery  # noqa: F401 - the app, before these shared tasks bind (jiuye/__init__ does not load it)
from jiuye.tasks.models import JobKind


@shared_task(name="jiuye.job_run")
def job_run_task(job_id: int) -> str:
    from jiuye.tasks.runner import job_run

    return job_run(job_id).state


@shared_task(name="jiuye.nightly_evaluation")
def nightly_evaluation(as_of: str | None = None) -> int:
    """Beat, every night: the city-wide evaluation snapshot and the zero-employment sync;
    the files of old exports are deleted first."""
    from django.conf import settings

    from jiuye.tasks.runner import job_files_expire, job_scheduled

    job_files_expire(days=settings.JIUYE_EXPORT_KEEP_DAYS)
    return job_scheduled(JobKind.EVALUATE, **({"as_of": as_of} if as_of else {})).pk


@shared_task(name="jiuye.morning_reminders")
def morning_reminders(day: str | None = None) -> int:
    """Beat, every morning: each community worker's queue counted for the Today page."""
    from jiuye.tasks.runner import job_scheduled

    return job_scheduled(JobKind.REMINDERS, **({"day": day} if day else {})).pk
