"""The occupation classification (GB/T 6565, 职业分类大典 2022) and the Chinese text of matching.

Everything here is shipped data read once per process (``jiuye/jobs/data/``):

* ``occupations.csv`` — codes and names (大类 "4", 中类 "4-07", 小类 "4-07-05", 细类 "4-07-05-01");
  its header says which levels are complete;
* ``job_synonyms.csv`` — job titles as people say them (保洁, 快递小哥, 月嫂 …) → a code;
* ``certificates.csv`` — certificate wordings → one canonical certificate.

Text is segmented with jieba (its own dictionary, plus every term above so that job titles stay
whole; initialised quietly, nothing downloaded) and occupations are found by pinyin or initials
with pypinyin. Codes compare through the tree: ``code_keys`` gives the numeric key of each level.
"""

import csv
import functools
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
CODE_RE = re.compile(r"^\d(?:-\d{2}){0,3}$", re.ASCII)
_DIGITS_RE = re.compile(r"^\d{1,7}$", re.ASCII)
_LETTERS_RE = re.compile(r"^[a-z]{1,30}$", re.ASCII)
_SPLIT_RE = re.compile(r"[、，,；;/|｜\s]+")
_HAN_RE = re.compile(r"[\u3400-\u9fff]")
_WORD_RE = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
LEVEL_NAMES = {1: "大类", 2: "中类", 3: "小类", 4: "细类"}

# Words that say nothing about a skill or a job.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 等 有 会 能 可 要 需 需要 要求 具有 具备 以上 以下 左右 优先 熟练 熟悉 掌握 能够 一定 相关 经验 "
    "工作 工作经验 从事 负责 岗位 人员 年 年以上 者 持 持有 证 证书 者优先 身体健康 吃苦耐劳 责任心 认真 踏实 "
    "肯干 愿意 可以 想 找 做 干 一份 份 我 本人 希望 喜欢 不限 都 行 什么 都行 任何 会开 会用 能开".split()
)

# Chinese driving licences include the lower classes (A1 ⊃ A3, B1, B2, C1 …).
LICENCE_INCLUDES = {
    "A1驾驶证": ("A3驾驶证", "B1驾驶证", "B2驾驶证", "C1驾驶证", "C2驾驶证"),
    "A2驾驶证": ("B1驾驶证", "B2驾驶证", "C1驾驶证", "C2驾驶证"),
    "A3驾驶证": ("C1驾驶证", "C2驾驶证"),
    "B1驾驶证": ("C1驾驶证", "C2驾驶证"),
    "B2驾驶证": ("C1驾驶证", "C2驾驶证"),
    "C1驾驶证": ("C2驾驶证",),
}


@dataclass(frozen=True)
class Occupation:
    code: str
    name: str
    note: str = ""

    @property
    def level(self) -> int:
        return self.code.count("-") + 1

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @property
    def parent(self) -> str | None:
        return self.code.rsplit("-", 1)[0] if "-" in self.code else None

    @property
    def verified(self) -> bool:
        return self.note != "recalled"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class Resolution:
    """A code found in free text: the term that matched and how."""

    code: str
    term: str
    how: str  # code, name, synonym, segment, substring, pinyin


def _rows(filename: str) -> list[dict]:
    with open(DATA / filename, encoding="utf-8", newline="") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines))


def normalize_text(text) -> str:
    """NFKC (full-width letters and digits become ASCII), trimmed, ASCII lower-cased."""
    return unicodedata.normalize("NFKC", str(text or "")).strip().lower()


def normalize_code(value) -> str:
    """A code as ``4-07-05-01``; digits only (``4070501``, ``40705``) are accepted. ValueError otherwise."""
    text = normalize_text(value).replace("—", "-").replace("－", "-").replace(" ", "")
    if CODE_RE.match(text):
        return text
    if _DIGITS_RE.match(text) and len(text) in (1, 3, 5, 7):
        parts = [text[0]] + [text[i:i + 2] for i in range(1, len(text), 2)]
        return "-".join(parts)
    raise ValueError(f"职业代码格式不正确 / not an occupation code: {value!r}")


def code_keys(code: str) -> tuple[int, int, int, int]:
    """Numeric key of each level (-1 below the code's own level): 4-07-05 → (4, 407, 40705, -1)."""
    keys = [-1, -1, -1, -1]
    if not code:
        return tuple(keys)
    parts = code.split("-")
    value = 0
    for i, part in enumerate(parts[:4]):
        value = value * (10 if i == 0 else 100) + int(part)
        keys[i] = value
    return tuple(keys)


