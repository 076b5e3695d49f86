"""The production server (issue 16, part 1): ``jiuye serve`` is gunicorn with the project's
configuration (``jiuye/serving/gunicorn_conf.py``), and the application serves its own static
files (WhiteNoise) under content-hashed, compressed names after ``collectstatic``.

The server runs as a real process on a free loopback port with ``JIUYE_DEBUG=0``, as deployed.
Its database is an empty SQLite file: the login page and static files need no query.
"""

import gzip
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.slow]

NAME = "张建国"
ID_NUMBER = "11010519491231002X"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.fixture
def served(tmp_path):
    """``jiuye serve`` after ``jiuye collectstatic``; yields (base URL, the server's log file)."""
    env = {**os.environ, "JIUYE_VAR_DIR": str(tmp_path / "var"), "JIUYE_DEBUG": "0",
           "JIUYE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
           "JIUYE_SECRET_KEY": "serve-test-secret", "JIUYE_FIELD_KEY": "serve-test-key",
           "JIUYE_ALLOWED_HOSTS": "127.0.0.1,localhost", "PYTHONPATH": str(ROOT)}
    for name in ("JIUYE_BROKER_URL", "JIUYE_REPLICA_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    jiuye = [sys.executable, "-m", "jiuye"]
    # The admin's and the browsable API's files are left out here only to keep the test short.
    collected = subprocess.run([*jiuye, "collectstatic", "--noinput", "-v", "0", "-i", "admin", "-i", "rest_framework"],
                               env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert collected.returncode == 0, collected.stderr[-3000:]
    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([*jiuye, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"],
                                  env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, f"jiuye serve stopped: {log.read_text()[-3000:]}"
            try:
                if _get(f"{base}/login/")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"jiuye serve did not answer: {log.read_text()[-3000:]}"
            time.sleep(0.3)
        yield base, log, server
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=30)


def test_jiuye_serve_answers_a_page_and_hashed_static_files_with_long_cache_headers(served):
    base, log, _ = served
    status, headers, body = _get(f"{base}/login/")
    assert status == 200 and headers["Server"] == "gunicorn"
    page = body.decode()
    assert 'name="username"' in page
    # The page links the collected, content-hashed names ...
    css = re.search(r'href="(/static/jiuye/site\.[0-9a-f]{12}\.css)"', page)
    script = re.search(r'src="(/static/jiuye/site\.[0-9a-f]{12}\.js)"', page)
    assert css and script, page[:2000]
    # ... which the application serves itself, cached for good and compressed.
    status, headers, body = _get(base + css[1], {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == (ROOT / "jiuye/static/jiuye/site.css").read_bytes()
    status, headers, _ = _get(base + script[1])
    assert status == 200 and "immutable" in headers["Cache-Control"]
    # A name without its hash may change: cached briefly only.
    status, headers, _ = _get(f"{base}/static/jiuye/site.css")
    assert status == 200 and "immutable" not in headers["Cache-Control"]
    assert _get(f"{base}/static/jiuye/none.css")[0] == 404


def test_the_access_log_has_no_query_string_nor_referring_page(served):
    base, log, server = served
    query = urllib.parse.urlencode({"next": f"/people/?q={NAME}", "id": ID_NUMBER})
    referer = f"{base}/people/?" + urllib.parse.urlencode({"q": NAME})
    assert _get(f"{base}/login/?{query}", {"Referer": referer, "User-Agent": "jiuye-test"})[0] == 200
    os.killpg(server.pid, signal.SIGTERM)  # the log is complete once the server has stopped
    server.wait(timeout=30)
    text = log.read_text()
    requests = [line for line in text.splitlines() if "jiuye-test" in line]
    assert len(requests) == 1 and '"GET /login/ HTTP/1.1" 200' in requests[0], text[-2000:]
    for secret in (NAME, urllib.parse.quote(NAME), ID_NUMBER, "q=", "next=", "/people/"):
        assert secret not in text, f"{secret!r} in the server's log"


def test_the_server_loads_the_project_templates_and_translations_before_forking(served):
    base, log, _ = served
    assert _get(f"{base}/login/")[0] == 200
    found = re.search(r"preloaded (\d+) modules and (\d+) templates", log.read_text())
    assert found, log.read_text()[-2000:]
    assert int(found[1]) > 100 and int(found[2]) > 50


def test_preloading_touches_no_database():
    """Run in gunicorn's master before forking: a connection opened there would be one socket
    shared by every worker (pytest-django refuses any database access in this test)."""
    import sys

    from django.template import engines

    from jiuye.serving.preload import preload

    figures = preload()
    assert figures["failed"] == 0
    for name in ("jiuye.urls", "jiuye.ledgers.printed", "jiuye.standards.context", "jiuye.api.views", "pandas"):
        assert name in sys.modules
    loader = engines["django"].engine.template_loaders[0]
    assert "desk/today.html" in {key.split("-")[0] for key in loader.get_template_cache}
