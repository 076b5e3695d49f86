"""Reading an .xlsx workbook within the deployment's limits, however it is built.

Three fences, each refusing at the first excess (``Refused``, an ``over_limit`` or
``unreadable_file`` problem):

1. The archive's directory, before anything is inflated: the number of parts, the declared
   uncompressed size of each part (each worksheet, the shared strings, every other part,
   styles included) and of the whole, and the compression ratio of each part and of the
   whole (a bomb padded with incompressible data keeps the whole's ratio low, not its
   sheet's).
2. What is actually inflated, counted as it is read (``BoundedZip``): the same limits again,
   so that a directory that lies about the sizes stops at the same place.
3. What the XML holds, counted by a streaming parser (expat) as the bytes come, before
   openpyxl builds anything of it: rows, cells of a row, characters of a cell, the number
   and characters of the shared strings, no DOCTYPE (entities) at all.

openpyxl reads the workbook in read-only mode through this archive, and the rows of each
sheet are taken from its streaming sheet parser directly: no row is padded to the sheet's
stated width and no missing row is made up (a sheet claiming A1:XFD1048576 costs nothing).
"""

import re
import struct
import zipfile
from pathlib import Path
from xml.parsers import expat

from django.conf import settings

from jiuye.exchange.limits import (
    Refused,
    cell_too_long,
    file_too_big,
    over_limit,
    too_many_columns,
    too_many_rows,
)
from jiuye.registry.rules.parse import RawTable
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import TABLE_BY_NAME

# A part smaller than this is not held to the compression ratio (small XML parts compress
# well without being bombs).
RATIO_FLOOR = 1024 * 1024
# Excel's own bounds: a sheet has at most 1,048,576 rows and 16,384 columns (XFD).
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
# A workbook has a few dozen parts; a part other than a sheet or the shared strings (styles,
# the workbook, relationships...) a few thousand elements (Excel allows 64,000 cell formats).
MAX_PARTS = 10_000
MAX_OTHER_ELEMENTS = 1_000_000

_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")
_STRINGS_PART = "xl/sharedStrings.xml"
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main "
_ROW, _CELL, _VALUE, _TEXT, _INLINE, _STRING = (_NS + tag for tag in ("row", "c", "v", "t", "is", "si"))
_SPLIT = "请把工作簿拆成几个再分别导入", "split the workbook and import the parts one by one"


def part_kind(name: str) -> str:
    if _SHEET_PART.fullmatch(name):
        return "sheet"
    return "strings" if name == _STRINGS_PART else "other"


def _part_limit(kind: str) -> tuple[int, str]:
    setting = {"sheet": "JIUYE_IMPORT_MAX_XLSX_SHEET_BYTES", "strings": "JIUYE_IMPORT_MAX_XLSX_STRINGS_BYTES",
               "other": "JIUYE_IMPORT_MAX_XLSX_PART_BYTES"}[kind]
    return getattr(settings, setting), setting


def invalid(detail: str = "") -> Problem:
    return Problem("-", None, None, "不是有效的 .xlsx 工作簿，请用 Excel 重新另存为 .xlsx / not a valid .xlsx workbook,"
                   " save it again as .xlsx from Excel" + (f": {detail}" if detail else ""), "unreadable_file")


def _part_problem(name: str, inflated: int, compressed: int, more: str = "") -> Problem | None:
    """Why a part inflating to ``inflated`` bytes from ``compressed`` is over the limits, if it is."""
    kind = part_kind(name)
    limit, setting = _part_limit(kind)
    if inflated > limit:
        return over_limit("-", f"工作簿部件 {name} 解压后的字节数（疑似压缩炸弹？）",
                          f"the uncompressed bytes of workbook part {name} (a zip bomb?)", f"{inflated}{more}", limit,
                          setting, *_SPLIT)
    ratio = settings.JIUYE_IMPORT_MAX_XLSX_RATIO
    if inflated > RATIO_FLOOR and inflated > max(compressed, 1) * ratio:
        return over_limit("-", f"工作簿部件 {name} 的压缩比（疑似压缩炸弹）",
                          f"the compression ratio of workbook part {name} (a zip bomb?)",
                          f"{inflated // max(compressed, 1)}{more}", ratio, "JIUYE_IMPORT_MAX_XLSX_RATIO",
                          "请用 Excel 重新另存为 .xlsx", "save it again as .xlsx from Excel")
    return None


