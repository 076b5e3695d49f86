"""The app on loopback for the load test: ``python -m bench.serve PORT [--workers 2]``.

No production WSGI server (gunicorn, uWSGI, waitress) is installed in this environment, so
this serves ``jiuye.wsgi.application`` with Django's own threaded WSGI server (the one
``runserver`` uses, without autoreload or static files), prefork style: the application is
loaded once, then ``--workers`` processes share one listening port through SO_REUSEPORT
(the kernel spreads connections over them), each answering every connection in its own
thread with HTTP/1.1 keep-alive. That is about ``gunicorn -w 2 --threads N`` with a
slower, pure-Python HTTP layer. Run with ``JIUYE_DEBUG=0``. Not for production.
"""

import argparse
import logging
import os
import signal
import socket

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402


class Server(ThreadedWSGIServer):
    request_queue_size = 1024  # Django's default of 10 drops connections under 50 users

    def server_bind(self):
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


class Handler(WSGIRequestHandler):
    # Headers and body go out in separate writes: without this, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - the signature of BaseHTTPRequestHandler
        pass


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("port", type=int)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    logging.getLogger("django.server").setLevel(logging.ERROR)
    application = get_wsgi_application()  # loaded before forking, like gunicorn --preload
    children = []
    for _ in range(args.workers - 1):
        pid = os.fork()
        if pid == 0:
            children = None
            break
        children.append(pid)

    def stop(signum, frame):
        for pid in children or ():
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        os._exit(0)  # at once, whatever the request threads are doing

    signal.signal(signal.SIGTERM, stop)
    httpd = Server((args.host, args.port), Handler, allow_reuse_address=True)
    httpd.set_app(application)
    httpd.serve_forever()


if __name__ == "__main__":
    main()
