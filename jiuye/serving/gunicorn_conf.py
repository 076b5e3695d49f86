"""gunicorn's configuration for jiuye: what ``jiuye serve`` runs.

``jiuye serve`` is ``gunicorn --config python:jiuye.serving.gunicorn_conf`` with the application
``jiuye.wsgi:application``; any gunicorn option after it (``jiuye serve --workers 4``) overrides
what is here, and the environment variables below change the defaults without one.

- ``JIUYE_BIND`` (``127.0.0.1:8000``; comma-separated for several): where to listen. Behind a
  reverse proxy on the same host keep the loopback address; ``0.0.0.0:8000`` to be reached
  directly.
- ``JIUYE_WORKERS`` (2) processes × ``JIUYE_THREADS`` (8) threads each: requests answered at
  once. Processes share nothing and each uses all of one core (pages are Python, one
  interpreter lock per process); threads let a process go on while another request waits for
  the database. One process per core, 8 threads each, measured best on the 2-core benchmark
  machine (``bench/README.md``).
- ``JIUYE_TIMEOUT`` (120 s): a worker process that stops answering its master this long is
  restarted. Requests themselves may take longer (an import without a broker runs inside
  its request); the threads keep the process answering meanwhile.
- ``JIUYE_MAX_REQUESTS`` (0: never): restart each process after about this many requests, as a
  guard against memory growth.
- ``JIUYE_ACCESS_LOG`` (``-``: standard output; empty: none): one line per request, **without
  the query string or the referring page**, which may carry a searched name or ID number:
  address, time, method, path, status, bytes, milliseconds, user agent.
- ``JIUYE_FORWARDED_ALLOW_IPS`` (``127.0.0.1``): proxies whose ``X-Forwarded-*`` headers are
  believed.

The application is loaded once in the master process and then forked (``preload_app``), so the
workers share its memory; before forking, the master also loads the rest of the project, the
URL map, the templates and the translations (``jiuye/serving/preload.py``), so that no worker
spends its first requests on them. Restart the service (not ``HUP``) to load a new version.
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


wsgi_app = "jiuye.wsgi:application"
bind = [address.strip() for address in os.environ.get("JIUYE_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = _int("JIUYE_WORKERS", 2)
threads = _int("JIUYE_THREADS", 8)
worker_class = "gthread"
timeout = _int("JIUYE_TIMEOUT", 120)
graceful_timeout = 30
keepalive = 5  # seconds an idle keep-alive connection is kept open
max_requests = _int("JIUYE_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10
preload_app = True
proc_name = "jiuye"
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # heartbeat files off the disk
forwarded_allow_ips = os.environ.get("JIUYE_FORWARDED_ALLOW_IPS", "127.0.0.1")
# No run-time control socket (gunicornc): one fixed path per user, which two servers on one
# machine would share; stop and start the service instead.
control_socket_disable = True

accesslog = os.environ.get("JIUYE_ACCESS_LOG", "-") or None
# %(U)s is the path without its query string; no %(r)s (the request line) and no %(f)s (referer).
access_log_format = '%(h)s - %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("JIUYE_SERVER_LOG_LEVEL", "info")


def when_ready(server):
    """In the master, before any worker is forked: load everything a worker would load on its
    first requests (``jiuye.serving.preload``), and say so when static files have not been
    collected: pages would link plain names that nothing serves."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")
    from django.conf import settings

    from jiuye.serving.preload import preload

    figures = preload()
    server.log.info("preloaded %(modules)s modules and %(templates)s templates in %(seconds)s s", figures)

    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if not manifest.exists():
        server.log.warning(
            "静态文件尚未收集，请先运行 jiuye collectstatic / static files not collected under %s: "
            "run `jiuye collectstatic --noinput` first", settings.STATIC_ROOT)
