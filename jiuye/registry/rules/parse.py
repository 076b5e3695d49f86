"""Cell parsing and per-table checks of an exchange-format input (exchange.md).

``parse_tables`` turns raw tables into parsed rows (one dict of typed values per
row, only for the columns the input has), deduplicating identical rows and
reporting every problem of a single row or of two rows with one key.

A table without a single problem (the usual case for a large register) is parsed
column by column, in a few passes each made of C-level loops; at the first sign of
a problem the table is parsed again row by row, which reports every problem in
order. Both give the same rows. ``parse_tables`` consumes the raw tables' rows
(each is emptied once parsed), so a large input is not held twice.
"""

import datetime as dt
import functools
import gc
import operator
import re
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat

from jiuye.registry.rules import idnumber
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import (
    FULL_WIDTH_COLUMNS,
    NAME_MAX_LENGTH,
    NUMBER_CELL_RULES,
    REFERENCES,
    TABLE_BY_NAME,
    Table,
)
from jiuye.registry.rules.widths import WHITE_SPACE, ascii_forms, trim

# ASCII digits only (full-width forms are read as ASCII first): \d would also take other
# Unicode digits.
_DATE_RE = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T]00:00:00)?$", re.ASCII)
_DATE_CN_RE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:[ T]00:00:00)?$", re.ASCII)
# A date in one of the forms above followed by another time of day.
_DATE_TIME_RE = re.compile(
    r"^\d{4}(?:([-/.])\d{1,2}\1\d{1,2}|年\d{1,2}月\d{1,2}日)[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$", re.ASCII
)
_INT_RE = re.compile(r"^[+-]?\d+$", re.ASCII)
# What the database can store of an integer column (PostgreSQL smallint for 年度, integer for the
# others; SQLite the same through Django's checks): a value outside is refused, never a database error.
INT_RANGES = {"年度": (0, 32767)}
INT_RANGE = (-(2**31), 2**31 - 1)
_CODE_RE = re.compile(r"^\d{12}$", re.ASCII)
# A long number as a spreadsheet shows it (5.00118E+17), typed or saved as text.
_SCIENTIFIC_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$", re.ASCII)
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_FORMULA_ESCAPE = re.compile(r"^'[=+\-@]")
# Control characters (C0 and C1): refused in a 姓名; elsewhere in free text a warning,
# except tab and line breaks, which a multi-line cell holds.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_WARN_RE = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACE_RE = re.compile(r"\s")  # what str.isspace() takes, and str.strip() strips
_XML_ILLEGAL_RE = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f]")

DATE_FORMS_ZH = "2026-06-30、2026-6-30、2026/6/30、2026.6.30 或 2026年6月30日"
DATE_FORMS_EN = "2026-06-30, 2026-6-30, 2026/6/30, 2026.6.30 or 2026年6月30日"
NUMBER_CELL_NAMES = {"身份证号": "ID number", "家庭编号": "household number", "联系电话": "phone number"}


@dataclass
class RawTable:
    """A table as read, before parsing: the header and the rows as raw cell values (str, or a
    ``date``/``datetime``/number from a workbook cell), each with its spreadsheet row number
    (the header is row 1). ``unreadable``: the file or sheet could not be read (its problem is
    reported by the reader); the table counts as rejected as a whole."""

    name: str
    source: str
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)
    unreadable: bool = False


class Row:
    """A parsed row: its spreadsheet row number and one value per present column of its
    table, held as a tuple (``cells``, in the order of ``present``) beside the table's one
    column -> position map (``index``): a large register is not held as a dict per row."""

    __slots__ = ("number", "cells", "index")

    def __init__(self, number: int, cells: tuple, index: dict[str, int]):
        self.number = number
        self.cells = cells
        self.index = index

    def get(self, column: str, default=None):
        i = self.index.get(column)
        return default if i is None else self.cells[i]

    @property
    def values(self) -> dict:
        """The row's values by column (a new dict)."""
        return dict(zip(self.index, self.cells, strict=True))

    def __repr__(self) -> str:
        return f"Row({self.number}, {self.values!r})"


def _one_index(rows: list[Row]) -> bool:
    """Do the rows share one column map? The rows of one parsed table always do (one map per
    table, made by its parse): the ends are checked, not every row."""
    return rows[0].index is rows[-1].index


