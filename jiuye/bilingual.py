"""One language out of a bilingual message.

The services, the register's rules and the importer word their messages ``中文 / English``
(exchange.md: the CLI and the import's problem lines keep both). A page shows the user's
half only: ``one_language(message)`` (and the ``one_language`` template filter, built into
every template) picks it.

Values inside a message may contain ``/`` (dates, file names, a worker's entry), so the
separator is not simply the first slash. Every slash with a space beside it (or after
full-width punctuation, as in ``（元）/ yuan``) is a candidate, except one that sits between
the same two characters as another (``x / y`` quoted in both halves is a value). Each
candidate, read Chinese first or English first, is scored by what would land on the wrong
side — Chinese characters in the English half that the Chinese half does not also hold (a
value quoted in both halves costs nothing), Latin letters in the Chinese half that the
English half does not hold (three times as much), a second half that starts in the other
script, a split that leaves one word before another separator (``x / y / before …``),
English first when the message starts in Chinese — and the cheapest split wins, the
first on a tie. Messages joined with ``；`` (several problems of one field) are split
part by part. A message without two halves is returned as it is.
``tests/test_one_language.py`` checks every bilingual literal of the source with awkward
values.
"""

import re
from collections import Counter

from django.forms.utils import ErrorList
from django.template import Library
from django.utils.translation import get_language

register = Library()

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_LATIN = re.compile(r"[A-Za-z]")
# Full-width punctuation a separator may follow without a space: （元）/ yuan, 。/ The …
_FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\u2014\u2026]")
_LATIN_WEIGHT = 3
_WRONG_START = 10


def _cjk(text: str) -> Counter:
    return Counter(_CJK.findall(text))


def _latin(text: str) -> Counter:
    return Counter(c.lower() for c in _LATIN.findall(text))


def _unmatched(inside: Counter, other: Counter) -> int:
    return sum((inside - other).values())


def _candidates(message: str) -> list[int]:
    """Each slash that may part the languages. A slash between the same two characters as
    another one ("x / y" twice) is inside a value quoted in both halves: left out."""
    found = []
    for i, char in enumerate(message):
        if char != "/":
            continue
        before = message[i - 1] if i else ""
        after = message[i + 1] if i + 1 < len(message) else ""
        if before.isspace() or after.isspace() or (before and _FULL_WIDTH.match(before)):
            left, right = message[:i].rstrip(), message[i + 1:].lstrip()
            if left and right:
                found.append((i, (left[-1], right[0])))
    pairs = Counter(pair for _, pair in found)
    single = [i for i, pair in found if pairs[pair] == 1]
    return single or [i for i, _ in found]


def _first_script(text: str) -> str:
    for char in text:
        if _CJK.match(char):
            return "zh"
        if _LATIN.match(char):
            return "en"
    return ""


def _split(message: str) -> tuple[int, str, str] | None:
    """(cost, Chinese, English) of the best split of one message, or None."""
    best = None
    starts_in = _first_script(message)
    slashes = _candidates(message)
    for i in slashes:
        left, right = message[:i].rstrip(), message[i + 1:].lstrip()
        # "x / y / before …" split after "x": the English half would be "y" and another separator.
        lone = any(j > i and not message[i + 1:j].strip().split()[1:] for j in slashes)
        for zh, en, second in ((left, right, "en"), (right, left, "zh")):
            if not _CJK.search(zh) or not _LATIN.search(en):
                continue
            cost = _unmatched(_cjk(en), _cjk(zh)) + _LATIN_WEIGHT * _unmatched(_latin(zh), _latin(en))
            if second != _first_script(right) and _first_script(right):
                cost += _WRONG_START  # the second half starts in the first half's script
            if second == "zh":
                cost += _WRONG_START  # Chinese first is the convention
                if starts_in == "zh":
                    cost += _WRONG_START  # an English half first would start in English
            elif lone:
                cost += _WRONG_START
            if best is None or cost < best[0]:
                best = (cost, zh, en)
    return best


def halves(message) -> tuple[str, str] | None:
    """``(Chinese, English)`` of a bilingual message, or None when it is not one."""
    if message is None:
        return None
    message = str(message)
    if "/" not in message:
        return None
    if "；" in message:
        parts = [_split(part.strip()) for part in message.split("；")]
        if len(parts) > 1 and all(parts):
            return "；".join(p[1] for p in parts), "; ".join(p[2] for p in parts)
    found = _split(message.strip())
    return None if found is None else (found[1], found[2])


# What the English half quotes that the Chinese half may lack: the entry itself at the end
# (``not a real date: '2026-02-30'``) and a list of Chinese values (``(男、女)``).
_QUOTED_TAIL = re.compile(r""":\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*$""")
_CHINESE_GROUP = re.compile(r"\(([^()A-Za-z]*[\u3400-\u9fff][^()A-Za-z]*)\)")


def _with_values(zh: str, en: str) -> str:
    """The Chinese half, with the values only the English half quotes (so nobody loses them)."""
    for group in _CHINESE_GROUP.findall(en):
        if group not in zh:
            zh += f"（{group}）"
    tail = _QUOTED_TAIL.search(en)
    if tail and tail.group(1) not in zh:
        zh += "：" + tail.group(1)
    return zh


def is_chinese(language: str | None = None) -> bool:
    return (language or get_language() or "zh-hans").lower().startswith("zh")


def one_language(message, language: str | None = None) -> str:
    """The half of a ``中文 / English`` message in ``language`` (default: the active one); the
    Chinese half keeps the entry the English half quotes at its end and a list of Chinese
    values it gives in brackets. Any other message unchanged (as text)."""
    if message is None:
        return ""
    found = halves(message)
    if found is None:
        return str(message)
    if not is_chinese(language):
        return found[1]
    if "；" in found[0] and len(found[0].split("；")) == len(found[1].split("; ")):
        return "；".join(_with_values(zh, en) for zh, en in zip(found[0].split("；"), found[1].split("; "),
                                                               strict=True))
    return _with_values(*found)


@register.filter(name="one_language")
def one_language_filter(message):
    return one_language(message)


class OneLanguageErrorList(ErrorList):
    """A form's errors, each in the user's language when shown (``error_class`` of the
    register's forms, whose errors come from the services in both languages)."""

    def __getitem__(self, i):
        error = super().__getitem__(i)
        return error if isinstance(i, slice) else one_language(error)
