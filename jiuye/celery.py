"""The Celery app: ``celery -A jiuye worker`` and ``celery -A jiuye beat`` (docs/background.md).

Configured from Django's settings (the ``CELERY_`` ones); with no broker
(``JIUYE_BROKER_URL`` unset) every task runs in-process at once.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")

app = Celery("jiuye")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
