"""What the production server loads before it forks its worker processes.

The command line and the tests import the heavy libraries (pandas, openpyxl, pypinyin,
WeasyPrint) and most of the project only where they are used, so that ``jiuye --help`` starts
fast. A server is the opposite case: without this, each worker process would import them, build
the URL map, compile the templates and read the translation catalogues on its first requests —
a second or more of one worker's CPU on the first views after every start, in every process.
:func:`preload` does it once in gunicorn's master (``gunicorn_conf.when_ready``), so the workers
start with all of it, shared through ``fork``.

It opens no database connection, and closes any that is open: a connection inherited through
``fork`` would be one socket used by several processes.
"""

import importlib
import logging
import pkgutil
import time
from pathlib import Path

logger = logging.getLogger("jiuye")

# Modules never loaded by a running server (or only by a command of their own).
SKIP_PARTS = ("migrations", "management", "__main__", "tests")


def _project_modules(package: str = "jiuye"):
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, prefix=package + "."):
        if not any(part in SKIP_PARTS for part in info.name.split(".")):
            yield info.name


def _templates() -> int:
    """Compile every template of the Django engine into its cached loader; the count."""
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.template.utils import get_app_template_dirs

    engine = engines["django"].engine
    count = 0
    for directory in [*engine.dirs, *(get_app_template_dirs("templates") if engine.app_dirs else ())]:
        directory = Path(directory)
        for path in sorted(directory.rglob("*.html")) + sorted(directory.rglob("*.txt")):
            name = path.relative_to(directory).as_posix()
            try:
                engine.get_template(name)
                count += 1
            except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError):
                continue  # a partial that is not a template of its own; it is told on its first use
    return count


def preload() -> dict:
    """Import the project, build the URL map, compile the templates, read the catalogues, make
    the caches' clients."""
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connections
    from django.urls import get_resolver
    from django.utils import translation

    started = time.monotonic()
    modules = failed = 0
    for name in _project_modules():
        try:
            importlib.import_module(name)
            modules += 1
        except Exception as exc:  # noqa: BLE001 - a module that cannot load here loads (or fails) on first use
            failed += 1
            logger.warning("preload: %s not loaded (%s)", name, type(exc).__name__)
    get_resolver().url_patterns  # noqa: B018 - imports every view and builds the URL map
    templates = _templates()
    for code, _ in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Today")
    for alias in settings.CACHES:  # the backends' clients (Redis's library): no connection is made yet
        getattr(caches[alias], "_cache", None)
    connections.close_all()
    figures = {"modules": modules, "failed": failed, "templates": templates,
               "seconds": round(time.monotonic() - started, 2)}
    logger.info("preloaded %(modules)s modules and %(templates)s templates in %(seconds)s s", figures)
    return figures
