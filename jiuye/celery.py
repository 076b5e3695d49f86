"""The Celery app: ``celery -A jiuye worker`` and ``celery -A jiuye beat`` (docs/background.md).

Configured from Django's settings (the ``CELERY_`` ones); with no broker
(``JIUYE_BROKER_URL`` unset) a task sent runs at once where it is sent (eager), and an import
or export is not sent but started in a process of its own (``jiuye.tasks.process``). Imported
by Celery's command line (``-A jiuye`` finds ``jiuye.celery``) and by ``jiuye/tasks/tasks.py``,
not by the package's ``__init__``: nothing else loads Celery.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")

app = Celery("jiuye")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule() -> dict:
    """Settings give each scheduled run's crontab as its fields (settings do not import Celery)."""
    from django.conf import settings

    return {
        name: {**entry, "schedule": crontab(**entry["schedule"]) if isinstance(entry["schedule"], dict)
               else entry["schedule"]}
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    }


app.conf.beat_schedule = _beat_schedule()
