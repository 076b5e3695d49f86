"""A community worker's day in a real browser (Playwright driving Debian's Chromium).

Log in, see the queue, register an unemployed resident whose household thereby
becomes zero-employment, see the guidance deadline skip the National Day holiday,
record guidance, a referral and employment, and watch the household leave the
zero-employment list and the community's S1 change. Screenshots of the queue and
of a person page at phone width are kept in test-artifacts/.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.browser import ARTIFACTS, MARKS
from tests.conftest import run_jiuye

PASSWORD = "Gongzuo-2026!x"
pytestmark = MARKS


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def worker_day(example_dir):
    import time_machine

    from jiuye.accounts.services import user_add

    assert run_jiuye("import", str(example_dir)).code == 0
    user_add(username="wang", role="community", scope_code="500103001001", password=PASSWORD)
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


def _s1(page, base):
    page.goto(f"{base}/standing/500103001001/")
    return page.locator("#s1").inner_text()


def test_a_worker_registers_guides_refers_and_places_a_resident(browser_page, live_server, worker_day):
    page, base = browser_page, live_server.url
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{base}/")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "工作台" in page.content()
    page.screenshot(path=str(ARTIFACTS / "queue-phone.png"), full_page=True)

    assert "✓" in _s1(page, base)  # 甲 starts with everyone in work: 8/8

    # Find 赵磊 by pinyin initials and open his page.
    page.goto(f"{base}/people/?q=zl")
    page.click("text=赵磊")
    page.wait_for_selector("h1:has-text('赵磊')")
    person_url = page.url
    page.screenshot(path=str(ARTIFACTS / "person-phone.png"), full_page=True)

    # Register him unemployed on 2026-09-30: the deadline skips the National Day holiday
    # (Oct 1–7) and lands on Saturday 2026-10-10, an adjusted workday.
    page.click("text=登记失业")
    page.fill("input[name=date]", "2026-09-30")
    page.locator("input[name=date]").dispatch_event("change")
    page.wait_for_selector("#deadline:has-text('2026-10-10')")
    page.click("button:has-text('保存')")
    # He is recorded in work since 2025-10-30: the page says that job ends, and asks first.
    page.wait_for_selector("#confirmation")
    assert "于 2026-09-29 结束" in page.locator("#confirmation").inner_text()
    page.click("#confirm-save")
    page.wait_for_url(person_url)
    assert "2026-10-10" in page.locator("ul.messages").inner_text()

    # The queue now shows his guidance deadline; his household is zero-employment.
    page.goto(f"{base}/")
    assert "赵磊" in page.locator("ol.queue").inner_text()
    page.goto(f"{base}/zero/")
    assert "A4" in page.locator("#zero-current").inner_text()
    assert "✗" in _s1(page, base)  # 7/8: S1 fails

    # Guidance and a referral today, then employment from today.
    for button in ("职业指导", "职业介绍"):
        page.goto(person_url)
        page.click(f"nav.actions >> text={button}")
        page.fill("input[name=date]", "2026-10-09")
        page.click("button:has-text('保存')")
        page.wait_for_url(person_url)
    page.click("nav.actions >> text=就业")
    page.fill("input[name=start]", "2026-10-09")
    page.select_option("select[name=form]", "单位就业")
    page.fill("input[name=employer]", "重庆某物业公司")
    page.click("button:has-text('保存')")
    # Employment ends his 失业 episode and cancels his registration: listed, then confirmed.
    page.wait_for_selector("#confirmation")
    assert "注销（已就业）" in page.locator("#confirmation").inner_text()
    page.click("#confirm-save")
    page.wait_for_url(person_url)
    services = page.locator("body").inner_text()
    assert "职业指导" in services and "职业介绍" in services

    page.goto(f"{base}/zero/")
    assert "A4" not in page.locator("#zero-current").inner_text()
    assert "✓" in _s1(page, base)  # back to 8/8


def test_a_form_typed_offline_is_kept_on_the_device(browser_page, live_server, worker_day):
    page, base = browser_page, live_server.url
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "wang")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/people/?q=zl")
    page.click("text=赵磊")
    page.click("nav.actions >> text=上门走访")
    form_url = page.url
    page.fill("textarea[name=note]", "家中无人，已留联系卡")
    # The connection drops: the submission is held, the text stays on the phone.
    page.context.set_offline(True)
    page.click("button:has-text('保存')")
    assert page.locator(".draft-offline").is_visible()
    page.context.set_offline(False)
    page.wait_for_url(lambda url: url != form_url, timeout=15000)  # sent once back online
    assert "家中无人" in page.content()
    # A new form for the same flow starts empty: the saved draft was cleared.
    page.goto(form_url)
    assert page.input_value("textarea[name=note]") == ""
