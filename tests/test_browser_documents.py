"""Issue 15 parts 5–7 in a real browser (Playwright driving Debian's Chromium) on a phone (390 px)
and a desktop (1366 px): the notice board set up by the community and the district and read by
anyone, the re-check with its counts, the standing and dashboard pages as of a past date with
the trend filled in the background, and the apply page that checks eligibility first.

Each page is checked for its layout (no horizontal overflow of the page, every input with a
label) and photographed into test-artifacts/.
"""

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.browser import ARTIFACTS, MARKS
from tests.conftest import run_jiuye

PASSWORD = "Gongzuo-2026!x"
SHANGHAI = ZoneInfo("Asia/Shanghai")
A, B = "500103001001", "500103001002"
WIDTHS = [390, 1366]
pytestmark = MARKS



@pytest.fixture
def people(example_dir, settings, tmp_path):
    from jiuye.accounts.services import user_add

    settings.MEDIA_ROOT = tmp_path / "media"
    assert run_jiuye("import", str(example_dir)).code == 0
    for name, role, scope in (("wang", "community", A), ("qian", "community", B), ("jie", "street", "500103001"),
                              ("yu", "district", "500103"), ("shi", "city", "500000")):
        user_add(username=name, role=role, scope_code=scope, password=PASSWORD)


def _travel(day: dt.date):
    import time_machine

    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=SHANGHAI), tick=True)