def column_of(rows: list[Row], column: str, default=None) -> list:
    """``[row.get(column, default) for row in rows]`` for the rows of one table, without a method
    call per row: they share one column map, so the position is looked up once."""
    if not rows:
        return []
    index = rows[0].index
    if _one_index(rows):
        i = index.get(column)
        if i is None:
            return [default] * len(rows)
        return [row.cells[i] for row in rows]
    return [row.get(column, default) for row in rows]


def columns_by_name(rows: list[Row], columns, default=None) -> dict[str, list]:
    """``{c: column_of(rows, c, default) for c in columns}`` in one pass over the rows (a
    block at a time, see ``transposed``) instead of one pass per column."""
    columns = list(columns)
    if not rows or not _one_index(rows) or len(columns) < 2:
        return {c: column_of(rows, c, default) for c in columns}
    index = rows[0].index
    every = transposed(list(map(_CELLS, rows)), len(index))
    return {c: every[index[c]] if c in index else [default] * len(rows) for c in columns}


_CELLS = operator.attrgetter("cells")


def columns_of(rows: list[Row], columns) -> list[list]:
    """Each row's values of ``columns``, in that order (None for a column the row has not)."""
    if not rows:
        return []
    index = rows[0].index
    if _one_index(rows):
        positions = [index.get(c) for c in columns]
        if None not in positions:
            return [[cells[i] for i in positions] for cells in (row.cells for row in rows)]
        return [[None if i is None else cells[i] for i in positions] for cells in (row.cells for row in rows)]
    return [[row.get(c) for c in columns] for row in rows]


# Rows turned into columns this many at a time: each row's cells are read once, while the
# block is in the processor's cache, instead of once per column over the whole table.
TRANSPOSE_BLOCK = 2048


def transposed(records: list, width: int) -> list[list]:
    """The ``width`` columns of ``records`` (sequences of ``width`` cells each), as lists."""
    columns = [[] for _ in range(width)]
    for start in range(0, len(records), TRANSPOSE_BLOCK):
        for column, part in zip(columns, zip(*records[start : start + TRANSPOSE_BLOCK], strict=True), strict=True):
            column.extend(part)
    return columns


def column_index(present: tuple[str, ...]) -> dict[str, int]:
    """The column -> position map the rows of a table share."""
    return {name: i for i, name in enumerate(present)}


@dataclass
class ParsedTable:
    """The rows of a table that parsed. ``rejected``: the table was rejected as a whole (its
    file unreadable, an unknown, duplicate or missing column); ``bad_keys``: a row was
    rejected for its key (blank, unreadable, a number cell); ``rejected_keys``: the keys
    (table with a one-column key) of rows rejected for other cells, with their row numbers:
    a reference to one of them is not a missing reference."""

    table: Table
    present: tuple[str, ...]
    rows: list[Row]
    source: str
    rejected: bool = False
    bad_keys: bool = False
    rejected_keys: dict = field(default_factory=dict)


class CellError(ValueError):
    """A cell that cannot be read; ``kind`` is the problem's kind (``problems.KINDS``)."""

    def __init__(self, message: str, kind: str = "invalid"):
        super().__init__(message)
        self.kind = kind


def unescape(text: str) -> str:
    """A cell written as ' followed by = + - @ is read without the '."""
    return text[1:] if text[:1] == "'" and _FORMULA_ESCAPE.match(text) else text


def number_shown(value) -> str:
    """Enough of a number cell to recognise it, never a full ID number: an integer below
    10^12 as it is, anything longer as a spreadsheet shows it, cut short (5.0011…E+17)."""
    number = float(value)
    if number.is_integer() and abs(number) < 1e12:
        return str(int(number))
    if abs(number) < 1e6:
        return repr(number)
    mantissa, exponent = f"{number:.4e}".split("e")
    return f"{mantissa}…E{exponent[0]}{exponent[1:]}"


