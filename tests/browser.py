"""Browser tests: Playwright's sync API driving Debian's Chromium (never a downloaded browser).

The ``chromium`` fixture is in conftest.py. ``page_problems`` checks a page as a phone or a
desktop shows it: no horizontal overflow of the page, every input labelled, and axe-core's
WCAG 2 A and AA rules without a serious or critical violation. axe-core comes from npm
(``.ci/run`` installs it, pinned, into ``./node_modules``; ``JIUYE_AXE_JS`` names another copy).
"""

import json
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("JIUYE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("JIUYE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
AXE_JS = Path(os.environ.get("JIUYE_AXE_JS", ROOT / "node_modules" / "axe-core" / "axe.min.js"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
MARKS = [
    pytest.mark.skipif(not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists(),
                       reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium to run browser tests"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.pg_only,
]


def need_axe():
    """axe-core's script, or a skip (a failure in CI, where .ci/run installs it)."""
    if AXE_JS.exists():
        return AXE_JS
    message = f"axe-core not found at {AXE_JS}: npm install --no-save axe-core@4.14.1 (as .ci/run does)"
    if os.environ.get("JIUYE_REQUIRE_POSTGRES") == "1":  # CI
        pytest.fail(message)
    pytest.skip(message)


# Inputs a person fills in, and whether each has a name a screen reader reads out.
UNLABELLED = """() => {
  const skip = new Set(["hidden", "submit", "button", "reset", "image"]);
  const named = (el) => {
    if ((el.getAttribute("aria-label") || "").trim()) return true;
    const by = el.getAttribute("aria-labelledby");
    if (by && by.split(/\\s+/).some((id) => (document.getElementById(id)?.textContent || "").trim())) return true;
    return Array.from(el.labels || []).some((label) => label.textContent.trim());
  };
  return Array.from(document.querySelectorAll("input, select, textarea"))
    .filter((el) => !skip.has((el.getAttribute("type") || "").toLowerCase()) && !named(el))
    .map((el) => el.outerHTML.slice(0, 160));
}"""

# Wider than the window: the page itself scrolls sideways (a table inside a .scroll box may).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = document.documentElement.scrollWidth;
  const culprits = wide > width + 1 ? Array.from(document.querySelectorAll("body *"))
    .filter((el) => { const r = el.getBoundingClientRect(); return r.right > width + 1 && r.width > 0; })
    .filter((el) => !el.closest(".scroll"))
    .slice(0, 5).map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "")) : [];
  return {width, wide, culprits};
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                                          resultTypes: ["violations"]});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


def page_problems(page, *, axe: Path | None) -> dict:
    """What is wrong with the page now: overflow, unlabelled inputs, serious axe violations."""
    problems = {}
    overflow = page.evaluate(OVERFLOW)
    if overflow["wide"] > overflow["width"] + 1:
        problems["overflow"] = overflow
    unlabelled = page.evaluate(UNLABELLED)
    if unlabelled:
        problems["unlabelled"] = unlabelled
    if axe is not None:
        if not page.evaluate("() => !!window.axe"):
            page.add_script_tag(path=str(axe))
        serious = [v for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")]
        if serious:
            problems["axe"] = serious
    return problems


def describe(problems: dict) -> str:
    return json.dumps(problems, ensure_ascii=False, indent=1)
