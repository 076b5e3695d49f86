"""Security in a real browser (Playwright driving Debian's Chromium): a district user logs in,
enrols the second factor from the QR page, then uses pages whose behaviour comes from static
files only. The Content-Security-Policy must block nothing (no violation reported)."""

import base64
import time

import pytest

from tests.browser import MARKS

PASSWORD = "Gongzuo-2026!x"
pytestmark = [*MARKS, pytest.mark.otp]
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def district_user():
    from jiuye.accounts.services import user_add
    from jiuye.divisions.models import Division, Level

    city = Division.objects.get_or_create(code="500000", defaults={"name": "重庆市", "level": Level.CITY})[0]
    Division.objects.get_or_create(code="500103", defaults={"name": "渝中区", "level": Level.DISTRICT, "parent": city})
    return user_add(username="yu", role="district", scope_code="500103", password=PASSWORD)


def _code(secret: str) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(base64.b32decode(secret.replace(" ", "")))
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_enrol_the_second_factor_and_use_pages_under_the_csp(chromium, live_server, district_user):
    base = live_server.url
    context = chromium.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    page.set_default_timeout(20000)
    console = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "yu")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/otp/setup/**")
    assert page.locator("#otp-qr svg").is_visible()
    page.fill("input[name=token]", _code(page.locator("#otp-secret").inner_text()))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/otp/" not in page.url and "/login/" not in page.url  # verified: home (the district's standing)

    page.goto(f"{base}/dashboard/")
    assert page.evaluate("() => !!window.Chart && !!window.htmx")
    assert page.evaluate("() => htmx.config.includeIndicatorStyles === false && htmx.config.allowEval === false")
    page.goto(f"{base}/certification/")
    with page.expect_navigation():
        page.select_option("select[name=status]", index=1)  # data-autosubmit, from site.js
    assert "status=" in page.url
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{base}/audit/")
    assert page.locator("#audit-events").is_visible()

    assert page.evaluate("() => window.__csp") == []
    assert [m for m in console if "Content Security Policy" in m] == []
    context.close()
