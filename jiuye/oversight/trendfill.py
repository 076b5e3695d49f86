"""Filling in the dashboards' trend: the background job that saves the month ends it misses.

Apart from ``dashboards`` because the job's runner (``jiuye.tasks.runner``) calls
``dashboards.dashboard_fill``: starting the job from here keeps the imports one way.
"""

import datetime as dt

from django.utils import timezone

from jiuye.tasks.models import Job, JobKind, JobState
from jiuye.tasks.services import job_start

TREND_JOB_HOURS = 1  # an unfinished fill younger than this is waited for, not started again


def trend_fill_pending() -> Job | None:
    """The trend job still queued or running (started within the hour), if any."""
    since = timezone.now() - dt.timedelta(hours=TREND_JOB_HOURS)
    return (Job.objects.filter(kind=JobKind.TREND, state__in=[JobState.QUEUED, JobState.RUNNING],
                               created_at__gte=since).order_by("-created_at").first())


def trend_fill_start(*, user, days: list[dt.date]) -> Job | None:
    """Start the background job that saves the city-wide evaluation of each of ``days`` (month
    ends the trend misses), unless one is already under way. Returns the job or None."""
    if not days or trend_fill_pending() is not None:
        return None
    return job_start(user=user, kind=JobKind.TREND, params={"days": [day.isoformat() for day in sorted(days)]})