class Classification:
    def __init__(self, rows: list[dict]):
        self.by_code: dict[str, Occupation] = {}
        for row in rows:
            code = normalize_code(row["code"])
            if code in self.by_code:
                raise ValueError(f"occupations.csv: duplicate code {code}")
            self.by_code[code] = Occupation(code, row["name"].strip(), (row.get("note") or "").strip())
        self.children: dict[str | None, list[str]] = {}
        for occupation in self.by_code.values():
            if occupation.parent is not None and occupation.parent not in self.by_code:
                raise ValueError(f"occupations.csv: {occupation.code} has no parent {occupation.parent}")
            self.children.setdefault(occupation.parent, []).append(occupation.code)

    def get(self, code: str) -> Occupation | None:
        return self.by_code.get(code)

    def name(self, code: str) -> str:
        occupation = self.by_code.get(code)
        return occupation.name if occupation else ""

    def path(self, code: str) -> list[Occupation]:
        """The occupation and its ancestors, major group first."""
        parts = code.split("-")
        return [self.by_code[c] for c in ("-".join(parts[: i + 1]) for i in range(len(parts))) if c in self.by_code]

    def ancestor(self, code: str, level: int) -> Occupation | None:
        path = self.path(code)
        return path[level - 1] if len(path) >= level else None

    def label(self, code: str) -> str:
        occupation = self.by_code.get(code)
        return f"{occupation.name}（{code}）" if occupation else code

    def __len__(self) -> int:
        return len(self.by_code)


@functools.cache
def classification() -> Classification:
    return Classification(_rows("occupations.csv"))


@functools.cache
def synonyms() -> dict[str, str]:
    """Term → occupation code: every occupation's name, then the curated synonyms."""
    tree = classification()
    table = {normalize_text(o.name): o.code for o in tree.by_code.values()}
    curated: dict[str, str] = {}
    for row in _rows("job_synonyms.csv"):
        term, code = normalize_text(row["term"]), normalize_code(row["code"])
        if tree.get(code) is None:
            raise ValueError(f"job_synonyms.csv: {term} → unknown code {code}")
        if term in curated:
            raise ValueError(f"job_synonyms.csv: {term} listed twice")
        curated[term] = code
    table.update(curated)
    return table


@functools.cache
def certificate_names() -> dict[str, str]:
    table: dict[str, str] = {}
    for row in _rows("certificates.csv"):
        term = _certificate_key(row["term"])
        if term in table:
            raise ValueError(f"certificates.csv: {term} listed twice")
        table[term] = row["canonical"].strip()
    for canonical in list(table.values()):
        table.setdefault(_certificate_key(canonical), canonical)
    return table


def _certificate_key(text: str) -> str:
    text = normalize_text(text).upper()
    return re.sub(r"[\s()（）\[\]【】《》<>“”\"'·・:：-]", "", text)


# -- segmentation ---------------------------------------------------------------------------------

_tokenizer_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """jieba's tokenizer with our terms added; initialised once, quietly (no log lines)."""
    global _tokenizer
    if _tokenizer is None:
        with _tokenizer_lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                for term in sorted(set(synonyms()) | set(certificate_names())):
                    if len(term) > 1:
                        tk.add_word(term)
                _tokenizer = tk
    return _tokenizer


def split_phrases(text) -> list[str]:
    """Free text split at list separators (、，；/ and spaces)."""
    return [p for p in (s.strip() for s in _SPLIT_RE.split(normalize_text(text))) if p]


def _useful(word: str) -> bool:
    if not word or word in STOPWORDS or not _WORD_RE.search(word):
        return False
    # A single Chinese character is too vague to count as a skill.
    return not (len(word) == 1 and _HAN_RE.match(word))


@functools.lru_cache(maxsize=200_000)
def tokens(text: str) -> frozenset[str]:
    """The words of ``text`` for matching (search-mode segmentation, stopwords dropped).

    A word that is a job title also yields ``occ:<code>``, a certificate ``cert:<name>``, so
    that 清洁工 and 保洁 meet.
    """
    text = normalize_text(text)
    if not text:
        return frozenset()
    words = {w.strip() for w in tokenizer().cut_for_search(text)}
    words = {w for w in words if _useful(w)}
    syn, certs = synonyms(), certificate_names()
    for word in list(words):
        if word in syn:
            words.add(f"occ:{syn[word]}")
        key = _certificate_key(word)
        if key in certs:
            words.add(f"cert:{certs[key]}")
    return frozenset(words)


@functools.lru_cache(maxsize=100_000)
def skill_phrases(text: str) -> tuple[frozenset[str], ...]:
    """A requirement text as its phrases, each as its words (phrases without words dropped)."""
    phrases = (tokens(p) for p in split_phrases(text))
    return tuple(p for p in phrases if p)


# -- free text → occupation codes --------------------------------------------------------------------


@functools.cache
def _terms_longest_first() -> tuple[str, ...]:
    return tuple(sorted((t for t in synonyms() if len(t) > 1), key=len, reverse=True))