def _page(browser, base, width, username=None):
    context = browser.new_context(viewport={"width": width, "height": 900 if width > 500 else 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20000)
    if username:
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        assert "/login/" not in page.url, f"{username} could not log in"
    return page


LAYOUT = """() => {
  const overflow = document.documentElement.scrollWidth - window.innerWidth;
  const unlabelled = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
    .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map(el => el.name || el.id || el.outerHTML.slice(0, 60));
  return {overflow, unlabelled};
}"""


def _check(page, name: str, width: int) -> None:
    """The page fits the screen's width, every input has a label; a screenshot is kept."""
    result = page.evaluate(LAYOUT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    assert result["overflow"] <= 1, f"{name} at {width}px overflows by {result['overflow']}px"
    assert result["unlabelled"] == [], f"{name} at {width}px: inputs without a label {result['unlabelled']}"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_notice_board_is_set_up_and_read_as_an_official_document(chromium, live_server, people, width):
    base = live_server.url
    with _travel(dt.date(2026, 6, 30)):
        worker = _page(chromium, base, width, "qian")
        worker.goto(f"{base}/certification/")
        worker.click("nav.oversight-nav >> text=公示牌")
        worker.wait_for_url(f"**/notice/{B}/")
        worker.click("#notice-edit")
        worker.wait_for_url(f"**/notice/{B}/edit/")
        _check(worker, "notice-edit", width)
        worker.fill("#id_contact_name", "钱老师")
        worker.fill("#id_station_phone", "023 6389 1234")
        worker.fill("#id_period_start", "2026-06-28")
        worker.click("#notice-form button[type=submit]")
        worker.wait_for_url(f"**/notice/{B}/")
        assert "公示牌已更新" in worker.locator("ul.messages").inner_text()

        district = _page(chromium, base, width, "yu")
        district.goto(f"{base}/certification/")
        district.click("nav.oversight-nav >> text=公示牌")
        district.wait_for_url("**/notice/500103/edit/")
        district.fill("#id_phone", "12333")
        district.click("#notice-form button[type=submit]")
        district.wait_for_selector("ul.messages li")
        _check(district, "notice-supervision", width)

        public = _page(chromium, base, width)
        public.goto(f"{base}/notice/{B}/")
        head = public.locator("#notice-head").inner_text()
        assert "重庆市渝中区解放碑街道" in head and "示例乙社区" in head and "创建充分就业社区公示" in head
        assert "2026-06-28 至 2026-07-04" in public.locator("#period").inner_text()
        contact = public.locator("#contact").inner_text()
        assert "钱老师" in contact and "023 6389 1234" in contact and "12333" in contact
        assert "渝中区人力资源和社会保障局" in contact
        assert "示例乙社区居民委员会" in public.locator("#issuer").inner_text()
        assert public.locator("#notice-edit").count() == 0
        _check(public, "notice-board", width)
        for page in (worker, district, public):
            page.context.close()


def _certify_jia():
    from jiuye.accounts.models import User
    from jiuye.oversight import services

    def pdf(name):
        return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "application/pdf")

    users = {u.username: u for u in User.objects.all()}
    certification = services.certification_apply(user=users["wang"], community=A,
                                                 evidence={"s6": pdf("a.pdf"), "s7": pdf("b.pdf"), "s8": pdf("c.pdf")})
    services.certification_review(user=users["jie"], certification=certification, approve=True)
    services.certification_accept(user=users["yu"], certification=certification, accept=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_recheck_counts_each_outcome(chromium, live_server, people, width):
    base = live_server.url
    with _travel(dt.date(2026, 6, 30)):
        _certify_jia()
    with _travel(dt.date(2027, 7, 1)):
        district = _page(chromium, base, width, "yu")
        district.goto(f"{base}/certification/rechecks/?year=2027")
        assert district.locator("#count-due").inner_text() == "1"
        assert district.locator("#count-not-checked").inner_text() == "1"
        row = district.locator(f"#rechecks tr[data-code='{A}']")
        assert row.get_attribute("data-status") == "pending" and "尚未复查" in row.inner_text()
        assert "复查结果" in district.locator("#rechecks thead").inner_text()
        district.click("#recheck-run button[type=submit]")
        district.wait_for_selector(f"#rechecks tr[data-code='{A}'][data-status='flagged']")
        message = district.locator("ul.messages").inner_text()
        assert "共复查 1 个社区：合格 0 个，不合格 1 个" in message and "尚未复查" not in message
        assert district.locator("#count-flagged").inner_text() == "1"
        assert district.locator("#count-not-checked").inner_text() == "0"
        assert "2027-10-01" in district.locator(f"#rechecks tr[data-code='{A}']").inner_text()
        _check(district, "rechecks", width)
        district.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_standing_and_dashboard_as_of_a_past_date(chromium, live_server, people, width):
    base = live_server.url
    with _travel(dt.date(2026, 6, 30)):
        street = _page(chromium, base, width, "jie")
        street.goto(f"{base}/standing/")
        assert "截至 2026-06-30" in street.locator("#as-of").inner_text()
        street.fill("#as-of-date", "2026-03-31")
        street.click("#as-of-form button[type=submit]")
        street.wait_for_url("**/standing/?as_of=2026-03-31")
        assert "截至 2026-03-31" in street.locator("#as-of").inner_text()
        assert "按登记簿现有记录" in street.locator("#recomputed").inner_text()
        _check(street, "standing-as-of", width)
        street.click(f"tr[data-code='{A}'] a")
        street.wait_for_url(f"**/standing/{A}/?as_of=2026-03-31")
        assert "截至 2026-03-31" in street.locator("#as-of").inner_text()
        assert street.locator("ol.standards li.fail").count() == 1  # S6, then
        _check(street, "community-as-of", width)

        # The dashboard: today's figures at once, the month ends filled in behind the page.
        started = time.monotonic()
        street.goto(f"{base}/dashboard/")
        assert time.monotonic() - started < 15
        assert "正在后台按登记簿补算 11 个月末的评估" in street.locator("#filling").inner_text()
        assert street.locator("#trend tbody tr").count() == 1
        _check(street, "dashboard-filling", width)
        for _ in range(60):
            street.wait_for_timeout(1000)
            street.reload()
            if street.locator("#filling").count() == 0:
                break
        assert street.locator("#filling").count() == 0, "the month ends were not filled in"
        assert street.locator("#trend tbody tr").count() == 12
        assert street.locator("#trend tbody tr").first.get_attribute("data-day") == "2025-07-31"
        assert street.evaluate("() => !!Chart.getChart(document.getElementById('chart-trend'))")
        _check(street, "dashboard-trend", width)
        street.fill("#as-of-date", "2026-05-31")
        street.click("#as-of-form button[type=submit]")
        street.wait_for_url("**/dashboard/?as_of=2026-05-31")
        assert "2026-05-31" in street.locator("#as-of").inner_text()
        assert "事后补算" in street.locator("#source").inner_text()  # saved by the fill, after the day
        street.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_apply_page_says_first_whether_a_community_may_apply(chromium, live_server, people, width):
    base = live_server.url
    with _travel(dt.date(2026, 6, 30)):
        yi = _page(chromium, base, width, "qian")
        yi.goto(f"{base}/certification/apply/")
        assert yi.locator("#eligibility").get_attribute("data-eligible") == "no"
        assert yi.locator("input[type=file]").count() == 0 and yi.locator("#not-eligible").is_visible()
        assert "再有 3 名居民就业即可达标" in yi.locator("#shortfall").inner_text()
        _check(yi, "apply-not-eligible", width)
        jia = _page(chromium, base, width, "wang")
        jia.goto(f"{base}/certification/apply/")
        assert jia.locator("#eligibility").get_attribute("data-eligible") == "yes"
        assert jia.locator("#apply-form input[type=file]").count() == 3
        _check(jia, "apply-eligible", width)
        for page in (yi, jia):
            page.context.close()
