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
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat

from jiuye.registry.rules import idnumber
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import TABLE_BY_NAME, Table

# ASCII digits only: \d would also take full-width and other Unicode digits.
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})( 00:00:00)?$", re.ASCII)
_INT_RE = re.compile(r"^[+-]?\d+$", re.ASCII)
_CODE_RE = re.compile(r"^\d{12}$", re.ASCII)
_FORMULA_ESCAPE = re.compile(r"^'[=+\-@]")


@dataclass
class RawTable:
    """A table as read, before parsing: the header and the rows as raw cell values (str, or a
    ``date``/``datetime``/number from a workbook cell), each with its spreadsheet row number
    (the header is row 1)."""

    name: str
    source: str
    headers: list[str]
    rows: list[tuple[int, list]] = field(default_factory=list)


@dataclass
class Row:
    number: int
    values: dict

    def __post_init__(self):
        # ``row.get(column, default)`` is the values' own dict.get, bound once: the
        # importer calls it millions of times for a large register.
        self.get = self.values.get


@dataclass
class ParsedTable:
    table: Table
    present: tuple[str, ...]
    rows: list[Row]
    source: str


class CellError(ValueError):
    pass


def unescape(text: str) -> str:
    """A cell written as ' followed by = + - @ is read without the '."""
    return text[1:] if text[:1] == "'" and _FORMULA_ESCAPE.match(text) else text


@functools.lru_cache(maxsize=65536)
def _date_text(text: str) -> dt.date:
    match = _DATE_RE.match(text)
    if not match:
        raise CellError(f"日期格式应为 YYYY-MM-DD / date must be YYYY-MM-DD: {text!r}")
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise CellError(f"不是有效日期 / not a real date: {text!r}") from None


def parse_date(raw) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0, 0):
            raise CellError("日期不能带时间 / a date must not carry a time of day")
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = unescape(cell_text(raw))
    if not text:
        return None
    return _date_text(text)