def _whole_problem(inflated: int, size: int, more: str = "") -> Problem | None:
    limit = settings.JIUYE_IMPORT_MAX_XLSX_UNCOMPRESSED
    if inflated > limit:
        return over_limit("-", "工作簿解压后的总字节数（疑似压缩炸弹？）", "the uncompressed bytes of the workbook (a zip bomb?)",
                          f"{inflated}{more}", limit, "JIUYE_IMPORT_MAX_XLSX_UNCOMPRESSED", *_SPLIT)
    ratio = settings.JIUYE_IMPORT_MAX_XLSX_RATIO
    if inflated > max(size, 1) * ratio:
        return over_limit("-", "工作簿的压缩比（疑似压缩炸弹）", "the compression ratio of the workbook (a zip bomb?)",
                          f"{inflated // max(size, 1)}{more}", ratio, "JIUYE_IMPORT_MAX_XLSX_RATIO",
                          "请用 Excel 重新另存为 .xlsx", "save it again as .xlsx from Excel")
    return None


def _declared_parts(path: Path) -> int | None:
    """The number of parts the end of the archive declares (None if it has no end record)."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 65_557))
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        return None
    return struct.unpack("<H", tail[at + 10:at + 12])[0]


def check_directory(path: Path) -> None:
    """Fence 1: the archive's directory, before anything is inflated."""
    size = path.stat().st_size
    if size > settings.JIUYE_IMPORT_MAX_FILE_BYTES:
        raise Refused(file_too_big("-", size))
    parts = _declared_parts(path)
    if parts is not None and parts > MAX_PARTS:  # 0xFFFF: a ZIP64 count, never a workbook
        raise Refused(over_limit("-", "工作簿的部件数", "the number of parts of the workbook", parts, MAX_PARTS,
                                 "-", "请用 Excel 重新另存为 .xlsx", "save it again as .xlsx from Excel"))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise Refused(invalid(str(exc))) from None
    total = 0
    for info in infos:
        problem = _part_problem(info.filename, info.file_size, info.compress_size)
        if problem:
            raise Refused(problem)
        total += info.file_size
    problem = _whole_problem(total, size)
    if problem:
        raise Refused(problem)


