"""Reading an exchange-format input: a folder of CSV files or one .xlsx workbook.

Produces, per table, the header and the rows as raw cell values (str, or a
``date``/``datetime``/number from an Excel cell), each with its spreadsheet row
number (the header is row 1). Problems that make the input unreadable are
returned, never raised; a table whose file or sheet cannot be read is returned
``unreadable`` (rejected as a whole, so that references into it are folded).

Every file is read within the deployment's limits (``jiuye.exchange.limits``), as a
stream that stops at the first excess: a CSV file a block at a time, decoded as it is
read (never the whole file at once), an over-long cell refused as soon as it is seen; a
workbook through the fences of ``jiuye.exchange.workbook``.
"""

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path

from django.conf import settings

from jiuye.exchange.limits import Refused, cell_too_long, file_too_big, too_many_columns, too_many_rows
from jiuye.exchange.workbook import read_workbook
from jiuye.registry.rules.parse import RawTable, gc_paused
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import TABLE_BY_NAME

UTF8_BOM = b"\xef\xbb\xbf"


@contextmanager
def _field_limit(limit: int):
    """The csv module's longest field (process-wide) for the time of one read."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


# CSV: read a block at a time, decoded as it is read, never the whole file at once.
_BLOCK = 1 << 20
# A line longer than this (characters) is looked into before it is complete, and again each
# time it doubles: a cell or a row over the limits is refused before the rest is read.
_PROBE_FROM = 1 << 16
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A piece of a line that is all ASCII and UTF-8 Chinese characters (U+4E00–U+9FFF).
# (Possessive: no backtracking state kept per character of a long line.)
_UTF8_CHINESE = re.compile(rb"(?:[\x00-\x09\x0b-\x7f]++|(?:\xe4[\xb8-\xbf]|[\xe5-\xe9][\x80-\xbf])[\x80-\xbf])*+")


class _NotUtf8(Exception):
    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


def _utf16(table: str) -> Problem:
    return Problem(
        table, None, None,
        "文件是 UTF-16（“Unicode 文本”）编码，既不是 UTF-8 也不是 GB18030：请另存为“CSV UTF-8” / the file is"
        " UTF-16 (\"Unicode text\"), neither UTF-8 nor GB18030: save it as \"CSV UTF-8\"", "unreadable_file")


def _nul(table: str, line: int) -> Problem:
    return Problem(
        table, None, None,
        f"文件第 {line} 行含有空字节（NUL），不是 CSV 文本：请另存为“CSV UTF-8” / the file holds a NUL byte"
        f" (line {line}), so it is not CSV text: save it as \"CSV UTF-8\"", "nul_byte")


def _mixed(table: str, line: int, other: int) -> Problem:
    return Problem(
        table, None, None,
        f"文件混用了两种编码：第 {line} 行是 UTF-8，第 {other} 行不是（两个文件拼在了一起？），按 GB18030 读取会把 "
        f"UTF-8 的字变成别的字。请把整个文件另存为同一种编码（建议“CSV UTF-8”） / the file mixes two encodings:"
        f" line {line} is UTF-8, line {other} is not (two files pasted together?); read as GB18030 the UTF-8"
        " characters would become other characters. Save the whole file in one encoding (\"CSV UTF-8\" preferred)",
        "mixed_encoding")


def _neither(table: str) -> Problem:
    return Problem(
        table, None, None,
        "文件既不是 UTF-8 也不是 GB18030 编码：请另存为“CSV UTF-8” / file is neither UTF-8 nor GB18030:"
        " save it as \"CSV UTF-8\"", "unreadable_file")


def _open_sequence(data: bytes) -> int:
    """How many bytes at the end of ``data`` open a UTF-8 sequence that it does not finish."""
    for back in range(1, min(3, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return 0
        if byte >= 0xC0:
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return back if need > back else 0
    return 0


class _CsvLines:
    """The lines of a CSV file as text (each with its line break), for ``csv.reader``: read a
    block at a time and decoded in ``encoding`` as they come. Raises ``Refused`` at the first
    NUL byte, UTF-16 mark, mixed encoding, undecodable line, or long line already holding a
    cell or more columns over the limits; ``_NotUtf8`` (line) if read as UTF-8 a line is not."""

    def __init__(self, fh, table: str, encoding: str, other_line: int | None = None):
        self.fh, self.table, self.encoding, self.other_line = fh, table, encoding, other_line
        self.number = 0  # the line being read (1 = the first)
        self.record_start = True  # whether the next line opens a record (the reader's loop says)
        self.first_utf8_line = None  # read as UTF-8: the first line of ASCII and UTF-8 Chinese only

    def _blocks(self):
        first = True
        while True:
            block = self.fh.read(_BLOCK)
            if block.endswith(b"\r"):  # never part a CR LF between two blocks
                block += self.fh.read(1)
            if first:
                if block[:2] in _UTF16_BOMS:
                    raise Refused(_utf16(self.table))
                if block.startswith(UTF8_BOM):
                    block = block[3:]
                first = False
            if not block:
                return
            yield block

    def __iter__(self):
        utf8 = self.encoding == "utf-8"
        decoder = codecs.getincrementaldecoder(self.encoding)()
        pieces: list[str] = []
        length, probe_at = 0, _PROBE_FROM
        carry, clean, chinese, line_start = b"", True, False, True
        self.number = 1
        pending = broken = False
        for block in self._blocks():
            for piece in block.splitlines(keepends=True):
                done = piece.endswith((b"\n", b"\r"))
                pending = not done
                if b"\x00" in piece:
                    raise Refused(_nul(self.table, self.number))
                if clean and (not utf8 or self.first_utf8_line is None):
                    body = carry + piece
                    if done:
                        body, carry = body.rstrip(b"\r\n"), b""
                    else:
                        cut = len(body) - _open_sequence(body)
                        body, carry = body[:cut], body[cut:]
                    if line_start and body.startswith(UTF8_BOM):
                        body = body[3:]
                    if _UTF8_CHINESE.fullmatch(body) is None:
                        clean = False
                    elif not body.isascii():
                        chinese = True
                line_start = False
                try:
                    text = "" if broken else decoder.decode(piece, final=done)
                except UnicodeDecodeError:
                    self._undecodable()
                    # Not GB18030 either; but a UTF-8 line further on makes it a mixed file.
                    broken, text = True, ""
                if not done:
                    if broken:
                        continue
                    pieces.append(text)
                    length += len(text)
                    if length >= probe_at:
                        self._probe("".join(pieces))
                        probe_at = 2 * length
                    continue
                line = "".join(pieces) + text if pieces else text
                self._line_read(clean and chinese)
                pieces, length, probe_at = [], 0, _PROBE_FROM
                carry, clean, chinese, line_start = b"", True, False, True
                if not broken:
                    self.record_start = False
                    yield line
                self.number += 1
        if pending:  # the last line, without a line break
            try:
                text = "" if broken else decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self._undecodable()
                broken = True
            if carry:
                clean = False
            self._line_read(clean and chinese)
            if not broken:
                self.record_start = False
                yield "".join(pieces) + text
        if broken:
            raise Refused(_neither(self.table))

    def _undecodable(self):
        """A line that does not decode: as UTF-8, the file is GB18030 or mixed."""
        if self.encoding != "utf-8":
            return
        if self.first_utf8_line is not None:
            raise Refused(_mixed(self.table, self.first_utf8_line, self.number))
        raise _NotUtf8(self.number)

    def _line_read(self, utf8_chinese: bool) -> None:
        if not utf8_chinese:
            return
        if self.encoding == "utf-8":
            if self.first_utf8_line is None:
                self.first_utf8_line = self.number
        else:
            raise Refused(_mixed(self.table, self.number, self.other_line))

    def _probe(self, text: str) -> None:
        """A long line not yet complete: refused if what is read of it already holds a cell or
        more columns over the limits (the field limit is the cell limit, set by the caller)."""
        probe = text if self.record_start else '"' + text  # a line that goes on with a quoted cell
        try:
            fields = next(csv.reader([probe]), [])
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise Refused(cell_too_long(self.table, f"第 {self.number} 行", f"on line {self.number}",
                                               f"{settings.JIUYE_IMPORT_MAX_CELL_CHARS}+")) from None
            return
        if len(fields) > settings.JIUYE_IMPORT_MAX_COLUMNS:
            raise Refused(too_many_columns(self.table, f"第 {self.number} 行", f"of line {self.number}",
                                              f"{len(fields)}+"))


def _csv_records(lines: _CsvLines) -> list[list[str]]:
    """The records of a CSV file (the header first), refused at the first excess."""
    max_rows, max_columns = settings.JIUYE_IMPORT_MAX_ROWS, settings.JIUYE_IMPORT_MAX_COLUMNS
    table = lines.table
    records = []
    try:
        for record in csv.reader(lines):
            lines.record_start = True
            if len(record) > max_columns:
                raise Refused(too_many_columns(table, f"第 {lines.number} 行", f"of line {lines.number}",
                                                  len(record)))
            records.append(record)
            if len(records) - 1 > max_rows:
                raise Refused(too_many_rows(table, f"{max_rows}+"))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise Refused(cell_too_long(table, f"第 {lines.number} 行", f"on line {lines.number}",
                                           f"{settings.JIUYE_IMPORT_MAX_CELL_CHARS}+")) from None
        raise Refused(Problem(table, None, None, f"CSV 格式错误（第 {lines.number} 行）/ malformed CSV (line"
                                                 f" {lines.number}): {exc}", "unreadable_file")) from None
    return records


def _prescan(fh) -> tuple[int | None, int | None, int | None]:
    """One pass over the bytes, at the speed of the disk: the line of the first NUL byte and
    of the first line that is not UTF-8 (None, None: neither), and the length in bytes of the
    longest line (None when the file is UTF-16: the reading says so). A file found bad at its
    end is refused before any of its rows is kept."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines, not_utf8, first = 0, None, True
    longest, run = 0, 0  # the longest line yet, and the bytes of the line still open
    while block := fh.read(_BLOCK):
        if first and block[:2] in _UTF16_BOMS:
            return None, None, None  # the reading says so
        first = False
        nul = block.find(b"\x00")
        if nul >= 0:
            return lines + block.count(b"\n", 0, nul) + 1, not_utf8, None
        parts = block.split(b"\n")
        if len(parts) == 1:
            run += len(block)
        else:
            longest = max(longest, run + len(parts[0]), max(map(len, parts[1:-1]), default=0))
            run = len(parts[-1])
        if not_utf8 is None:
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                not_utf8 = lines + block.count(b"\n", 0, max(0, exc.start - len(decoder.getstate()[0]))) + 1
        lines += block.count(b"\n")
    if not_utf8 is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            not_utf8 = lines + 1
    return None, not_utf8, max(longest, run)


