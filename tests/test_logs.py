"""Quiet, useful logs (issue 14): a refused or missing page is one line saying who asked for what,
and no ID or phone number reaches a log line. Through real requests and the logging of settings."""

import io
import logging

import pytest
from django.test import Client

from jiuye.accounts.services import user_add
from jiuye.logs import mask_numbers

ZHANG = "500103198003150119"
PHONE = "13812345678"
pytestmark = pytest.mark.django_db


@pytest.fixture
def log():
    """What the configured handlers write (the root's, which Django's loggers reach, and the
    development server's access log), as text."""
    handlers = [h for h in (*logging.getLogger().handlers, *logging.getLogger("django.server").handlers,
                            *logging.getLogger("django").handlers)
                if type(h) is logging.StreamHandler]  # not pytest's own
    out = io.StringIO()
    saved = [h.setStream(out) for h in handlers]
    yield out
    for handler, stream in zip(handlers, saved, strict=True):
        handler.setStream(stream)


@pytest.fixture
def jia(client, jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    client.force_login(user_add(username="jia", role="community", scope_code="500103001001",
                                password="Gongzuo-2026!x"))
    return client


def _lines(log) -> list[str]:
    return [line for line in log.getvalue().splitlines() if line.strip()]


def test_a_refused_page_is_one_line_with_who_and_what_and_no_traceback(jia, log):
    assert jia.get("/filing/?year=2026").status_code == 403  # the filing is the district's
    [line] = _lines(log)
    assert "/filing/" in line and "jia" in line and "403" in line and "GET" in line
    assert "year=2026" not in line and "Traceback" not in log.getvalue()


def test_a_missing_page_with_an_id_number_in_its_path_is_one_masked_line(jia, log):
    assert jia.get(f"/people/{ZHANG}/").status_code == 404  # an ID typed into the address
    [line] = _lines(log)
    assert ZHANG not in line and "500103********0119" in line
    assert "jia" in line and "404" in line


def test_a_form_posted_without_its_csrf_token_is_one_line(jia, log):
    careful = Client(enforce_csrf_checks=True)
    response = careful.post("/login/", {"username": "jia", "password": "x"})
    assert response.status_code == 403
    [line] = _lines(log)
    assert "CSRF" in line and "/login/" in line and "anonymous" in line and "Traceback" not in line


def test_numbers_in_a_message_its_arguments_and_a_traceback_are_masked(log):
    logger = logging.getLogger("jiuye.anything")
    logger.warning("person %s phone %s", ZHANG, int(PHONE))
    try:
        raise ValueError(f"bad row: {ZHANG.lower()} / 138 1234 5678")
    except ValueError:
        logger.exception("failed")
    logging.getLogger("django.server").warning('"%s" %s %s', f"GET /people/?q={ZHANG} HTTP/1.1", "404", "179")
    text = log.getvalue()
    assert ZHANG not in text and PHONE not in text and "138 1234 5678" not in text
    assert text.count("500103********0119") == 3 and "138****5678" in text and "Traceback" in text


def test_masking_leaves_other_numbers_alone():
    assert mask_numbers("job 12 took 1380 ms; 2026-06-30; code 500103001001") == \
        "job 12 took 1380 ms; 2026-06-30; code 500103001001"
    assert mask_numbers(f"{ZHANG[:-1]}X and +86 {PHONE}") == "500103********011X and +86 138****5678"