def _number_cell_error(column: str, shown: str, *, scientific: bool = False) -> CellError:
    english = NUMBER_CELL_NAMES.get(column, column)
    if column == "联系电话":
        return CellError(
            f"联系电话是数字单元格（{shown}），座机号码开头的 0 已经丢失：请把该列设置为文本格式，再重新录入这些号码"
            f" / the phone number is a number cell ({shown}) and a landline's leading 0 is already lost:"
            " format the column as Text and type the numbers again",
            "number_cell",
        )
    if scientific:
        return CellError(
            f"{column}写成了科学计数法（{shown}），末尾几位数字已经丢失：请把该列设置为文本格式，再重新录入这些值"
            f" / the {english} is written in scientific notation ({shown}), its last digits are already lost:"
            " format the column as Text and type the values again",
            "number_cell",
        )
    return CellError(
        f"{column}是数字单元格（{shown}）：表格软件只保留 15 位有效数字并去掉开头的 0，数字已经丢失："
        f"请把该列设置为文本格式，再重新录入这些值 / the {english} is a number cell ({shown}): a spreadsheet keeps"
        " only 15 significant digits and drops leading zeros, so digits are already lost: format the column as"
        " Text and type the values again",
        "number_cell",
    )


def _scientific_error(column: str, text: str) -> CellError:
    try:
        shown = number_shown(float(text.replace(",", ".")))
    except (ValueError, OverflowError):
        shown = text[:8] + "…"
    return _number_cell_error(column, shown, scientific=True)


def _not_a_date(text: str) -> CellError:
    if _DATE_TIME_RE.match(text):
        return CellError(
            f"日期不能带时间（只可为 00:00:00）：{text!r} / a date must not carry a time of day (only 00:00:00): {text!r}",
            "date_with_time",
        )
    return CellError(
        f"不是日期：{text!r}，日期应写成 {DATE_FORMS_ZH} / not a date: {text!r}; write dates as {DATE_FORMS_EN}",
        "bad_date",
    )


@functools.lru_cache(maxsize=65536)
def _date_text(text: str) -> dt.date:
    """A trimmed text cell of a date column as a date (full-width forms read as ASCII)."""
    mapped = unescape(ascii_forms(text))
    match = _DATE_RE.match(mapped)
    if match:
        year, month, day = match[1], match[3], match[4]
    else:
        match = _DATE_CN_RE.match(mapped)
        if not match:
            raise _not_a_date(text)
        year, month, day = match[1], match[2], match[3]
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise CellError(f"不是有效日期 / not a real date: {text!r}", "bad_date") from None


def parse_date(raw) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0, 0):
            raise CellError("日期不能带时间 / a date must not carry a time of day", "date_with_time")
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        shown = number_shown(raw)
        raise CellError(
            f"数字 {shown} 不是日期（日期单元格丢失了日期格式？）：请把该列设置为日期格式，或把日期写成 {DATE_FORMS_ZH}"
            f" / the number {shown} is not a date (a date cell that lost its format?): format the column as Date,"
            f" or write dates as {DATE_FORMS_EN}",
            "bad_date",
        )
    text = cell_text(raw)
    if not text:
        return None
    if "\x00" in text:
        raise _nul_error()
    return _date_text(text)


def int_in_range(name: str, value: int | None) -> int | None:
    low, high = INT_RANGES.get(name, INT_RANGE)
    if value is not None and not low <= value <= high:
        shown = str(value) if len(str(value)) <= 20 else f"{str(value)[:20]}…"
        raise CellError(f"整数超出可保存的范围（{low} 至 {high}）/ integer outside the range that can be stored"
                        f" ({low} to {high}): {shown}", "bad_integer")
    return value


