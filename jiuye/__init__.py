"""jiuye: full-employment communities.

The Celery app (``jiuye/celery.py``) is not imported here, so that the command line and the
web processes start without loading Celery: ``celery -A jiuye worker`` finds it as
``jiuye.celery`` by itself, and ``jiuye/tasks/tasks.py`` imports it before its shared tasks
are defined, so that they bind to it wherever they are sent from. ``jiuye.celery_app`` still
gives the app (imported on first use).
"""


def __getattr__(name: str):
    if name == "celery_app":
        from jiuye.celery import app

        return app
    raise AttributeError(f"module 'jiuye' has no attribute {name!r}")
