import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")
application = get_wsgi_application()

# A wrong field key is told at start-up, in the server's log; every request then answers 503.
from jiuye.checks import startup_problem_log  # noqa: E402 - after Django is set up

startup_problem_log()
