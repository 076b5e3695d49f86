"""The Celery app: ``celery -A jiuye worker`` and ``celery -A jiuye beat`` (docs/background.md).

Configured from Django's settings (the ``CELERY_`` ones); with no broker
(``JIUYE_BROKER_URL`` unset) a task sent runs at once where it is sent (eager), and an import
or export is not sent but started in a process of its own (``jiuye.tasks.process``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")

app = Celery("jiuye")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
