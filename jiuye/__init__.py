"""jiuye: full-employment communities. The Celery app is loaded with Django (jiuye/celery.py)."""

from jiuye.celery import app as celery_app

__all__ = ("celery_app",)
