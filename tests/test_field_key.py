"""A wrong field key is caught at start-up (issue 14): a JIUYE_FIELD_KEY that does not match the
database (another key, or ./var moved so that a new development key was made) is told by
`jiuye check`, `migrate`, `runserver`, the WSGI application and the job runner, with one
bilingual message saying what to do; nothing is served until it is fixed."""

import logging
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.core.signals import request_started
from django.db import close_old_connections
from django.test import override_settings

from jiuye.accounts.services import user_add
from jiuye.registry import models as m
from jiuye.registry.crypto import KEY_MISMATCH, FieldKeyCheck, field_key_problem
from jiuye.tasks.models import Job, JobState
from tests.conftest import EXAMPLE

ZHANG = "500103198003150119"
pytestmark = pytest.mark.django_db
WRONG = override_settings(FIELD_KEY="not the key of this database")


@pytest.fixture
def register(jiuye, example_dir):
    from jiuye.registry import crypto

    crypto._verified.clear()  # as in a process started now: no match of an earlier test remembered
    assert jiuye("import", str(example_dir)).code == 0
    assert field_key_problem() is None  # the right key: the check value is written on first use
    assert FieldKeyCheck.objects.count() == 1
    return user_add(username="jia", role="community", scope_code="500103001001", password="Gongzuo-2026!x")


def test_with_a_wrong_key_every_request_answers_503_with_what_to_do(client, register):
    person = m.Person.objects.with_id_number(ZHANG).get()
    client.force_login(register)
    assert client.get(f"/people/{person.pk}/").status_code == 200
    with WRONG:
        for path in (f"/people/{person.pk}/", "/", "/people/", "/api/v1/persons/", "/notice/500103001001/",
                     "/login/"):
            response = client.get(path)
            assert response.status_code == 503, path
            text = response.content.decode()
            assert "JIUYE_FIELD_KEY" in text and "./var" in text and "字段加密密钥" in text
            assert "InvalidTag" not in text
    # The right key again (the operator restored it): served again.
    assert client.get(f"/people/{person.pk}/").status_code == 200


def test_the_wsgi_application_says_it_when_it_starts_and_then_answers_503(register, caplog):
    from jiuye.checks import startup_problem_log

    with WRONG:
        caplog.set_level(logging.ERROR)
        assert startup_problem_log() == KEY_MISMATCH
        assert [r.getMessage() for r in caplog.records if r.name == "jiuye"] == [KEY_MISMATCH]
        status = []
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
                   "wsgi.url_scheme": "http", "wsgi.input": StringIO(""), "wsgi.errors": StringIO()}
        # As Django's test client does: the request must not close the test's open transaction.
        request_started.disconnect(close_old_connections)
        try:
            body = b"".join(WSGIHandler()(environ, lambda s, headers: status.append(s)))
        finally:
            request_started.connect(close_old_connections)
    assert status == ["503 Service Unavailable"] and KEY_MISMATCH in body.decode()


def test_check_and_migrate_stop_with_the_message(register):
    call_command("check")  # the right key: nothing to say
    with WRONG:
        for command, options in (("check", {}), ("migrate", {"skip_checks": False})):
            with pytest.raises(SystemCheckError) as refused:
                call_command(command, stdout=StringIO(), stderr=StringIO(), **options)
            assert "jiuye.E001" in str(refused.value) and KEY_MISMATCH in str(refused.value)


def test_a_database_without_the_check_value_is_judged_by_a_stored_id_number(register):
    from jiuye.registry import crypto

    FieldKeyCheck.objects.all().delete()  # a database of before the check value
    crypto._verified.clear()  # as in a process started now
    with WRONG:
        assert field_key_problem() == KEY_MISMATCH
        assert not FieldKeyCheck.objects.exists()  # a wrong key is never written down as the right one
    assert field_key_problem() is None and FieldKeyCheck.objects.count() == 1


def test_the_job_runner_refuses_to_run_with_a_wrong_key(register):
    from jiuye.tasks.runner import job_run
    from jiuye.tasks.services import job_start

    job = job_start(user=register, kind="export", params={"format": "xlsx"})
    with WRONG:
        job = job_run(job.pk)
    assert job.state == JobState.FAILED and job.failure == "key" and job.message == KEY_MISMATCH
    assert not job.result_path
    assert Job.objects.get(pk=job.pk).failure == "key"


@pytest.mark.slow
def test_runserver_check_and_migrate_refuse_a_var_directory_that_moved(tmp_path):
    """The database stays (its URL is set) but ./var moved: a new development key is made, which
    does not open the data. Each command says so and stops; back in the old ./var, all is well."""
    database = f"sqlite:///{tmp_path / 'jiuye.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUYE_")}
    env.update(JIUYE_DATABASE_URL=database, PYTHONPATH=os.pathsep.join(sys.path))

    def jiuye(var, *args):
        return subprocess.run([sys.executable, "-m", "jiuye", *args], env={**env, "JIUYE_VAR_DIR": str(var)},
                              capture_output=True, text=True, timeout=300)

    assert jiuye(tmp_path / "var", "migrate", "--no-input").returncode == 0
    assert jiuye(tmp_path / "var", "import", str(EXAMPLE)).returncode == 0
    moved = tmp_path / "moved-var"
    for args in (["check"], ["migrate", "--no-input"], ["runserver", "--noreload", "127.0.0.1:0"]):
        out = jiuye(moved, *args)
        assert out.returncode != 0, args
        assert KEY_MISMATCH in out.stderr and "jiuye.E001" in out.stderr, (args, out.stderr[-2000:])
        assert "Traceback" not in out.stderr
    assert jiuye(tmp_path / "var", "check").returncode == 0
