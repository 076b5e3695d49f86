"""Every page a worker uses, on a phone (390 px) and a desktop (1366 px), in a real browser.

Each page is checked as it is shown: the page itself never scrolls sideways (a wide table
scrolls inside its own box, which the keyboard can reach), every input has a label, axe-core
finds no serious or critical violation of WCAG 2 A and AA (China's GB/T 37668 follows WCAG
2), no text is left in two languages, and the whole navigation is there. A screenshot of
each page is kept in test-artifacts/layout/<width>/.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jiuye.bilingual import halves
from tests.browser import ARTIFACTS, DESKTOP, MARKS, PHONE, describe, need_axe, page_problems
from tests.conftest import run_jiuye

PASSWORD = "Gongzuo-2026!x"
JIA, YI = "500103001001", "500103001002"
SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = MARKS


@pytest.fixture
def world(example_dir, monkeypatch):
    """The worked example, a worker of 甲 with a little of everything to show, a street and a district user."""
    import time_machine

    monkeypatch.setattr("jiuye.tasks.services._send", lambda job_id: None)  # the export is run here, below

    from jiuye.accounts.services import user_add
    from jiuye.casework import services as cs
    from jiuye.jobs import services as js
    from jiuye.registry import models as m
    from jiuye.tasks import runner
    from jiuye.tasks import services as tasks

    assert run_jiuye("import", str(example_dir)).code == 0
    jia = user_add(username="wang", role="community", scope_code=JIA, password=PASSWORD)
    user_add(username="jie", role="street", scope_code="500103001", password=PASSWORD)
    user_add(username="yu", role="district", scope_code="500103", password=PASSWORD)
    people = {p.name: p for p in m.Person.objects.all()}
    with time_machine.travel(dt.datetime(2026, 10, 9, 9, tzinfo=SHANGHAI), tick=False):
        cs.registration_create(user=jia, person=people["赵磊"], registered_on=dt.date(2026, 9, 30))
        cs.zero_employment_sync(user=jia, community=JIA, as_of=dt.date(2026, 10, 9))
        cs.follow_up_schedule(user=jia, person=people["张建国"], due=dt.date(2026, 10, 12), reason="回访就业情况")
        employer = js.employer_create(user=jia, community=JIA, name="重庆市渝中区解放碑甲社区便民超市有限责任公司")
        vacancy = js.vacancy_create(user=jia, community=JIA, title="超市收银员", employer=employer,
                                    opened_on=dt.date(2026, 9, 1), count=2)
        js.referral_create(user=jia, vacancy=vacancy, person=people["赵磊"], referred_on=dt.date(2026, 10, 8))
        post = js.post_create(user=jia, community=JIA, kind="公益性岗位", title="社区保洁", opened_on="2026-10-01")
        job = runner.job_run(tasks.job_start(user=jia, kind="export", params={"format": "xlsx"}).pk)
    return {"people": people, "employer": employer, "vacancy": vacancy, "post": post, "job": job}


def _worker_pages(w) -> dict[str, str]:
    from jiuye.casework.flows import FLOWS
    from jiuye.ledgers.printed import LEDGERS

    zhao, zhang, liu = w["people"]["赵磊"], w["people"]["张建国"], w["people"]["刘婷"]
    pages = {
        "today": "/", "search": "/people/?q=张", "person": f"/people/{zhao.pk}/",
        "household": f"/households/{zhao.household_id}/", "person-add": f"/households/{zhang.household_id}/add/",
        "person-edit": f"/people/{zhang.pk}/edit/", "person-jobs": f"/people/{liu.pk}/jobs/", "zero": "/zero/",
        "jobs": "/jobs/", "vacancy": f"/jobs/vacancies/{w['vacancy'].pk}/", "vacancy-new": "/jobs/vacancies/new/",
        "referrals": "/jobs/referrals/", "employers": "/jobs/employers/",
        "employer": f"/jobs/employers/{w['employer'].pk}/", "posts": "/jobs/posts/",
        "post": f"/jobs/posts/{w['post'].pk}/", "ledgers": "/ledgers/", "ledger-import": "/ledgers/import/",
        "ledger-export": "/ledgers/export/", "jobs-list": "/ledgers/jobs/", "job": f"/ledgers/jobs/{w['job'].pk}/",
        "standing": "/standing/", "community": f"/standing/{JIA}/", "dashboard": "/dashboard/",
        "certification": "/certification/", "certification-apply": "/certification/apply/",
        "rechecks": "/certification/rechecks/", "subsidies": "/subsidies/", "reports": "/reports/",
        "password": "/password/", "not-found": "/no-such-page/",
        "another-community": f"/people/{w['people']['孙伟'].pk}/", "refused": "/filing/",
    }
    pages.update({f"flow-{name}": f"/people/{zhao.pk}/{name}/" for name in FLOWS})
    pages.update({f"ledger-{ledger.slug}": f"/ledgers/{ledger.slug}/?as_of=2026-06-30" for ledger in LEDGERS})
    return pages


OVERSIGHT_PAGES = {
    "street": {"home": "/", "dashboard": "/dashboard/", "certification": "/certification/", "refused": "/filing/",
               "people": "/people/?q=孙"},
    "district": {"audit": "/audit/", "filing": "/filing/", "subsidies": "/subsidies/", "dashboard": "/dashboard/",
                 "audit-filtered": "/audit/?action=area%3Acasework"},
}
NAV = {"community": ["工作台", "查找居民", "零就业家庭", "就业岗位", "台账", "达标情况", "统计看板"],
       "street": ["查找居民", "零就业家庭", "就业岗位", "台账", "达标情况", "统计看板"],
       "district": ["查找居民", "零就业家庭", "就业岗位", "台账", "达标情况", "统计看板", "审计日志"]}


def _login(browser, base, username, viewport, language="zh-CN"):
    # bypass_csp: axe-core is added to the page as an inline script, which the site's CSP forbids.
    context = browser.new_context(viewport=viewport, locale=language, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20000)
    if language == "en":
        context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    if username:
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        assert "/login/" not in page.url, f"{username} could not log in"
    return context, page


def _two_languages(page) -> list[str]:
    """Lines of the page's text that still hold both halves of a 中文 / English message."""
    text = page.evaluate("() => document.querySelector('main').innerText")
    return [line for line in text.splitlines() if halves(line)]