class _ReadAgain(Exception):
    """Over a limit in the quick reading: the careful one says where."""


def _csv_records_plain(fh) -> list[list[str]]:
    """``_csv_records`` of a file known to be UTF-8 throughout, without NUL and with no line
    long enough to be probed: decoded and split by the io module (C), line by line. Anything
    refused is read again by ``_csv_records``, whose line numbers the messages give."""
    max_rows, max_columns = settings.JIUYE_IMPORT_MAX_ROWS, settings.JIUYE_IMPORT_MAX_COLUMNS
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", newline="")
    try:
        # At most one record past the limit is read (the header and max_rows rows are allowed);
        # every line is short (the prescan), so no record is large.
        records = list(islice(csv.reader(text), max_rows + 2))
        if len(records) - 1 > max_rows or (records and max(map(len, records)) > max_columns):
            raise _ReadAgain
        return records
    finally:
        text.detach()  # the file stays open for a second reading


def read_csv(fh, table: str) -> list[list[str]]:
    """The records of a CSV file (a binary file object), read as a stream: UTF-8 (with or
    without BOM) or GB18030, detected; ``Refused`` at the first thing that makes it unreadable
    or over a limit. A first pass over the bytes finds a NUL byte and whether the file is
    UTF-8; the second reads it (as GB18030 if it is not UTF-8)."""
    nul, other, longest = _prescan(fh)
    if nul is not None:
        raise Refused(_nul(table, nul))
    with _field_limit(settings.JIUYE_IMPORT_MAX_CELL_CHARS):
        if other is None and longest is not None and longest < _PROBE_FROM:
            fh.seek(0)
            try:
                return _csv_records_plain(fh)  # most files: UTF-8 with short lines
            except (_ReadAgain, csv.Error):
                pass  # over a limit or malformed: read again, line by line, to say where
        for encoding in ("utf-8", "gb18030") if other is None else ("gb18030",):
            fh.seek(0)
            try:
                return _csv_records(_CsvLines(fh, table, encoding, other))
            except _NotUtf8 as exc:
                other = exc.line
    raise AssertionError("unreachable")  # GB18030 never raises _NotUtf8


