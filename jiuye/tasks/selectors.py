"""Reads: the jobs a user may see, a job's live progress, the morning digest."""

import datetime as dt

from jiuye.exchange.progress import percent
from jiuye.tasks.models import Job, JobState, MorningDigest
from jiuye.tasks.progress import progress_read


def jobs_for_user(user):
    return Job.objects.for_user(user).select_related("user")


def job_for_user(user, pk: int) -> Job | None:
    return jobs_for_user(user).filter(pk=pk).first()


def job_status(job: Job) -> dict:
    """State, message and done/total of a job: live from the cache while it runs."""
    status = {"message": job.message, "done": job.done, "total": job.total}
    if job.state in (JobState.QUEUED, JobState.RUNNING):
        status.update(progress_read(job.pk) or {})
    status["percent"] = 100 if job.state == JobState.DONE else percent(status["done"], status["total"])
    status["failure"] = job.failure_explanation if job.state == JobState.FAILED else ""
    return status


def morning_digest(user, day: dt.date) -> MorningDigest | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return MorningDigest.objects.filter(user=user, day=day).first()
