"""ID and phone numbers never travel in a URL (issue 14, part 4).

Every request line (method, path and query string) is logged, as an access log or a proxy
would keep it, by a receiver of Django's ``request_started`` (it sees the WSGI environ of the
test client and of the live server alike). A worker searches by ID number and by phone on the
search page (the form and its live htmx results) and a client of the API does the same; no
number is in any logged line, nor in any link of the results and of the pages they lead to.
``tests/test_browser_forms.py`` does it in Chromium, and also watches every URL the browser requests.
"""

import json
import logging
import re

import pytest
from django.core.signals import request_started
from django.test import Client

PASSWORD = "Gongzuo-2026!x"
A = "500103001001"
ZHANG_ID = "500103198003150119"  # 张建国 of 甲 (A1)
ZHANG_PHONE = "13812345678"
# The numbers and the parts of them that identify a person (birth date, the phone's subscriber digits).
SECRETS = (ZHANG_ID, ZHANG_PHONE, "19800315", "0119", "12345678", "5678")
LINK_RE = re.compile(r'\b(?:href|src|action|formaction|hx-get|hx-post|hx-put|hx-delete|hx-patch|data-url)="([^"]*)"')

log = logging.getLogger("jiuye.test.requests")


@pytest.fixture
def request_lines():
    """Every request line from now on, as an access log would record it."""
    lines = []

    def record(sender, environ=None, **kwargs):
        if environ is None:
            return
        query = environ.get("QUERY_STRING", "")
        line = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}{'?' + query if query else ''}"
        lines.append(line)
        log.info(line)

    request_started.connect(record, weak=False)
    yield lines
    request_started.disconnect(record)


def leaked(texts) -> list[str]:
    return [f"{secret} in {text!r}" for text in texts for secret in SECRETS if secret in text]


def links(html: str) -> list[str]:
    return LINK_RE.findall(html)


def _register():
    from jiuye.accounts.services import user_add
    from jiuye.registry.models import Person

    zhang = Person.objects.with_id_number(ZHANG_ID).get()
    zhang.phone = ZHANG_PHONE
    zhang.save()
    return user_add(username="jia", role="community", scope_code=A, password=PASSWORD)


@pytest.fixture
def worker(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    return _register()


def _csrf(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.mark.django_db
def test_searching_by_id_and_phone_logs_no_number(worker, request_lines, caplog):
    caplog.set_level(logging.DEBUG)
    browser = Client(enforce_csrf_checks=True)  # as a browser: the form's CSRF token is needed
    browser.force_login(worker)
    token = _csrf(browser.get("/people/").content.decode())
    found = []
    for number in (ZHANG_ID, ZHANG_PHONE, "5678"):  # the last digits: a community worker's search
        page = browser.post("/people/", {"q": number, "csrfmiddlewaretoken": token}).content.decode()
        live = browser.post("/people/", {"q": number, "csrfmiddlewaretoken": token},
                            headers={"HX-Request": "true"}).content.decode()  # the live results
        found += ["张建国" in page, "张建国" in live]
    assert all(found)  # the searches worked

    from jiuye.api.services import token_create

    api = Client()
    bearer = {"Authorization": f"Bearer {token_create(username='jia')}"}
    for number in (ZHANG_ID, ZHANG_PHONE):
        response = api.post("/api/v1/persons/search/?limit=10", json.dumps({"q": number}),
                            content_type="application/json", headers=bearer)
        assert [p["name"] for p in response.json()["results"]] == ["张建国"]
        assert response.json()["next"] is None or not leaked([response.json()["next"]])
    # A number in the query string is refused, not searched (and so never answered from a URL).
    refused = api.get(f"/api/v1/persons/?q={ZHANG_ID}", headers=bearer)
    assert refused.status_code == 400 and "POST persons/search/" in refused.json()["q"][0]

    assert len(request_lines) >= 9
    assert {line.split(" ")[0] for line in request_lines} >= {"GET", "POST"}
    # The test's own GET above is the only line holding a number: it is what the API refused.
    sent = [line for line in request_lines if "?q=" not in line]
    assert leaked(sent) == []
    assert leaked(record.getMessage() for record in caplog.records if record.name != "jiuye.test.requests") == []


@pytest.mark.django_db
def test_a_number_in_the_address_bar_is_not_searched_nor_shown(worker):
    browser = Client()
    browser.force_login(worker)
    response = browser.get(f"/people/?q={ZHANG_ID}")
    assert response.status_code == 302 and response["Location"] == "/people/"  # the address loses the number
    page = browser.get(response["Location"]).content.decode()
    assert "不能从地址栏查找" in page and "张建国" not in page and ZHANG_ID not in page
    assert browser.get("/people/?q=138%201234-5678").status_code == 302  # written with separators too
    # Names and pinyin initials may still be linked.
    assert "张建国" in browser.get("/people/?q=zjg").content.decode()
    assert "张建国" in browser.get("/people/?q=建国").content.decode()


@pytest.mark.django_db
def test_no_link_of_the_results_or_the_pages_they_lead_to_carries_a_number(worker):
    browser = Client()
    browser.force_login(worker)
    pages = {}
    for number in (ZHANG_ID, ZHANG_PHONE):
        pages[f"search {number}"] = browser.post("/people/", {"q": number}).content.decode()
        pages[f"live {number}"] = browser.post("/people/", {"q": number}, headers={"HX-Request": "true"}).content.decode()
    results = {url for html in pages.values() for url in links(html) if url.startswith("/people/")}
    assert any(re.fullmatch(r"/people/\d+/", url) for url in results)
    seen = set()
    to_visit = sorted(url for url in results if re.fullmatch(r"/people/\d+/", url))
    # The person's page and every page of ours it links to (its household, the casework flows, the edit page …).
    while to_visit:
        url = to_visit.pop()
        if url in seen or len(seen) > 60:
            continue
        seen.add(url)
        response = browser.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        pages[url] = response.content.decode()
        if url.startswith(("/people/", "/households/")):
            to_visit += [u for u in links(pages[url]) if u.startswith(("/people/", "/households/"))]
    assert len(seen) > 10
    every_link = [url for html in pages.values() for url in links(html)]
    assert leaked(every_link) == [], sorted(set(every_link))