def decode_csv(data: bytes) -> tuple[str | None, Problem | None]:
    """The text of a CSV file, UTF-8 (with or without BOM) or GB18030, or why it cannot be
    read (a ``Problem`` without table): neither encoding, a mix of both, a NUL byte."""
    other = None
    for encoding in ("utf-8", "gb18030"):
        try:
            with _field_limit(settings.JIUYE_IMPORT_MAX_CELL_CHARS):
                return "".join(_CsvLines(io.BytesIO(data), "", encoding, other)), None
        except _NotUtf8 as exc:
            other = exc.line
        except Refused as exc:
            return None, exc.problem
    raise AssertionError("unreachable")


def _unreadable(name: str, source: str) -> RawTable:
    return RawTable(name, source, [], unreadable=True)


def _csv_table(name: str, path: Path, problems: list[Problem]) -> RawTable:
    size = path.stat().st_size
    if size > settings.JIUYE_IMPORT_MAX_FILE_BYTES:
        problems.append(file_too_big(name, size))
        return _unreadable(name, path.name)
    try:
        # No cyclic collection while a file's records are made (a list per record, no cycles):
        # every full collection on the way would walk all of them (a 100,000-resident register
        # is read in 0.4 s without, 1.3 s with).
        with path.open("rb") as fh, gc_paused():
            records = read_csv(fh, name)
            if not records:
                return RawTable(name, path.name, [])
            table = RawTable(name, path.name, [h.strip() for h in records[0]])
            table.rows = list(enumerate(records[1:], start=2))  # (spreadsheet row number, cells)
            return table
    except Refused as exc:
        problems.append(exc.problem)
        return _unreadable(name, path.name)


