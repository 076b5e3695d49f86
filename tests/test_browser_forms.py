"""The forms in a real browser (Playwright driving Debian's Chromium), at phone width (390 px)
and on a desktop (1366 px): searching by ID and phone without the number reaching a URL, a
new household with its errors beside the fields, and a registration that asks before it ends
a job. Screenshots go to test-artifacts/."""

import pytest

from tests.browser import ARTIFACTS, MARKS
from tests.conftest import run_jiuye
from tests.test_numbers_not_in_urls import PASSWORD, ZHANG_ID, ZHANG_PHONE, _register, leaked, request_lines

pytestmark = MARKS
WIDTHS = [390, 1366]
__all__ = ["request_lines"]  # the fixture, shared with the test client's version

NO_OVERFLOW = "() => document.documentElement.scrollWidth <= window.innerWidth"
UNLABELLED = """() => [...document.querySelectorAll('main input, main select, main textarea')]
  .filter(e => e.type !== 'hidden' && !e.closest('label') && !e.getAttribute('aria-label')
               && !(e.id && document.querySelector('label[for="' + e.id + '"]')))
  .map(e => e.name)"""


@pytest.fixture
def worker(example_dir):
    assert run_jiuye("import", str(example_dir)).code == 0
    return _register()


@pytest.fixture
def page_at(chromium, live_server, worker):
    contexts = []

    def open_at(width: int):
        context = chromium.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20000)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "jia")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_at
    for context in contexts:
        context.close()


def _looks_right(page, name: str, width: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    assert page.evaluate(NO_OVERFLOW), f"{name} overflows at {width} px"
    assert page.evaluate(UNLABELLED) == [], f"{name}: inputs without a label"


@pytest.mark.parametrize("width", WIDTHS)
def test_searching_by_number_keeps_it_out_of_every_url(page_at, live_server, request_lines, width):
    page = page_at(width)
    asked = []
    page.on("request", lambda r: asked.append(f"{r.method} {r.url}"))
    page.goto(f"{live_server.url}/people/")
    _looks_right(page, "search", width)
    for number in (ZHANG_ID, ZHANG_PHONE):
        box = page.locator("input[name=q]")
        box.fill("")
        with page.expect_response(lambda r, n=number: r.request.method == "POST" and "hx-request" in r.request.headers
                                  and n in (r.request.post_data or "")):
            box.press_sequentially(number, delay=5)  # keystrokes: the live (htmx) results, sent in the body
        page.wait_for_selector("#results >> text=张建国")
        with page.expect_navigation():
            box.press("Enter")  # and the form itself
        assert "张建国" in page.locator("#results").inner_text()
        assert number not in page.url
    page.click("#results >> text=张建国")
    page.wait_for_selector("h1:has-text('张建国')")
    targets = page.eval_on_selector_all(
        "[href], [action], [hx-get], [hx-post], [src]",
        "els => els.map(e => ['href', 'action', 'hx-get', 'hx-post', 'src'].map(a => e.getAttribute(a) || '').join(' '))")
    page.goto(f"{live_server.url}/people/?q=zjg")  # a name may still be linked
    assert "张建国" in page.locator("#results").inner_text()

    assert len([a for a in asked if a.startswith("POST") and "/people/" in a]) >= 4  # live results and submits
    assert any(line.startswith("POST /people/") for line in request_lines)
    assert leaked(request_lines) == [] and leaked(asked) == []
    assert targets and leaked(targets) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_worker_creates_a_household_and_adds_its_first_member(page_at, live_server, width):
    from jiuye.registry.models import Household

    page = page_at(width)
    page.goto(f"{live_server.url}/people/")
    page.click("#new-household")
    page.wait_for_selector("h1:has-text('新建家庭')")
    _looks_right(page, "household-new", width)
    # An existing number: refused beside its field, nothing written.
    page.fill("input[name=code]", "A1")
    page.fill("input[name=address]", "民族路9号")
    page.select_option("select[name=hukou]", "城镇")
    page.click("main button[type=submit]")
    page.wait_for_selector("#error-code")
    assert "已存在" in page.locator("#error-code").inner_text()
    assert page.input_value("input[name=address]") == "民族路9号"  # what was typed is kept
    _looks_right(page, "household-new-error", width)
    assert Household.objects.filter(code__startswith="A9").count() == 0
    code = f"A9-{width}"
    page.fill("input[name=code]", code)
    page.click("main button[type=submit]")
    page.wait_for_selector(f"h1:has-text('{code}')")
    assert "民族路9号" in page.content() and "示例甲社区" in page.content()
    assert "请添加家庭成员" in page.locator("ul.messages").inner_text()
    household = Household.objects.get(code=code)
    assert household.community.code == "500103001001" and household.hukou == "城镇"
    _looks_right(page, "household-created", width)
    page.click("main a:has-text('添加家庭成员')")
    page.wait_for_url(f"**/households/{household.pk}/add/")
    assert code in page.content()


@pytest.mark.parametrize("width", WIDTHS)
def test_registering_someone_in_work_asks_first(page_at, live_server, width):
    from jiuye.registry.models import Person

    zhang = Person.objects.get(name="张建国")
    page = page_at(width)
    page.goto(f"{live_server.url}/people/{zhang.pk}/register/")
    page.fill("input[name=date]", "2026-06-29")
    page.click("main button[type=submit]")
    page.wait_for_selector("#confirmation")
    text = page.locator("#confirmation").inner_text()
    assert "就业（自 2005-03-01 起，重庆某公司）于 2026-06-28 结束" in text
    _looks_right(page, "register-confirm", width)
    assert not zhang.registrations.exists()
    page.click("#confirm-save")
    page.wait_for_url(f"**/people/{zhang.pk}/")
    assert zhang.registrations.filter(registered_on="2026-06-29").exists()
    assert zhang.statuses.get(start="2026-06-29").status == "失业"