def _check_pages(browser, base, username, pages: dict, viewport, folder: str, language="zh-CN", nav=None):
    axe = need_axe()
    out = ARTIFACTS / "layout" / folder
    out.mkdir(parents=True, exist_ok=True)
    context, page = _login(browser, base, username, viewport, language)
    found = {}
    try:
        for name, url in pages.items():
            page.goto(base + url)
            page.wait_for_load_state("load")
            problems = page_problems(page, axe=axe)
            mixed = _two_languages(page)
            if mixed:
                problems["two languages"] = mixed
            if nav is not None:  # every tab the user may open, visible, and no other
                shown = [a.inner_text() for a in page.locator("nav.tabs a").all() if a.is_visible()]
                if shown != nav:
                    problems["navigation"] = shown
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            if problems:
                found[f"{name} {url}"] = problems
    finally:
        context.close()
    (out / "problems.json").write_text(describe(found), encoding="utf-8")
    assert found == {}, describe(found)


@pytest.fixture
def at_work():
    """Pages open on a working day in October 2026 (the queue, the deadlines, the forms' dates)."""
    import time_machine

    with time_machine.travel(dt.datetime(2026, 10, 9, 10, tzinfo=SHANGHAI), tick=True):
        yield


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_page_of_a_community_worker(chromium, live_server, world, at_work, viewport):
    _check_pages(chromium, live_server.url, "wang", _worker_pages(world), viewport, f"{viewport['width']}/worker",
                 nav=NAV["community"])


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_pages_of_street_and_district_users(chromium, live_server, world, at_work, viewport):
    _check_pages(chromium, live_server.url, "jie", OVERSIGHT_PAGES["street"], viewport,
                 f"{viewport['width']}/street", nav=NAV["street"])
    _check_pages(chromium, live_server.url, "yu", OVERSIGHT_PAGES["district"], viewport,
                 f"{viewport['width']}/district", nav=NAV["district"])


def test_pages_in_english_on_a_phone(chromium, live_server, world, at_work):
    pages = _worker_pages(world)
    chosen = {k: pages[k] for k in ("today", "person", "flow-register", "zero", "referrals", "ledger-unemployed",
                                    "not-found", "refused", "job")}
    _check_pages(chromium, live_server.url, "wang", chosen, PHONE, "390/english", language="en")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_login_page_and_the_public_notice_board(chromium, live_server, world, viewport):
    _check_pages(chromium, live_server.url, None, {"login": "/login/", "notice": f"/notice/{JIA}/"}, viewport,
                 f"{viewport['width']}/public")


def test_the_navigation_is_reachable_in_full_on_a_phone(chromium, live_server, world, at_work):
    context, page = _login(chromium, live_server.url, "yu", PHONE)
    try:
        page.goto(live_server.url + "/audit/")
        links = page.locator("nav.tabs a")
        assert links.count() == len(NAV["district"])
        for i in range(links.count()):
            box = links.nth(i).bounding_box()
            assert links.nth(i).is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert page.locator('nav.tabs a[aria-current="page"]').inner_text() == "审计日志"
        # The keyboard reaches the page past the navigation.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.className") == "skip"
    finally:
        context.close()


def test_names_in_a_table_are_not_broken_on_a_phone(chromium, live_server, world, at_work):
    """The referral table once wrapped names one character per line at 390 px."""
    context, page = _login(chromium, live_server.url, "wang", PHONE)
    try:
        page.goto(live_server.url + "/jobs/referrals/")
        cell = page.locator("table a", has_text="赵磊").first
        line = page.evaluate("(el) => parseFloat(getComputedStyle(el).lineHeight) || 24", cell.element_handle())
        assert cell.bounding_box()["height"] < 1.5 * line  # one line, not three
        page.goto(live_server.url + "/ledgers/unemployed/?as_of=2026-06-30")
        box = page.locator(".scroll").first
        assert box.get_attribute("tabindex") == "0" or not page.evaluate(
            "(el) => el.scrollWidth > el.clientWidth", box.element_handle())
    finally:
        context.close()


def test_a_refused_page_says_so_in_the_users_language_inside_the_layout(chromium, live_server, world, at_work):
    context, page = _login(chromium, live_server.url, "jie", PHONE)
    try:
        response = page.goto(live_server.url + "/filing/")
        assert response.status == 403
        assert page.locator("h1").inner_text() == "无权访问" and page.locator("nav.tabs").is_visible()
        text = page.locator("main").inner_text()
        assert "Forbidden" not in text and "年度备案仅供区县和市级用户使用。" in text  # the refusal's reason, one language
        assert page.locator("a[href='/filing/']").count() == 0  # no link to what they may not open
    finally:
        context.close()