class _Guard:
    """Fence 3 for one XML part: counts what it holds as its bytes come (expat, no tree)."""

    def __init__(self, part: str, table: str):
        self.part, self.table = part, table
        self.other = part_kind(part) == "other"
        self.max_rows = settings.JIUYE_IMPORT_MAX_ROWS
        self.max_columns = settings.JIUYE_IMPORT_MAX_COLUMNS
        self.max_chars = settings.JIUYE_IMPORT_MAX_CELL_CHARS
        self.max_strings = settings.JIUYE_IMPORT_MAX_XLSX_STRINGS
        self.max_string_chars = settings.JIUYE_IMPORT_MAX_XLSX_STRING_CHARS
        self.row = 0
        self.in_row = self.in_cell = self.in_string = self.valued = False
        self.cells = self.values = self.chars = 0
        self.text_of = None  # "cell" or "string" inside a <v> or <t>
        self.strings = self.string_chars = self.total_chars = self.elements = 0
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.buffer_text = True
        if part_kind(part) == "strings":  # the shared strings' own handlers: fewer tests per element
            parser.StartElementHandler = self.string_start
            parser.EndElementHandler = self.string_end
        else:
            parser.StartElementHandler = self.start
            parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text
        parser.StartDoctypeDeclHandler = self.doctype
        self.parser = parser

    def feed(self, data: bytes) -> None:
        try:
            self.parser.Parse(data, False)
        except expat.ExpatError as exc:
            raise Refused(invalid(f"{self.part}: {exc}")) from None

    def doctype(self, *args):
        raise Refused(invalid(f"{self.part}: DOCTYPE"))

    def where(self) -> tuple[str, str]:
        return f"工作表第 {self.row} 行", f"in row {self.row}"

    def start(self, name, attrs):
        if self.other:
            self.elements += 1
            if self.elements > MAX_OTHER_ELEMENTS:
                raise Refused(over_limit(self.table, f"工作簿部件 {self.part} 的元素数", f"the elements of workbook part"
                                         f" {self.part}", f"{MAX_OTHER_ELEMENTS}+", MAX_OTHER_ELEMENTS, "-",
                                         "请用 Excel 重新另存为 .xlsx", "save it again as .xlsx from Excel"))
        if name == _CELL:
            if self.in_row:
                self.cells += 1
                if self.cells > EXCEL_COLUMNS:
                    zh, en = self.where()
                    raise Refused(too_many_columns(self.table, zh, en, f"{EXCEL_COLUMNS}+"))
            self.in_cell, self.valued, self.chars = True, False, 0
        elif name == _ROW:
            number = self.row + 1
            r = attrs.get("r")
            if r:
                try:
                    number = int(float(r))
                except ValueError:
                    pass
            self.row = number
            if number > EXCEL_ROWS:
                raise Refused(invalid(f"{self.part}: row {number} > {EXCEL_ROWS}"))
            if number - 1 > self.max_rows:  # the header is row 1
                raise Refused(too_many_rows(self.table, number - 1))
            self.in_row, self.cells, self.values = True, 0, 0
        elif name == _VALUE or name == _TEXT:
            if self.in_cell:
                self.valued, self.text_of = True, "cell"
            elif self.in_string:
                self.text_of = "string"
        elif name == _INLINE:
            self.valued = self.valued or self.in_cell
        elif name == _STRING:
            self.strings += 1
            if self.strings > self.max_strings:
                raise Refused(over_limit(self.table, "共享字符串的个数", "the number of shared strings",
                                         f"{self.max_strings}+", self.max_strings, "JIUYE_IMPORT_MAX_XLSX_STRINGS",
                                         *_SPLIT))
            self.in_string, self.string_chars = True, 0

    def string_start(self, name, attrs):
        if name == _STRING:
            self.strings += 1
            if self.strings > self.max_strings:
                self.start(name, attrs)
            self.in_string, self.string_chars = True, 0
        elif name == _TEXT and self.in_string:
            self.text_of = "string"

    def string_end(self, name):
        if name == _TEXT:
            self.text_of = None
        elif name == _STRING:
            self.in_string = False

    def end(self, name):
        if name == _CELL:
            self.in_cell = False
            if self.valued and self.in_row:
                self.values += 1
                if self.values > self.max_columns:
                    zh, en = self.where()
                    raise Refused(too_many_columns(self.table, zh, en, f"{self.max_columns}+"))
        elif name == _ROW:
            self.in_row = False
        elif name == _VALUE or name == _TEXT:
            self.text_of = None
        elif name == _STRING:
            self.in_string = False

    def text(self, data):
        if self.text_of is None:
            return
        if self.text_of == "cell":
            self.chars += len(data)
            if self.chars > self.max_chars:
                zh, en = self.where()
                raise Refused(cell_too_long(self.table, zh, en, f"{self.max_chars}+"))
            return
        self.string_chars += len(data)
        self.total_chars += len(data)
        if self.string_chars > self.max_chars:
            raise Refused(cell_too_long(self.table, f"第 {self.strings} 个共享字符串（", f"(shared string {self.strings})",
                                        f"{self.max_chars}+"))
        if self.total_chars > self.max_string_chars:
            raise Refused(over_limit(self.table, "共享字符串的总字符数", "the characters of all shared strings",
                                     f"{self.max_string_chars}+", self.max_string_chars,
                                     "JIUYE_IMPORT_MAX_XLSX_STRING_CHARS", *_SPLIT))


class _Part:
    """Fence 2 (and 3) for one part being read: inflated bytes counted as they come."""

    def __init__(self, archive: "BoundedZip", stream, info: zipfile.ZipInfo):
        self.archive, self.stream, self.info = archive, stream, info
        self.count = 0
        name = info.filename
        self.guard = _Guard(name, archive.titles.get(name, "-")) if name.lower().endswith((".xml", ".rels")) else None

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            blocks = []
            while block := self._read(1 << 20):
                blocks.append(block)
            return b"".join(blocks)
        return self._read(n)

    def _read(self, n: int) -> bytes:
        data = self.stream.read(n)
        if not data:
            return data
        self.count += len(data)
        self.archive.inflated += len(data)
        problem = (_part_problem(self.info.filename, self.count, self.info.compress_size, "+")
                   or _whole_problem(self.archive.inflated, self.archive.size, "+"))
        if problem:
            raise Refused(problem)
        if self.guard:
            self.guard.feed(data)
        return data

    def readable(self):
        return True

    def close(self):
        self.stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class BoundedZip(zipfile.ZipFile):
    """A workbook archive whose parts are read through the fences 2 and 3."""

    def __init__(self, path: Path):
        super().__init__(path)
        self.size = Path(path).stat().st_size
        self.inflated = 0
        self.titles: dict[str, str] = {}  # sheet part -> sheet title, for the problem lines

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return stream
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        return _Part(self, stream, info)