def parse_int(raw) -> int | None:
    if isinstance(raw, bool):
        raise CellError(f"不是整数 / not an integer: {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if raw.is_integer():
            return int(raw)
        raise CellError(f"不是整数 / not an integer: {raw!r}")
    text = unescape(cell_text(raw))
    if not text:
        return None
    if not _INT_RE.match(text):
        raise CellError(f"不是整数 / not an integer: {text!r}")
    return int(text)


def parse_cell(column, raw):
    kind = column.kind
    if kind == "date":
        return parse_date(raw)
    if kind == "int":
        return parse_int(raw)
    text = unescape(raw.strip() if type(raw) is str else cell_text(raw))
    if kind == "text":
        return text
    if kind == "enum":
        if text and text not in column.values:
            raise CellError(f"取值不在列表中 / value not in the list ({'、'.join(column.values)}): {text!r}")
        return text
    if kind == "multi":
        parts = [p.strip() for p in re.split("[;；]", text) if p.strip()]
        bad = [p for p in parts if p not in column.values]
        if bad:
            raise CellError(f"取值不在列表中 / value not in the list ({'、'.join(column.values)}): {'、'.join(bad)}")
        return tuple(dict.fromkeys(parts))
    if kind == "community_code":
        if text and not _CODE_RE.match(text):
            raise CellError(f"社区代码须为 12 位数字 / community code must have 12 digits: {text!r}")
        return text
    if kind == "id_number":
        return idnumber.normalize(text)
    return text


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
        return bool("".join(cells).strip())
    except TypeError:  # not all text: an .xlsx row (numbers, dates, None for an empty cell)
        return any(c is not None and c != "" and cell_text(c) for c in cells)


def _parse_column(column, cells: list) -> list | None:
    """The parsed values of one column's text cells, as ``parse_cell`` gives them, or None
    if any cell is not text, does not parse, or is a blank required value."""
    if set(map(type, cells)) - {str}:
        return None
    texts = list(map(str.strip, cells))
    if any(map(str.startswith, texts, repeat("'"))):  # formula escapes are rare: undone one by one
        texts = [unescape(t) for t in texts]
    kind = column.kind
    try:
        if kind == "text":  # repeated texts (employers, handlers, skills) kept once
            distinct = set(texts)
            values = list(map({t: t for t in distinct}.__getitem__, texts)) if len(distinct) < len(texts) // 2 else texts
        elif kind == "id_number":
            values = list(map(idnumber.normalize, texts))
        elif kind == "enum":  # one string object per value, not one per cell
            distinct = set(texts)
            if distinct - set(column.values) - {""}:
                return None
            values = list(map({t: t for t in distinct}.__getitem__, texts))
        elif kind == "date":  # each distinct text parsed once; a blank is None
            values = list(map({t: _date_text(t) for t in set(texts) if t}.get, texts))
        elif kind == "int":
            if not all(_INT_RE.match(t) for t in texts if t):
                return None
            values = [int(t) if t else None for t in texts]
        else:  # each distinct cell parsed once
            values = list(map({c: parse_cell(column, c) for c in set(cells)}.__getitem__, cells))
    except CellError:
        return None
    if column.required and any(v is None or v == "" or v == () for v in values):
        return None
    return values


def _parse_clean(raw: RawTable, table: Table, present: tuple[str, ...], positions: dict[str, int]) -> list[Row] | None:
    """The rows of a table with no problem at all, parsed column by column; None at the
    first sign of one (a cell beyond the header or missing, a cell that is not text, a
    bad or blank required value, one key with two contents)."""
    width = len(raw.headers)
    if len(positions) != width:  # a column without a header
        return None
    records = [(number, cells) for number, cells in raw.rows if _has_content(cells)]
    if any(len(cells) != width for _, cells in records):
        return None
    columns = []
    for name in present:
        index = positions[name]
        values = _parse_column(table.column(name), [cells[index] for _, cells in records])
        if values is None:
            return None
        columns.append(values)
    key_columns = table.key or present
    if any(k not in present for k in key_columns):
        return None
    rows = [Row(number, dict(zip(present, values, strict=True)))
            for (number, _), values in zip(records, zip(*columns, strict=True), strict=True)]
    keys = list(zip(*[columns[present.index(k)] for k in key_columns], strict=True))
    if len(set(keys)) == len(keys):
        return rows
    seen: dict[tuple, Row] = {}
    kept = []
    for key, row in zip(keys, rows, strict=True):
        first = seen.setdefault(key, row)
        if first is row:
            kept.append(row)
        elif first.values != row.values:
            return None  # reported by the row-by-row pass
    return kept  # identical repeats dropped, the first kept


def parse_tables(raw_tables: list[RawTable], problems: list[Problem], warnings: list[str]) -> dict[str, ParsedTable]:
    parsed: dict[str, ParsedTable] = {}
    for raw in raw_tables:
        table = TABLE_BY_NAME[raw.name]
        known = set(table.column_names)
        positions: dict[str, int] = {}
        ignored_positions: list[int] = []
        header_ok = True
        for index, header in enumerate(raw.headers):
            if not header:
                ignored_positions.append(index)
            elif header not in known:
                problems.append(Problem(raw.name, 1, header, "未知列 / unknown column"))
                header_ok = False
            elif header in positions:
                problems.append(Problem(raw.name, 1, header, "列重复 / duplicate column"))
                header_ok = False
            else:
                positions[header] = index
        for column in table.columns:
            if column.required and column.name not in positions:
                problems.append(Problem(raw.name, None, column.name, "缺少必填列 / required column missing"))
                header_ok = False
        if not header_ok:
            continue
        present = tuple(c for c in table.column_names if c in positions)
        with gc_paused():
            rows = _parse_clean(raw, table, present, positions)
        if rows is None:
            rows = _parse_rows(raw, table, present, positions, ignored_positions, problems, warnings)
        parsed[raw.name] = ParsedTable(table, present, rows, raw.source)
        raw.rows = []  # consumed: a large register's raw cells need not outlive their parse
    return parsed


def _parse_rows(raw: RawTable, table: Table, present: tuple[str, ...], positions: dict[str, int],
                ignored_positions: list[int], problems: list[Problem], warnings: list[str]) -> list[Row]:
    """Row by row, reporting every problem."""
    rows: list[Row] = []
    seen: dict[tuple, Row] = {}
    plan = [(name, table.column(name), positions[name]) for name in present]
    width = len(raw.headers)
    for number, cells in raw.rows:
        if not _has_content(cells):
            continue
        if ignored_positions or len(cells) > width:
            stray = [i for i in range(len(cells)) if (i in ignored_positions or i >= width) and cell_text(cells[i])]
            if stray:
                warnings.append(f"{raw.name} 第{number}行：无表头的单元格已忽略 / cells without a header ignored")
        values = {}
        row_ok = True
        n_cells = len(cells)
        for name, column, index in plan:
            raw_value = cells[index] if index < n_cells else None
            try:
                value = parse_cell(column, raw_value)
            except CellError as exc:
                problems.append(Problem(raw.name, number, name, str(exc)))
                row_ok = False
                continue
            if column.required and _blank(value):
                problems.append(Problem(raw.name, number, name, "必填项为空 / required value is blank"))
                row_ok = False
                continue
            values[name] = value
        if not row_ok:
            continue
        row = Row(number, values)
        key = tuple(values.get(k) for k in (table.key or present))
        first = seen.get(key)
        if first is not None:
            if first.values != values:
                problems.append(
                    Problem(
                        raw.name,
                        number,
                        None,
                        f"与第 {first.number} 行的键相同但内容不同 / same key as row {first.number} with different values",
                    )
                )
            continue
        seen[key] = row
        rows.append(row)
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
    return str(value).strip()
