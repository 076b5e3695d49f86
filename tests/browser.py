"""Browser tests: Playwright's sync API driving Debian's Chromium (never a downloaded browser).

The ``chromium`` fixture is in conftest.py."""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("JIUYE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("JIUYE_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
MARKS = [
    pytest.mark.skipif(not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists(),
                       reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium to run browser tests"),
    pytest.mark.django_db(transaction=True),
]