def _load(path: Path):
    """The workbook, read-only, through a ``BoundedZip``."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    class Reader(ExcelReader):
        def read_strings(self):
            # The guard alone first, at expat's speed: openpyxl keeps every string it reads, so
            # a table over the limits is refused before it builds any (not a few KB ahead).
            part = self.package.find(SHARED_STRINGS)
            if part is not None:
                with self.archive.open(part.PartName[1:]) as source:
                    while source.read(1 << 20):
                        pass
            super().read_strings()

        def read_worksheets(self):
            for sheet, rel in self.parser.find_sheets():
                self.archive.titles[rel.target] = sheet.name.strip()
            super().read_worksheets()

    reader = Reader(path, read_only=True, data_only=True)
    reader.archive.close()
    reader.archive = BoundedZip(path)
    try:
        reader.read()
    except Exception:
        reader.archive.close()
        raise
    return reader.wb


def _refusal(exc: BaseException) -> Refused | None:
    """The ``Refused`` behind an exception openpyxl wrapped, if any."""
    while exc is not None:
        if isinstance(exc, Refused):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _sheet_rows(workbook, sheet):
    """(row number, cells) as openpyxl's streaming parser gives them: only the cells present."""
    from openpyxl.worksheet._reader import WorkSheetParser

    with workbook._archive.open(sheet._worksheet_path) as source:
        parser = WorkSheetParser(source, sheet._shared_strings, data_only=True, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        last = 0
        for number, cells in parser.parse():
            if number <= last:  # a row given twice or out of order: openpyxl keeps the first
                continue
            last = number
            yield number, cells


def _values(cells, width: int, limit: int) -> list:
    """A row's values as wide as the header (wider where values stand beyond it), up to ``limit``
    columns."""
    row = [None] * width
    for cell in cells:
        value, column = cell["value"], cell["column"]
        if value is None or column > limit:
            continue
        if column > len(row):
            row.extend([None] * (column - len(row)))
        row[column - 1] = value
    return row


def _header(value) -> str:
    return "" if value is None else str(value).strip()


def _sheet_table(workbook, sheet, name: str, source: str) -> RawTable:
    max_rows, max_columns = settings.JIUYE_IMPORT_MAX_ROWS, settings.JIUYE_IMPORT_MAX_COLUMNS
    max_chars = settings.JIUYE_IMPORT_MAX_CELL_CHARS
    rows = _sheet_rows(workbook, sheet)
    first = next(rows, None)
    header_cells = []
    if first is not None and first[0] == 1:
        header_cells, first = first[1], None
    values = [c for c in header_cells if c["value"] is not None]
    width = max((c["column"] for c in values), default=0)
    if width > max_columns:
        raise Refused(too_many_columns(name, "表头", "of the header", width))
    table = RawTable(name, source, [_header(v) for v in _values(header_cells, width, max_columns)])
    pending = [first] if first is not None else []
    for number, cells in _chain(pending, rows):
        if number - 1 > max_rows:
            raise Refused(too_many_rows(name, f"{max_rows}+"))
        if not cells:
            continue
        row = _values(cells, width, max_columns + 1)
        if any(type(v) is str and len(v) > max_chars for v in row):
            longest = max(len(v) for v in row if type(v) is str)
            raise Refused(cell_too_long(name, f"第 {number} 行", f"in row {number}", longest))
        if any(v is not None for v in row):
            table.rows.append((number, row))
    return table


def _chain(first: list, rest):
    yield from first
    yield from rest


def read_workbook(path: Path, problems: list[Problem]) -> list[RawTable]:
    """The tables of a workbook; a refusal is one problem (and no table, or the sheet's table
    unreadable)."""
    try:
        check_directory(path)
    except Refused as exc:
        problems.append(exc.problem)
        return []
    try:
        workbook = _load(path)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        refused = _refusal(exc)
        problems.append(refused.problem if refused else invalid(f"{exc.__cause__ or exc!r}"[:300]))
        return []
    tables = []
    try:
        for sheet in workbook.worksheets:
            name = sheet.title.strip()
            if name not in TABLE_BY_NAME:
                problems.append(Problem(name, None, None, "工作表名称不是台账表名 / sheet is not named after a table",
                                        "not_a_table"))
                continue
            source = f"{path.name}:{name}"
            try:
                tables.append(_sheet_table(workbook, sheet, name, source))
            except Refused as exc:
                problems.append(exc.problem)
                tables.append(RawTable(name, source, [], unreadable=True))
    except Exception as exc:  # noqa: BLE001 - a sheet openpyxl cannot read (bad XML or strings)
        refused = _refusal(exc)
        problems.append(refused.problem if refused else invalid(repr(exc)[:300]))
        return []
    finally:
        workbook.close()
    return tables
