"""Serving the application: the production server and the static files.

- ``gunicorn_conf.py``: the gunicorn configuration ``jiuye serve`` runs with (workers, threads,
  timeouts, an access log without query strings);
- ``storage.py``: static files with content-hashed, compressed names (``collectstatic``), served
  by the application itself through WhiteNoise, so a small deployment needs no nginx.
"""