def parse_int(raw) -> int | None:
    if isinstance(raw, bool):
        raise CellError(f"不是整数 / not an integer: {raw!r}", "bad_integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise CellError(f"不是整数 / not an integer: {raw!r}", "bad_integer")
    text = cell_text(raw)
    if not text:
        return None
    mapped = unescape(ascii_forms(text))
    if not _INT_RE.match(mapped):
        raise CellError(f"不是整数 / not an integer: {text!r}", "bad_integer")
    if len(mapped) > 20:  # past any column's range (and past int()'s 4,300 digits)
        return int(mapped[:21])
    return int(mapped)


def _nul_error() -> CellError:
    return CellError("含有空字符（NUL），无法保存：请删去它 / holds a NUL character, which cannot be stored: remove it",
                     "nul_character")


def _non_text_cell(column, raw) -> str:
    """A workbook cell that is not text (a number, a date, a boolean) as text, or its problem."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        rule = NUMBER_CELL_RULES.get(column.name)
        if rule == "refuse":
            raise _number_cell_error(column.name, number_shown(raw))
        text = cell_text(raw)
        if rule == "mobile" and not _MOBILE_RE.match(text):
            raise _number_cell_error(column.name, idnumber.mask_phone(text))
        return text
    return cell_text(raw)


def check_name(text: str) -> None:
    """A 姓名: at most 50 characters, no control character."""
    if len(text) > NAME_MAX_LENGTH:
        raise CellError(
            f"姓名超过 {NAME_MAX_LENGTH} 个字符（{len(text)} 个）/ the name is longer than {NAME_MAX_LENGTH}"
            f" characters ({len(text)})",
            "name_too_long",
        )
    control = _CONTROL_RE.search(text)
    if control:
        code = f"U+{ord(control[0]):04X}"
        raise CellError(f"姓名含有控制字符 {code} / the name holds a control character ({code})", "control_character")


def parse_cell(column, raw):
    kind = column.kind
    if kind == "date":
        return parse_date(raw)
    if kind == "int":
        return int_in_range(column.name, parse_int(raw))
    name = column.name
    if type(raw) is str:
        text = trim(raw)
    elif raw is None:
        text = ""
    else:
        text = _non_text_cell(column, raw)
    if "\x00" in text:
        raise _nul_error()
    if name in FULL_WIDTH_COLUMNS:
        text = ascii_forms(text)
    text = unescape(text)
    if kind == "text":
        if name == "姓名":
            check_name(text)
        elif NUMBER_CELL_RULES.get(name) == "refuse" and _SCIENTIFIC_RE.match(text):
            raise _scientific_error(name, text)
        return text
    if kind == "enum":
        if text and text not in column.values:
            raise CellError(f"取值不在列表中 / value not in the list ({'、'.join(column.values)}): {text!r}", "not_in_list")
        return text
    if kind == "multi":
        parts = [trim(p) for p in re.split("[;；]", text) if trim(p)]
        bad = [p for p in parts if p not in column.values]
        if bad:
            raise CellError(f"取值不在列表中 / value not in the list ({'、'.join(column.values)}): {'、'.join(bad)}",
                            "not_in_list")
        return tuple(dict.fromkeys(parts))
    if kind == "community_code":
        if text and not _CODE_RE.match(text):
            raise CellError(f"社区代码须为 12 位数字 / community code must have 12 digits: {text!r}",
                            "bad_community_code")
        return text
    if kind == "id_number":
        if _SCIENTIFIC_RE.match(text):
            raise _scientific_error(name, text)
        return text.upper()
    return text


def text_warning(column, value) -> str | None:
    """The warning a free-text value earns (a control character other than tab and line breaks)."""
    if column.kind != "text" or not value:
        return None
    control = _CONTROL_WARN_RE.search(value)
    if not control:
        return None
    code = f"U+{ord(control[0]):04X}"
    lost = "，导出为工作簿时会被删去" if _XML_ILLEGAL_RE.match(control[0]) else ""
    lost_en = "; a workbook export leaves it out" if lost else ""
    return f"含有控制字符 {code}{lost} / holds a control character ({code}){lost_en}"


@contextmanager
def gc_paused():
    """No cyclic garbage collection inside. Parsing a large register makes millions of
    objects and no reference cycles; every full collection on the way would walk all
    of them (a third of the parse time for 100,000 residents)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _blank(value) -> bool:
    return value is None or value == "" or value == ()


def _has_content(cells) -> bool:
    """Whether any cell holds more than blanks (a row of text cells is tested in one go)."""
    try:
        return bool("".join(cells).strip(WHITE_SPACE))
    except TypeError:  # not all text: an .xlsx row (numbers, dates, None for an empty cell)
        return any(c is not None and c != "" and cell_text(c) for c in cells)


# Cells of a text column looked at to tell whether its values repeat enough to be kept once.
DEDUPE_PROBE = 10_000


def _parse_column(column, cells: list, dedupe: bool = True) -> list | None:
    """The parsed values of one column's text cells, as ``parse_cell`` gives them, or None
    if any cell is not text, does not parse, is a blank required value or earns a warning.
    ``dedupe``: repeated texts made one object (not needed when the caller does it)."""
    # Each pass over a large column touches every cell's object (memory, not arithmetic, is
    # the cost): the column is joined once, and a pass that would change nothing is skipped.
    try:
        joined = "".join(cells)  # raises for a cell that is not text (an .xlsx number, date, None)
    except TypeError:
        return None
    # A NUL or another control character is a problem or a warning: the row-by-row pass
    # reports it. Without them Python's strip() is the trim (it differs only on U+001C–F).
    if "\x00" in joined or _CONTROL_WARN_RE.search(joined):
        return None
    # No white space anywhere in the column (re's \s is str.isspace): no cell to strip.
    texts = list(map(str.strip, cells)) if _SPACE_RE.search(joined) else cells
    name = column.name
    if name in FULL_WIDTH_COLUMNS and not joined.isascii():
        texts = list(map(ascii_forms, texts))
    if texts is not cells:
        joined = "".join(texts)  # from here on, the column's text as parsed
    if "'" in joined and any(map(str.startswith, texts, repeat("'"))):  # rare: undone one by one
        texts = [unescape(t) for t in texts]
        joined = "".join(texts)
    kind = column.kind
    scientific = ((kind == "id_number" or NUMBER_CELL_RULES.get(name) == "refuse")
                  and ("e" in joined or "E" in joined) and any(map(_SCIENTIFIC_RE.match, texts)))
    try:
        if kind == "text":
            if name == "姓名":
                if max(map(len, texts), default=0) > NAME_MAX_LENGTH or _CONTROL_RE.search(joined):
                    return None
            elif scientific:
                return None
            # Repeated texts (employers, handlers, skills) kept once; a column whose first cells
            # are mostly distinct (names), or whose values the caller shares out, kept as it is.
            values = texts
            if dedupe and not (len(texts) > DEDUPE_PROBE and len(set(texts[:DEDUPE_PROBE])) >= DEDUPE_PROBE // 2):
                distinct = set(texts)
                if len(distinct) < len(texts) // 2:
                    values = list(map({t: t for t in distinct}.__getitem__, texts))
        elif kind == "id_number":
            if scientific:
                return None
            values = texts if joined.upper() == joined else list(map(str.upper, texts))  # nothing to raise: kept
        elif kind == "enum":  # one string object per value, not one per cell
            distinct = set(texts)
            if distinct - set(column.values) - {""}:
                return None
            values = list(map({t: t for t in distinct}.__getitem__, texts))
        elif kind == "date":  # each distinct text parsed once; a blank is None
            values = list(map({t: _date_text(t) for t in set(texts) if t}.get, texts))
        elif kind == "int":
            if not all(_INT_RE.match(t) and len(t) <= 11 for t in texts if t):
                return None
            values = [int(t) if t else None for t in texts]
            low, high = INT_RANGES.get(name, INT_RANGE)
            if any(v is not None and not low <= v <= high for v in values):
                return None
        else:  # each distinct cell parsed once
            values = list(map({c: parse_cell(column, c) for c in set(cells)}.__getitem__, cells))
    except CellError:
        return None
    if column.required and (None in values or "" in values or () in values):
        return None
    return values


# Key columns other tables repeat: each value is held once across the tables (the 身份证号 of
# a person's 就业状态, 失业登记 and 服务记录 rows is the 人员 row's string object).
SHARED_COLUMNS = ("身份证号", "家庭编号", "社区代码")


def _parse_clean(raw: RawTable, table: Table, present: tuple[str, ...], positions: dict[str, int],
                 shared: dict[str, dict] | None = None, release: bool = False) -> list[Row] | None:
    """The rows of a table with no problem at all, parsed column by column; None at the
    first sign of one (a cell beyond the header or missing, a cell that is not text, a
    bad or blank required value, one key with two contents, a cell earning a warning).
    ``shared``: the values of SHARED_COLUMNS seen so far (each held once); ``release``: the
    raw rows are dropped once the table is known to be clean, before its rows are made."""
    width = len(raw.headers)
    if len(positions) != width:  # a column without a header
        return None
    # A first cell of text with content is content enough (most rows); the others are looked at whole.
    cell_rows = list(map(operator.itemgetter(1), raw.rows))
    firsts = list(map(operator.itemgetter(0), cell_rows)) if width and set(map(len, cell_rows)) == {width} else ()
    if firsts and set(map(type, firsts)) == {str} and all(map(str.strip, firsts, repeat(WHITE_SPACE))):
        records = raw.rows  # every row has a first cell with content (the usual table): none dropped
    else:
        records = [(number, cells) for number, cells in raw.rows
                   if (cells and type(cells[0]) is str and cells[0].strip(WHITE_SPACE)) or _has_content(cells)]
        cell_rows = list(map(operator.itemgetter(1), records))
    del firsts
    if set(map(len, cell_rows)) - {width}:
        return None
    raw_columns = transposed(cell_rows, width) if cell_rows else [[] for _ in range(width)]
    columns = []
    for name in present:  # one column at a time, its raw cells let go once it is parsed
        position = positions[name]
        cells, raw_columns[position] = raw_columns[position], None
        values = _parse_column(table.column(name), cells, dedupe=shared is None or name not in SHARED_COLUMNS)
        del cells
        if values is None:
            return None
        if shared is not None and name in SHARED_COLUMNS:
            one = shared.setdefault(name, {})
            values = list(map(one.setdefault, values, values))
        columns.append(values)
    key_columns = table.key or present
    if any(k not in present for k in key_columns):
        return None
    key_values = [columns[present.index(k)] for k in key_columns]
    keys = key_values[0] if len(key_values) == 1 else list(zip(*key_values, strict=True))
    kept = None  # the rows kept when a key repeats: identical repeats dropped, the first kept
    if len(set(keys)) != len(keys):
        seen: dict = {}
        kept = []
        for i, key in enumerate(keys):
            first = seen.setdefault(key, i)
            if first == i:
                kept.append(i)
            elif any(values[first] != values[i] for values in columns):
                return None  # reported by the row-by-row pass
    del keys, key_values
    numbers = [number for number, _ in records]
    # No way back to the row-by-row pass now: ``release``, the raw cells go before the rows are made.
    del records, cell_rows
    if release:
        raw.rows = []
    index = column_index(present)
    rows = list(map(Row, numbers, zip(*columns, strict=True), repeat(index)))
    return rows if kept is None else list(map(rows.__getitem__, kept))


# Tables whose one-column key other tables refer to.
REFERENCED = frozenset(target for refs in REFERENCES.values() for _, target in refs)


def _each_paused(items: Iterable, freeze: bool):
    """Each item taken (a table read, when ``items`` reads them) and handled by the loop body
    with cyclic garbage collection paused (see ``gc_paused``); with ``freeze``, what was made
    meanwhile is then moved out of the collector's sight (``gc.freeze()``) rather than walked by
    the next collections, generation after generation (at 1,000,000 residents 3.5 s of 24). The
    caller unfreezes (``gc.unfreeze()``) when it is done with the objects."""
    enabled = gc.isenabled()
    iterator = iter(items)
    try:
        while True:
            gc.disable()
            try:
                item = next(iterator)
            except StopIteration:
                return
            yield item
            if freeze:
                gc.freeze()
            if enabled:
                gc.enable()
    finally:
        if enabled:
            gc.enable()


def parse_tables(raw_tables: Iterable[RawTable], problems: list[Problem], warnings: list[Problem],
                 today: dt.date | None = None, freeze: bool = False) -> dict[str, ParsedTable]:
    """Parse every table (``problems`` and ``warnings`` collect what is found); ``today``
    (default: the local date) is the day after which a date earns a warning. Each table is
    read and parsed with cyclic garbage collection paused; ``freeze``: its objects are then
    frozen (``_each_paused``: the caller unfreezes them)."""
    parsed: dict[str, ParsedTable] = {}
    shared: dict[str, dict] = {}  # SHARED_COLUMNS: each value once, for the time of the parse
    if today is None:
        from django.utils import timezone

        today = timezone.localdate()
    for raw in _each_paused(raw_tables, freeze):
        table = TABLE_BY_NAME[raw.name]
        if raw.unreadable:
            parsed[raw.name] = ParsedTable(table, (), [], raw.source, rejected=True)
            raw.rows = []
            continue
        known = set(table.column_names)
        positions: dict[str, int] = {}
        ignored_positions: list[int] = []
        header_ok = True
        for index, header in enumerate(raw.headers):
            if not header:
                ignored_positions.append(index)
            elif header not in known:
                problems.append(Problem(raw.name, 1, header, "未知列 / unknown column", "unknown_column"))
                header_ok = False
            elif header in positions:
                problems.append(Problem(raw.name, 1, header, "列重复 / duplicate column", "duplicate_column"))
                header_ok = False
            else:
                positions[header] = index
        for column in table.columns:
            if column.required and column.name not in positions:
                problems.append(Problem(raw.name, None, column.name, "缺少必填列 / required column missing",
                                        "missing_column"))
                header_ok = False
        if not header_ok:
            parsed[raw.name] = ParsedTable(table, (), [], raw.source, rejected=True)
            raw.rows = []
            continue
        present = tuple(c for c in table.column_names if c in positions)
        rows = _parse_clean(raw, table, present, positions, shared, release=True)
        result = ParsedTable(table, present, rows or [], raw.source)
        if rows is None:
            result.rows = _parse_rows(raw, result, positions, ignored_positions, problems, warnings)
        _future_dates(result, today, warnings)
        parsed[raw.name] = result
        raw.rows = []  # consumed: a large register's raw cells need not outlive their parse
    return parsed


def _future_dates(parsed: ParsedTable, today: dt.date, warnings: list[Problem]) -> None:
    """A warning for every date after ``today`` (a typing slip, or a planned end)."""
    cells = None  # each row's values, taken once for all the date columns
    for column in parsed.table.columns:
        if column.kind != "date" or column.name not in parsed.present:
            continue
        if cells is None:
            cells = [row.cells for row in parsed.rows]
        values = list(map(operator.itemgetter(parsed.present.index(column.name)), cells))
        if max(filter(None, values), default=today) <= today:
            continue
        for row, value in zip(parsed.rows, values, strict=True):
            if value is not None and value > today:
                warnings.append(Problem(
                    parsed.table.name, row.number, column.name,
                    f"日期 {value} 晚于导入当日 {today}（录入错误？计划的结束日期？）"
                    f" / dated {value}, after the day of the import {today} (a typing slip, or a planned end?)",
                    "future_date"))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _parse_rows(raw: RawTable, parsed: ParsedTable, positions: dict[str, int], ignored_positions: list[int],
                problems: list[Problem], warnings: list[Problem]) -> list[Row]:
    """Row by row, reporting every problem (and every warning)."""
    table, present = parsed.table, parsed.present
    rows: list[Row] = []
    seen: dict[tuple, Row] = {}
    plan = [(name, table.column(name), positions[name]) for name in present]
    width = len(raw.headers)
    key_columns = table.key or present
    track_keys = table.name in REFERENCED
    ignored = set(ignored_positions)
    shared_index = column_index(present)
    stray: dict[int, list[int]] = {}  # column index -> [first row, rows] of values under no header
    for number, cells in raw.rows:
        if not _has_content(cells):
            continue
        if ignored or len(cells) > width:
            for i in range(len(cells)):
                if (i in ignored or i >= width) and cell_text(cells[i]):
                    stray.setdefault(i, [number, 0])[1] += 1
        values = {}
        failed: set[str] = set()
        n_cells = len(cells)
        for name, column, index in plan:
            raw_value = cells[index] if index < n_cells else None
            try:
                value = parse_cell(column, raw_value)
            except CellError as exc:
                problems.append(Problem(raw.name, number, name, str(exc), exc.kind))
                failed.add(name)
                continue
            if column.required and _blank(value):
                problems.append(Problem(raw.name, number, name, "必填项为空 / required value is blank", "blank_required"))
                failed.add(name)
                continue
            message = text_warning(column, value)
            if message:
                warnings.append(Problem(raw.name, number, name, message, "control_character"))
            values[name] = value
        if failed:
            if track_keys:
                if failed & set(key_columns):
                    parsed.bad_keys = True
                else:
                    parsed.rejected_keys.setdefault(values[key_columns[0]], number)
            continue
        row = Row(number, tuple(map(values.__getitem__, present)), shared_index)
        key = tuple(values.get(k) for k in key_columns)
        first = seen.get(key)
        if first is not None:
            if first.cells != row.cells:
                problems.append(
                    Problem(
                        raw.name,
                        number,
                        None,
                        f"与第 {first.number} 行的键相同但内容不同 / same key as row {first.number} with different values",
                        "duplicate_key",
                    )
                )
            continue
        seen[key] = row
        rows.append(row)
    for index, (first, count) in sorted(stray.items()):
        letter = _column_letter(index)
        warnings.append(Problem(raw.name, first, None,
                                f"第 {letter} 列没有表头，其中 {count} 行的值已忽略（自第 {first} 行起）/ values under a"
                                f" blank header (column {letter}) ignored in {count} row(s) from row {first}",
                                "unheaded_values"))
    return rows


def cell_text(value) -> str:
    """A raw cell as trimmed text (numbers from Excel without a trailing .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return trim(str(value))
