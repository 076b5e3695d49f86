import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")
application = get_wsgi_application()

# A wrong field key is told at start-up, in the server's log; every request then answers 503.
from jiuye.checks import startup_problem_log  # noqa: E402 - after Django is set up

startup_problem_log()
# That check may have opened a database connection: not one to hand down to forked workers.
from django.db import connections  # noqa: E402

connections.close_all()
