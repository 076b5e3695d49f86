"""The command line starts fast: what a start-up loads (issue 16, part 5).

The times themselves are measured by ``python -m bench.startup`` (no timed assertions here);
these tests pin what makes them: the libraries that serve one use only (pandas and NumPy for
the standards and matching, Celery for background work, jieba and pypinyin for matching and
search, WeasyPrint for PDFs, openpyxl for workbooks) are not imported by Django's start-up,
the URL map and its views, ``jiuye --help`` or ``jiuye check``, only where they are used. Each
case runs in a fresh interpreter, as the console script does.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SINGLE_USE = ("pandas", "numpy", "celery", "jieba", "pypinyin", "weasyprint", "openpyxl")


def _python(code: str, tmp_path) -> str:
    env = {**os.environ, "JIUYE_VAR_DIR": str(tmp_path), "JIUYE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "jiuye.settings", "PYTHONPATH": str(ROOT)}
    for name in ("JIUYE_BROKER_URL", "JIUYE_REPLICA_URL"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


LOADED = f"""
import json, sys
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & {set(SINGLE_USE)!r})))
"""


def _loaded(code: str, tmp_path) -> list[str]:
    return json.loads(_python(code + LOADED, tmp_path).strip().splitlines()[-1])


def test_the_url_map_and_jiuye_check_load_no_single_use_library(tmp_path):
    code = ("import io, django; django.setup()\n"
            "import jiuye.urls\n"
            "from django.core.management import call_command\n"
            "call_command('check', stdout=io.StringIO(), stderr=io.StringIO())\n")
    assert _loaded(code, tmp_path) == []


def test_jiuye_help_lists_serve_and_loads_no_single_use_library(tmp_path):
    code = ("import contextlib, io\n"
            "from jiuye.cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    main(['--help'])\n"
            "assert 'serve' in out.getvalue() and '[jiuye]' in out.getvalue(), out.getvalue()\n")
    assert _loaded(code, tmp_path) == []


def test_the_evaluation_loads_pandas_where_it_is_used(tmp_path):
    """The same probe sees a library once it is used: the evaluation imports pandas."""
    code = "import django; django.setup()\nimport jiuye.standards.evaluate\n"
    assert {"pandas", "numpy"} <= set(_loaded(code, tmp_path))


def test_celery_finds_its_app_and_shared_tasks_bind_to_it_from_any_thread(tmp_path):
    """``jiuye/__init__`` no longer imports the Celery app; ``celery -A jiuye`` finds it by name,
    and the tasks module brings it, so a job sent from a request thread uses jiuye's settings
    (in-process without a broker), not Celery's default app."""
    code = """
import json, sys, threading
import django
django.setup()
assert "celery" not in sys.modules, "Django's start-up imported Celery"
from celery.app.utils import find_app
found = find_app("jiuye")
from jiuye.tasks.tasks import job_run_task
seen = {}
def in_a_request_thread():
    from celery import current_app
    task = job_run_task._get_current_object()
    seen.update(current=current_app.main, task_app=task.app.main, eager=task.app.conf.task_always_eager,
                schedule=sorted(type(e["schedule"]).__name__ for e in task.app.conf.beat_schedule.values()))
thread = threading.Thread(target=in_a_request_thread)
thread.start(); thread.join()
import jiuye
print(json.dumps({"found": found.main, "same": found is jiuye.celery_app, **seen}))
"""
    result = json.loads(_python(code, tmp_path).strip().splitlines()[-1])
    assert result == {"found": "jiuye", "same": True, "current": "jiuye", "task_app": "jiuye", "eager": True,
                      "schedule": ["crontab", "crontab", "float"]}  # nightly, morning; the job watch every minute


@pytest.mark.parametrize("args", [["help", "serve"], ["serve", "--help"]])
def test_jiuye_serve_help_is_gunicorns_with_the_projects_config(args, tmp_path):
    code = f"""
import contextlib, io, sys
from jiuye.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main({args!r})
    except SystemExit:
        pass
print(out.getvalue())
"""
    text = _python(code, tmp_path)
    assert "usage: jiuye serve" in text and "--workers" in text and "--threads" in text
