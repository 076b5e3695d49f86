"""The ledgers on screen: a page of rows at a time, the filters kept from page to page, every
filter labelled; the workbook to print keeps every row."""

import io
import re

import pytest
from openpyxl import load_workbook

from jiuye.accounts.services import user_add
from jiuye.ledgers.views import PAGE_SIZE

pytestmark = pytest.mark.django_db
PASSWORD = "Gongzuo-2026!x"
CODE = "500107078001"


@pytest.fixture
def worker(jiuye, tmp_path, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    out = tmp_path / "register"
    assert jiuye("generate", str(out), "--communities", "1", "--seed", "3", "--persons-per-community", "400").code == 0
    assert jiuye("import", str(out)).code == 0
    return user_add(username="shi", role="community", scope_code=CODE, password=PASSWORD)


def _body_rows(html: str) -> int:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].count("<tr>")


def test_a_long_ledger_is_paged_and_the_pages_keep_the_filters(client, worker):
    client.force_login(worker)
    params = {"division": CODE, "as_of": "2026-06-30"}
    first = client.get("/ledgers/labour-force/", params).content.decode()
    total = int(re.search(r'id="ledger-count">(\d+)', first).group(1))
    assert total > PAGE_SIZE and _body_rows(first) == PAGE_SIZE
    assert "第 1 页" in first
    nxt = re.search(r'<a href="\?([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "division=500107078001" in nxt and "as_of=2026-06-30" in nxt and "page=2" in nxt
    pages = -(-total // PAGE_SIZE)
    last = client.get("/ledgers/labour-force/", {**params, "page": pages}).content.decode()
    assert _body_rows(last) == total - PAGE_SIZE * (pages - 1)
    assert 'rel="next"' not in last and 'rel="prev"' in last
    # The workbook to print is the whole ledger, whatever page is shown.
    xlsx = re.search(r'href="(/ledgers/labour-force/xlsx/\?[^"]+)"', last).group(1).replace("&amp;", "&")
    assert "page=" not in xlsx
    sheet = load_workbook(io.BytesIO(client.get(xlsx).content)).active
    numbers = [row[0] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert numbers == list(range(1, total + 1))


def test_a_filtered_ledger_pages_within_the_filter(client, worker):
    client.force_login(worker)
    everyone = client.get("/ledgers/labour-force/", {"division": CODE, "as_of": "2026-06-30"}).content.decode()
    unemployed = client.get("/ledgers/labour-force/", {"division": CODE, "as_of": "2026-06-30",
                                                       "status": "失业"}).content.decode()
    n = int(re.search(r'id="ledger-count">(\d+)', unemployed).group(1))
    assert 0 < n < int(re.search(r'id="ledger-count">(\d+)', everyone).group(1))
    assert '<option value="失业" selected>' in unemployed


def test_every_filter_of_every_ledger_has_a_label(client, worker):
    from jiuye.ledgers.printed import LEDGERS

    client.force_login(worker)
    for ledger in LEDGERS:
        html = client.get(f"/ledgers/{ledger.slug}/", {"division": CODE}).content.decode()
        form = html.split('id="ledger-filters"', 1)[1].split("</form>", 1)[0]
        for tag, attrs in re.findall(r"<(input|select)\b([^>]*)>", form):
            if 'type="hidden"' in attrs:
                continue
            field_id = re.search(r'id="([^"]+)"', attrs).group(1)
            assert f'<label for="{field_id}">' in form, (ledger.slug, tag, attrs)


def _body(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


def test_each_page_is_its_own_and_a_page_out_of_range_shows_the_nearest(client, worker):
    client.force_login(worker)
    params = {"division": CODE, "as_of": "2026-06-30"}
    first = client.get("/ledgers/labour-force/", params).content.decode()
    second = client.get("/ledgers/labour-force/", {**params, "page": 2}).content.decode()
    assert _body(first) != _body(second)
    assert _body(client.get("/ledgers/labour-force/", {**params, "page": 2}).content.decode()) == _body(second)
    assert "第 2 页" in second
    # Not a number: the first page, as before the cache; past the end: the last page.
    assert _body(client.get("/ledgers/labour-force/", {**params, "page": "二"}).content.decode()) == _body(first)
    total = int(re.search(r'id="ledger-count">(\d+)', first).group(1))
    last = client.get("/ledgers/labour-force/", {**params, "page": -(-total // PAGE_SIZE)}).content.decode()
    beyond = client.get("/ledgers/labour-force/", {**params, "page": 99999999}).content.decode()
    assert _body(beyond) == _body(last) and _body_rows(beyond) == total - PAGE_SIZE * (-(-total // PAGE_SIZE) - 1)


def test_a_page_seen_in_chinese_then_in_english_shows_english_headers(client, worker):
    client.force_login(worker)
    params = {"division": CODE, "as_of": "2026-06-30", "page": 2}
    zh = client.get("/ledgers/labour-force/", params).content.decode()
    client.cookies["django_language"] = "en"
    en = client.get("/ledgers/labour-force/", params).content.decode()
    assert "姓名" in zh.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "Name" in en.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert _body_rows(en) == _body_rows(zh) == PAGE_SIZE
