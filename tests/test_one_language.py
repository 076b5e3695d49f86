"""One language per page: every bilingual message of the source splits into its two halves.

The services, the register's rules and the importer word messages ``中文 / English``; pages
show the user's half (``jiuye.bilingual.one_language``). The test reads every string literal
of ``jiuye/`` (f-strings with their values left open), keeps those with Chinese, Latin
letters and a separator, finds the separator the literal itself has (exactly one, else the
literal is listed below with why), then fills the values with awkward text (slashes, spaces
around slashes, Chinese, Latin) and checks that each language gets exactly its half.
"""

import ast
import itertools
import re
from pathlib import Path

import pytest

from jiuye.bilingual import halves, one_language

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
HOLE = "\x00"  # where an f-string puts a value

# Literals that are not one message a page shows (most have more than one separator).
NOT_ONE_MESSAGE = {
    "第 &P 页 / 共 &N 页": "a printed ledger's footer (page P of N), written into workbooks only",
    "\x00\t新增 \x00 / added\t修改 \x00 / changed\t不变 \x00 / unchanged": "a row of `jiuye import --dry-run`'s table",
    "\x00 (总计 / total \x00%)": "the CLI progress line's suffix added to a message",
    "演示用户 / demonstration users (密码 / password: \x00)": "console output of `jiuye demo`",
    "  不合格 / flagged  \x00 \x00：\x00，整改期限 / due \x00": "console output of `jiuye recheck`",
}
# Values a message may carry: dates and files with slashes, slashes with spaces, Chinese, Latin.
VALUES = ["2026/01/01", "a/b.csv", "x / y", "张三", "甲/乙", "甲 / 乙", "500103001001", "'保洁 / 家政'"]
# Mixed in one message (each place a different value): those without a spaced slash.
MIXED = ["2026/01/01", "a/b.csv", "张三", "甲/乙", "500103001001", "x"]


def _literals():
    """(path, line, text) of each string literal (not a docstring); f-string values are HOLE."""
    for path in sorted((ROOT / "jiuye").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside_fstring = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
        docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
        for node in ast.walk(tree):
            if id(node) in docstrings:
                continue
            if isinstance(node, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in inside_fstring:
                text = node.value
            else:
                continue
            yield path.relative_to(ROOT), node.lineno, text


def _separators(text: str) -> list[int]:
    """Slashes that may part two languages: a space beside, or after full-width punctuation."""
    found = []
    for i, char in enumerate(text):
        if char == "/":
            before, after = text[i - 1:i], text[i + 1:i + 2]
            if before.isspace() or after.isspace() or (before and "\u3000" <= before <= "\u303f") or \
                    (before and "\uff00" <= before <= "\uffef"):
                found.append(i)
    return found


def _bilingual():
    found = []
    for path, line, text in _literals():
        if "<html" in text or not CJK.search(text) or not LATIN.search(text.replace(HOLE, "")):
            continue
        seps = _separators(text)
        if not seps:
            continue
        left, right = text[:seps[0]].rstrip(), text[seps[0] + 1:].lstrip()
        if not (CJK.search(left) or CJK.search(right)):
            continue
        found.append((f"{path}:{line}", text, seps))
    return found


BILINGUAL = _bilingual()


def test_the_source_has_bilingual_messages_to_check():
    assert len(BILINGUAL) > 200
    assert any("guidance missed its deadline" in text for _, text, _ in BILINGUAL)


def test_a_literal_with_several_separators_is_known_not_to_be_one_message():
    several = {text for _, text, seps in BILINGUAL if len(seps) > 1}
    assert several <= set(NOT_ONE_MESSAGE)
    assert set(NOT_ONE_MESSAGE) <= {text for _, text, _ in BILINGUAL}  # each still in the source


def _halves(text: str, sep: int) -> tuple[str, str, bool]:
    """(Chinese, English, Chinese first) as the literal itself is written."""
    left, right = text[:sep].rstrip(), text[sep + 1:].lstrip()
    return (left, right, True) if CJK.search(left) else (right, left, False)


def _fill(text: str, values) -> str:
    parts = text.split(HOLE)
    return "".join(part + (values[i] if i < len(parts) - 1 else "") for i, part in enumerate(parts))


MESSAGES = [b for b in BILINGUAL if b[1] not in NOT_ONE_MESSAGE]


@pytest.mark.parametrize(("where", "text", "seps"), MESSAGES, ids=[b[0] for b in MESSAGES])
def test_every_bilingual_message_splits_into_its_halves(where, text, seps):
    zh, en, chinese_first = _halves(text, seps[0])
    holes = text.count(HOLE)
    fillings = [[v] * holes for v in VALUES] + [list(itertools.islice(itertools.cycle(MIXED), k, k + holes))
                                                  for k in range(len(MIXED))]
    for values in fillings:
        message = _fill(text, values)
        # The values of the first half come first in the message; those of the second after.
        n_first = (zh if chinese_first else en).count(HOLE)
        want_zh = _fill(zh, values[:n_first] if chinese_first else values[n_first:])
        want_en = _fill(en, values[n_first:] if chinese_first else values[:n_first])
        assert halves(message) == (want_zh.strip(), want_en.strip()), (where, message)
        assert one_language(message, "en") == want_en.strip()
        chinese = one_language(message, "zh-hans")
        assert chinese.startswith(want_zh.strip())
        added = chinese[len(want_zh.strip()):]  # only values the English half quotes
        assert all(char in want_en or char in "：（）" for char in added), (where, message, added)


def test_messages_of_one_field_joined_by_a_semicolon_split_part_by_part():
    joined = "必填项为空 / required value is blank；日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD: '2026/1/1'"
    assert one_language(joined, "zh-hans") == "必填项为空；日期格式应为 YYYY-MM-DD：'2026/1/1'"
    assert one_language(joined, "en") == "required value is blank; date must be YYYY-MM-DD: '2026/1/1'"


def test_the_chinese_half_keeps_the_entry_and_the_values_only_the_english_half_quotes():
    message = "取值不在列表中 / value not in the list (男、女): '<b>'"
    assert one_language(message, "zh-hans") == "取值不在列表中（男、女）：'<b>'"
    assert one_language(message, "en") == "value not in the list (男、女): '<b>'"
    assert one_language("不是有效日期 / not a real date: '2026-02-30'", "zh-hans") == "不是有效日期：'2026-02-30'"
    # Only quoted entries and Chinese values: English words stay in the English half.
    assert one_language("文件超过大小限制 / file exceeds the size limit (12 bytes)", "zh-hans") == "文件超过大小限制"
    assert one_language("已于 2026-01-01 回访 / already done on 2026-01-01", "zh-hans") == "已于 2026-01-01 回访"


def test_a_message_in_one_language_is_left_as_it_is():
    for text in ("已保存。", "Saved.", "A / B / C: the district's target group", "2026/01/01", "电工/焊工", None):
        assert one_language(text, "en") == ("" if text is None else text)
        assert one_language(text, "zh-hans") == ("" if text is None else text)


def test_the_filter_is_built_into_every_template():
    from django.template import engines
    from django.utils import translation

    template = engines["django"].from_string("{{ m|one_language }}")
    with translation.override("en"):
        assert template.render({"m": "已保存 / saved <b>"}) == "saved &lt;b&gt;"
    with translation.override("zh-hans"):
        assert template.render({"m": "已保存 / saved"}) == "已保存"
