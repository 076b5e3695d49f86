"""The browser import in a real browser (Playwright driving Debian's Chromium), at phone and
desktop width: upload a file, read the preview (counts, the masked change sample), confirm it,
and see the import done. Screenshots of the preview are kept in test-artifacts/."""

import csv
import io

import pytest

from tests.browser import ARTIFACTS, DESKTOP, MARKS, PHONE, describe, page_problems
from tests.conftest import run_jiuye
from tests.ledger_builders import Ledger, make_id

PASSWORD = "Gongzuo-2026!x"
ZHANG = "500103198003150119"  # 张建国 of 甲 (household A1)
NEW_MAN = make_id("50010319900101123")
pytestmark = MARKS



@pytest.fixture
def worker(example_dir, settings, tmp_path):
    from jiuye.accounts.services import user_add

    settings.MEDIA_ROOT = tmp_path / "media"

    assert run_jiuye("import", str(example_dir)).code == 0
    user_add(username="wang", role="community", scope_code="500103001001", password=PASSWORD)


def _upload(example_dir, folder) -> str:
    """人员.csv: a new resident of A1, and 张建国 renamed."""
    ledger = Ledger.example(example_dir).only("人员")
    sheet = ledger.sheets["人员"]
    sheet.rows.clear()
    ledger.append("人员", 身份证号=NEW_MAN, 姓名="新居民", 性别="男", 出生日期="1990-01-01", 家庭编号="A1",
                  居住起始日期="2020-01-01")
    ledger.append("人员", 身份证号=ZHANG, 姓名="张建军", 性别="男", 出生日期="1980-03-15", 家庭编号="A1",
                  居住起始日期="2005-01-01")
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows([sheet.headers, *sheet.rows])
    path = folder / "人员.csv"
    path.write_bytes(out.getvalue().encode("utf-8"))
    return str(path)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_worker_uploads_reads_the_preview_and_confirms(chromium, live_server, worker, example_dir, tmp_path,
                                                         viewport):
    from jiuye.registry import models as m

    context = chromium.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30000)
    base = live_server.url
    try:
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "wang")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")

        page.goto(f"{base}/ledgers/import/")
        page.set_input_files("input[name=files]", _upload(example_dir, tmp_path))
        page.click("form.card button[type=submit]")
        page.wait_for_selector("table.job-preview")
        preview_url = page.url
        counts = page.locator("table.job-preview tr").nth(1).inner_text().split()
        assert counts == ["人员", "1", "1", "0"]
        changes = page.locator("table.job-changes").inner_text()
        assert "500103********0119" in changes and "张建国" in changes and "张建军" in changes
        assert ZHANG not in page.content() and NEW_MAN not in page.content()
        assert "尚未写入" in page.inner_text("#job")
        assert not m.Person.objects.with_id_number(NEW_MAN).exists()  # nothing written yet
        width = "phone" if viewport is PHONE else "desktop"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"import-preview-{width}.png"), full_page=True)
        problems = page_problems(page, axe=None)
        assert problems == {}, describe(problems)
        confirm = page.locator("button.job-confirm")
        box = confirm.bounding_box()
        assert box["width"] <= viewport["width"] and box["height"] >= 40  # a thumb's target on a phone

        confirm.click()
        page.wait_for_selector("table.job-counts")
        assert page.url != preview_url
        assert page.locator("table.job-counts tr").nth(1).inner_text().split() == ["人员", "1", "1"]
        assert m.Person.objects.with_id_number(NEW_MAN).exists()
        assert m.Person.objects.with_id_number(ZHANG).get().name == "张建军"
        # Back on the preview: no buttons any more, a link to the import.
        page.goto(preview_url)
        assert page.locator("button.job-confirm").count() == 0
        assert page.locator(".job-confirmed a").count() == 1
    finally:
        context.close()
