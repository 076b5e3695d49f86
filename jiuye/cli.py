"""The `jiuye` console script: a thin front over Django's management commands, and
``jiuye serve``, the production server (gunicorn with ``jiuye/serving/gunicorn_conf.py``).

It imports nothing but Django's command machinery before the command runs, so that
``jiuye --help`` and the light commands start fast (``python -m bench.startup``).
"""

import os
import sys

SERVE_HELP = """
[jiuye]
    serve    the production server: gunicorn with jiuye/serving/gunicorn_conf.py (jiuye serve --help)
"""


def serve(args: list[str]) -> None:
    """gunicorn with the project's configuration; gunicorn's own options follow ``serve``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")
    from gunicorn.app.wsgiapp import WSGIApplication

    sys.argv = ["jiuye serve", "--config", "python:jiuye.serving.gunicorn_conf", *args]
    WSGIApplication("%(prog)s [OPTIONS]", prog="jiuye serve").run()


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["serve"] or args[:2] == ["help", "serve"]:
        serve(["--help"] if args[0] == "help" else args[1:])
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jiuye", *args])
    if not args or args in (["help"], ["--help"], ["-h"]):  # Django's list of commands: add ours
        sys.stdout.write(SERVE_HELP)


if __name__ == "__main__":
    main()