def read_input(path: Path) -> tuple[list[RawTable], list[Problem]]:
    """Read a folder of CSV files or an .xlsx workbook (every table at once; ``iter_input``
    reads one table at a time)."""
    problems: list[Problem] = []
    return list(iter_input(path, problems)), problems


def iter_input(path: Path, problems: list[Problem]) -> Iterator[RawTable]:
    """The tables of a folder of CSV files or an .xlsx workbook, a CSV file read only when the
    table before it has been taken (so a caller that parses each table as it comes and drops
    its raw cells never holds every table's cells at once). ``problems`` collects what makes
    the input or a table unreadable, the same problems as ``read_input``; once the iteration
    is done they are all there (a table given twice: after the last of its copies)."""
    if path.is_dir():
        files = []
        for file in sorted(path.iterdir()):
            if not file.is_file() or file.suffix.lower() != ".csv":
                continue
            name = file.stem.strip()
            if name not in TABLE_BY_NAME:
                problems.append(Problem(name, None, None, f"文件名不是台账表名 / file is not named after a table: {file.name}",
                                        "not_a_table"))
                continue
            files.append((name, file))
        copies = Counter(name for name, _ in files)
        seen: Counter = Counter()
        for name, file in files:
            table = _csv_table(name, file, problems)
            seen[name] += 1
            if copies[name] > 1:
                table.unreadable = True
                if seen[name] == copies[name]:  # the problems in the order read_input gave them
                    problems.extend(_twice(name) for _ in range(copies[name] - 1))
            yield table
        return
    tables: list[RawTable] = []
    if path.is_file() and path.suffix.lower() == ".xlsx":
        tables = read_workbook(path, problems)
    elif path.exists():
        problems.append(Problem("-", None, None, "输入须为 CSV 文件夹或 .xlsx 工作簿 / input must be a folder of CSV files or an .xlsx workbook",
                                "unreadable_file"))
    else:
        problems.append(Problem("-", None, None, f"找不到输入 / input not found: {path}", "unreadable_file"))
    seen_tables: dict[str, RawTable] = {}
    for table in tables:
        if table.name in seen_tables:
            problems.append(_twice(table.name))
            table.unreadable = seen_tables[table.name].unreadable = True
        seen_tables[table.name] = table
    yield from tables


def _twice(name: str) -> Problem:
    return Problem(name, None, None, "同一表出现两次 / the same table appears twice", "duplicate_table")