@functools.lru_cache(maxsize=50_000)
def _resolve_phrase(phrase: str) -> tuple[Resolution, ...]:
    tree, syn = classification(), synonyms()
    try:
        code = normalize_code(phrase)
    except ValueError:
        code = None
    if code and tree.get(code):
        return (Resolution(code, phrase, "code"),)
    if phrase in syn:
        how = "name" if tree.name(syn[phrase]) == phrase else "synonym"
        return (Resolution(syn[phrase], phrase, how),)
    if _LETTERS_RE.match(phrase):
        return tuple(Resolution(o.code, o.name, "pinyin") for o in search(phrase, limit=1))
    found = [Resolution(syn[w], w, "segment") for w in tokenizer().cut(phrase) if w in syn]
    if not found:
        rest = phrase
        for term in _terms_longest_first():
            if term in rest:
                found.append(Resolution(syn[term], term, "substring"))
                rest = rest.replace(term, "\0")
    return tuple(found)


def resolve(text) -> list[Resolution]:
    """Occupation codes named in free text (``保洁、保安`` → two), in order, without repeats.

    A phrase may be a code, an occupation's name, a synonym, pinyin or initials, or a sentence
    containing them (``想找保洁工作``).
    """
    seen, result = set(), []
    for phrase in split_phrases(text):
        for resolution in _resolve_phrase(phrase):
            if resolution.code not in seen:
                seen.add(resolution.code)
                result.append(resolution)
    return result


def resolve_codes(text) -> list[str]:
    return [r.code for r in resolve(text)]


# -- search -------------------------------------------------------------------------------------------


@functools.cache
def _pinyin_index() -> tuple[tuple[str, str, str, str], ...]:
    """(initials, full pinyin, term, code) for every occupation name and synonym, names first."""
    from pypinyin import Style, lazy_pinyin  # 0.3 s to load its dictionaries: not at start-up

    rows = []
    for term, code in synonyms().items():
        if not _HAN_RE.search(term):
            continue
        syllables = lazy_pinyin(term, style=Style.NORMAL, errors="ignore")
        initials = "".join(s[0] for s in syllables if s)
        rows.append((initials, "".join(syllables), term, code))
    return tuple(rows)


@functools.cache
def _names() -> frozenset[str]:
    return frozenset(normalize_text(o.name) for o in classification().by_code.values())


def search(query, limit: int = 20) -> list[Occupation]:
    """Occupations by code (prefix), name or synonym (Chinese), or pinyin / initials (``bjy``, ``baojie``)."""
    tree = classification()
    query = normalize_text(query).replace(" ", "")
    if not query:
        return []
    ranked: dict[str, tuple] = {}

    names = _names()

    def offer(code: str, rank: int, term: str = "") -> None:
        # Better match first; at the same rank an occupation's own name before a synonym.
        key = (rank, term not in names, len(term), code)
        if code not in ranked or key < ranked[code]:
            ranked[code] = key

    if re.fullmatch(r"[\d-]+", query):
        prefix = query if "-" in query else _code_prefix(query)
        for code in tree.by_code:
            if code.startswith(prefix):
                offer(code, 0 if code == prefix else 1, code)
    elif _LETTERS_RE.match(query):
        for initials, full, term, code in _pinyin_index():
            if initials == query or full == query:
                offer(code, 0, term)
            elif initials.startswith(query) or full.startswith(query):
                offer(code, 1, term)
            elif query in full:
                offer(code, 2, term)
    else:
        syn = synonyms()
        if query in syn:
            offer(syn[query], 0, query)
        for term, code in syn.items():
            if query in term:
                offer(code, 1 if term.startswith(query) else 2, term)
        for resolution in resolve(query):
            offer(resolution.code, 3, resolution.term)
    codes = sorted(ranked, key=lambda c: ranked[c])
    return [tree.by_code[c] for c in codes[:limit]]


def _code_prefix(digits: str) -> str:
    parts = [digits[0]] + [digits[i:i + 2] for i in range(1, len(digits), 2)]
    return "-".join(parts)


# -- certificates -------------------------------------------------------------------------------------


def certificate_set(text, *, held: bool = False) -> frozenset[str]:
    """Canonical certificates named in ``text`` (``;``/``、`` separated).

    Unknown wordings stay as written (matched literally). ``held``: add the licence classes a
    driving licence includes, for the certificates a person holds.
    """
    certs = certificate_names()
    result = set()
    for phrase in split_phrases(text):
        key = _certificate_key(phrase)
        if not key:
            continue
        if key in certs:
            result.add(certs[key])
            continue
        hits = [term for term in sorted(certs, key=len, reverse=True) if len(term) > 2 and term in key]
        result.add(certs[hits[0]] if hits else key)
    if held:
        for licence in list(result):
            result.update(LICENCE_INCLUDES.get(licence, ()))
    return frozenset(result)
