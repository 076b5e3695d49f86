"""Static files: hashed and compressed by ``collectstatic``, served by WhiteNoise.

``jiuye collectstatic`` writes every static file under ``STATIC_ROOT`` twice: as it is and with
a hash of its content in its name (``site.3f1c….css``), each also gzip- and brotli-compressed,
and a manifest mapping the one to the other. Pages then link the hashed names, which WhiteNoise
serves with ``Cache-Control: max-age=315360000, public, immutable`` (a new version is a new name).

Before ``collectstatic`` has run (development, tests, a trial ``runserver``) there is no manifest:
pages link the plain names, as Django's own static storage does, instead of failing. Once a
manifest exists, a name missing from it is an error, as Django makes it (run ``collectstatic``
again after an upgrade).
"""

import os

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    # Scripts are hashed by their own content but not rewritten: a vendored script's source-map
    # comment names a map that is not shipped (chart.umd.min.js), which would stop collectstatic.
    patterns = tuple(p for p in ManifestStaticFilesStorage.patterns if p[0] != "*.js")

    def stored_name(self, name):
        if not self.hashed_files:  # no manifest: collectstatic has not run here
            return name
        return super().stored_name(name)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, without its warning where ``STATIC_ROOT`` does not exist yet (development and
    tests: ``jiuye serve`` says so itself when it starts without collected files)."""

    def add_files(self, root, prefix=None):
        if self.autorefresh or os.path.isdir(root):
            super().add_files(root, prefix)
