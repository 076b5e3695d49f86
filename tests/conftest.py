"""Shared test helpers: run a `jiuye` command as the console script does, the worked example."""

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory

SHARED = Path(__file__).resolve().parents[2] / "shared"
EXAMPLE = SHARED / "spec" / "examples" / "basic"


# The processes tests start (commands, servers, jobs) prepare no pages after their imports;
# tests/test_prepare_after_import.py turns it on in its own process.
os.environ["JIUYE_PREPARE_AFTER_IMPORT"] = "0"

# The worked example's community 甲 and the password of the workers tests add to it.
JIA = "500103001001"
PASSWORD = "Gongzuo-2026!x"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, and at the end of the session, on PostgreSQL, any
    connection to them still open (a server's or a job runner's thread a test started) closed
    before they are dropped: otherwise the drop fails ("is being accessed by other users") and
    the database stays behind until the next run's clean-up."""
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture
def fast_hashing(settings):
    """Logins in a test cost a hash, not PBKDF2's half second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def jia(jiuye, example_dir):
    """The worked example imported, and ``jia``, a community worker of 甲."""
    from jiuye.accounts.services import user_add

    assert jiuye("import", str(example_dir)).code == 0
    return user_add(username="jia", role="community", scope_code=JIA, password=PASSWORD)


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def run_jiuye(*args: str, stdin: str | None = None) -> Run:
    """Run a management command in-process; ``code`` is its exit status."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    import sys

    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception as exc:  # CommandError and friends, as the CLI would report them
        from django.core.management import CommandError

        if not isinstance(exc, CommandError):
            raise
        err.write(str(exc))
        code = exc.returncode
    finally:
        sys.stdin = old_stdin
    return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def jiuye():
    return run_jiuye


class AxesClient(Client):
    """Django's test client whose ``login`` passes a request, as django-axes' backend requires.

    The login still goes through axes (failures count, lockouts refuse)."""

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/login/"))
        return super().login(**credentials)


@pytest.fixture
def client():
    return AxesClient()


@pytest.fixture(autouse=True)
def _second_factor_only_when_asked(request, settings):
    """The second factor (TOTP) is off unless a test is marked ``@pytest.mark.otp``:
    most tests log district and city users in with ``force_login``."""
    if request.node.get_closest_marker("otp") is None:
        settings.JIUYE_OTP_REQUIRED_ROLES = ()


@pytest.fixture
def example_dir() -> Path:
    """The worked example of the spec (../shared beside the checkout, as in CI)."""
    if not EXAMPLE.exists():
        pytest.skip("../shared/spec/examples/basic not found beside the checkout")
    return EXAMPLE


@pytest.fixture
def chromium(live_server):
    """A headless Debian Chromium against the live test server (see tests/browser.py)."""
    import os

    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the ORM runs beside Playwright's loop
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _jobs_in_the_test_process(settings):
    """Background jobs run eagerly in the test's own process (its test database is not one
    another process could open); tests/test_job_process.py runs them in processes of their own."""
    settings.JIUYE_JOB_PROCESS = False


@pytest.fixture(autouse=True)
def _no_pages_prepared_after_imports(settings):
    """Imports start no background preparation of pages (tests/test_prepare_after_import.py
    turns it on)."""
    settings.JIUYE_PREPARE_AFTER_IMPORT = False


@pytest.fixture(autouse=True)
def _no_cached_page_of_another_test():
    """Each test starts with an empty page cache: the database is rolled back between tests,
    so the revisions of one test are those of the next (jiuye/divisions/revisions.py); nor any
    evaluation context shared by the pages (keyed by those revisions too)."""
    from django.core.cache import caches

    def forget():
        caches["pages"].clear()
        context = sys.modules.get("jiuye.standards.context")  # not imported for it: it loads pandas
        if context is not None:
            context.forget_shared_contexts()

    forget()
    yield
    forget()
