"""Certification in a real browser (Playwright driving Debian's Chromium), one step after another.

The community worker of 甲 applies with the latest saved evaluation and uploads the
evidence for S6–S8; the street approves; the district accepts and grants the first
subsidy. A year later the district runs the re-check: 甲 has since failed (S7, S8) and
is flagged with a due date. The dashboard, the December filing and the subsidy ledger
are looked at after each step. Screenshots are kept in test-artifacts/.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.browser import ARTIFACTS, MARKS
from tests.conftest import run_jiuye

PASSWORD = "Gongzuo-2026!x"
SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = MARKS


@pytest.fixture
def browser(chromium):
    return chromium


@pytest.fixture
def people(example_dir):
    from jiuye.accounts.services import user_add

    assert run_jiuye("import", str(example_dir)).code == 0
    for name, role, scope in (("wang", "community", "500103001001"), ("jie", "street", "500103001"),
                              ("yu", "district", "500103"), ("shi", "city", "500000")):
        user_add(username=name, role=role, scope_code=scope, password=PASSWORD)


def _login(browser, base, username):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login/" not in page.url, f"{username} could not log in"
    return page


def _status(page) -> str:
    return page.locator("#status .ov-status").get_attribute("class").split("ov-")[-1]


def _chart_drawn(page, canvas_id="chart-trend") -> bool:
    return page.evaluate(f"() => !!window.Chart && !!Chart.getChart(document.getElementById('{canvas_id}'))")


def test_application_review_acceptance_and_a_failed_recheck(browser, live_server, people, tmp_path):
    import time_machine

    base = live_server.url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    files = {}
    for key in ("s6", "s7", "s8"):
        files[key] = tmp_path / f"{key}-材料.pdf"
        files[key].write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    with time_machine.travel(dt.datetime(2026, 6, 30, 9, 30, tzinfo=SHANGHAI), tick=True):
        # -- the community worker applies -------------------------------------------------------
        worker = _login(browser, base, "wang")
        worker.goto(f"{base}/dashboard/")
        assert worker.locator("#passing").inner_text() == "1"  # 甲 meets every standard
        assert _chart_drawn(worker)
        worker.goto(f"{base}/certification/")
        worker.click("#apply-link")
        assert "2026-06-30" in worker.locator("main").inner_text()
        for key, path in files.items():
            worker.set_input_files(f"input[name={key}]", str(path))
        worker.fill("textarea[name=note]", "八项标准全部达到")
        worker.click("#apply-form button[type=submit]")
        worker.wait_for_url("**/certification/*/")
        certification_url = worker.url
        assert _status(worker) == "applied"
        assert worker.locator("#evidence li").count() == 3
        worker.screenshot(path=str(ARTIFACTS / "certification-applied.png"), full_page=True)

        # -- the street reviews -----------------------------------------------------------------
        street = _login(browser, base, "jie")
        street.goto(f"{base}/certification/")
        assert street.locator("#certifications tr.ov-waiting").count() == 1
        street.click("#certifications a:has-text('示例甲社区')")
        street.fill("#review-form textarea[name=reason]", "材料齐全，同意上报")
        street.click("#review-form button[value=approve]")
        street.wait_for_selector("#status .ov-reviewed")
        street.goto(f"{base}/dashboard/")
        assert street.locator("#evaluated").inner_text() == "2" and street.locator("#passing").inner_text() == "1"
        assert street.locator("#children tr[data-code='500103001001']").count() == 1
        assert street.locator("#children tr[data-code='500105002003']").count() == 0

        # -- the district accepts, sees the filing, grants the first subsidy ---------------------
        district = _login(browser, base, "yu")
        district.goto(certification_url)
        district.click("#accept-form button[value=accept]")
        district.wait_for_selector("#status .ov-certified")
        assert "2026-06-30" in district.locator("#status").inner_text()
        district.goto(f"{base}/filing/?year=2026")
        row = district.locator("#filing tr[data-code='500103001001']")
        assert row.count() == 1 and "2026-06-30" in row.inner_text()
        with district.expect_download() as download:
            district.click("#filing-xlsx")
        assert download.value.suggested_filename == "filing-500103-2026.xlsx"
        district.goto(f"{base}/subsidies/?year=2026")
        assert "15000" not in district.locator("#ledger").inner_text()
        district.select_option("#grant-form select[name=kind]", "first")
        district.fill("#grant-form input[name=amount]", "15000")
        district.click("#grant-form button[type=submit]")
        district.wait_for_selector("#ledger tr[data-kind='first']")
        assert "15000" in district.locator("#ledger-total").inner_text()
        district.goto(f"{base}/dashboard/")
        target = district.locator("#districts tr[data-code='500103']").inner_text()
        assert "50.0%" in target and "90.0%" in target and "✗" in target  # 1 of 2 against group A's 90%
        district.screenshot(path=str(ARTIFACTS / "dashboard-district.png"), full_page=True)
        for page in (worker, street, district):
            page.context.close()

    with time_machine.travel(dt.datetime(2027, 7, 1, 9, 30, tzinfo=SHANGHAI), tick=True):
        # -- a year later: the re-check flags 甲 (S7, S8 no longer met) ---------------------------
        district = _login(browser, base, "yu")
        district.goto(f"{base}/certification/rechecks/?year=2027")
        district.click("#recheck-run button[type=submit]")
        district.wait_for_selector("#rechecks tr[data-code='500103001001']")
        row = district.locator("#rechecks tr[data-code='500103001001']")
        assert row.get_attribute("data-status") == "flagged"
        assert "S7, S8" in row.inner_text() and "2027-10-01" in row.inner_text()
        assert "2027-10-01" in district.locator("#due").inner_text()

        # The dashboard reads this month's saved evaluation: 甲 now fails.
        district.goto(f"{base}/dashboard/500103001001/")
        assert district.locator("#passing").inner_text() == "0"
        assert "2027-07-01" in district.locator("#as-of").inner_text()
        assert "6/8" in district.locator("#trend tbody tr").last.inner_text()
        assert _chart_drawn(district)

        # The 2027 filing shows the failed re-check and its due date; no recommendation is offered.
        district.goto(f"{base}/filing/?year=2027")
        row = district.locator("#filing tr[data-code='500103001001']")
        assert "S7, S8" in row.locator(".recheck").inner_text() and "2027-10-01" in row.inner_text()
        assert row.locator("button:has-text('Recommend'), form").count() == 0

        # No yearly subsidy after a failed re-check; the 2026 ledger keeps its grant.
        district.goto(f"{base}/subsidies/?year=2027")
        district.select_option("#grant-form select[name=kind]", "yearly")
        district.fill("#grant-form input[name=amount]", "4000")
        district.fill("#grant-form input[name=year]", "2027")
        district.click("#grant-form button[type=submit]")
        district.wait_for_selector("ul.messages li.error")
        assert "2027" in district.locator("ul.messages li.error").inner_text()
        assert district.locator("#ledger tr[data-kind]").count() == 0
        district.goto(f"{base}/subsidies/?year=2026")
        assert "15000" in district.locator("#ledger-total").inner_text()
        district.screenshot(path=str(ARTIFACTS / "recheck-flagged.png"), full_page=True)

        # The city sees every district's filing.
        city = _login(browser, base, "shi")
        city.goto(f"{base}/filing/?year=2027")
        line = city.locator("#filing-overview tr[data-code='500103']").inner_text()
        assert "1" in line
        city.goto(f"{base}/dashboard/")
        assert city.locator("#passing").inner_text() == "0"
