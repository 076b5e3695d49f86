"""Reading an exchange-format input: a folder of CSV files or one .xlsx workbook.

Produces, per table, the header and the rows as raw cell values (str, or a
``date``/``datetime``/number from an Excel cell), each with its spreadsheet row
number (the header is row 1). Problems that make the input unreadable are
returned, never raised; a table whose file or sheet cannot be read is returned
``unreadable`` (rejected as a whole, so that references into it are folded).

The deployment's limits (settings): the bytes of a file, for a workbook the
uncompressed size and the compression ratio of each part and of the whole, and for
every table its rows, its columns and the characters of a cell.
"""

import csv
import io
import re
import zipfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from jiuye.registry.rules.parse import RawTable
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import TABLE_BY_NAME

UTF8_BOM = b"\xef\xbb\xbf"
# A line of a file that is all ASCII and UTF-8 Chinese characters (U+4E00–U+9FFF), with at
# least one of them (a UTF-8 BOM may open it: a file pasted in with its own BOM).
_UTF8_CHINESE_LINE = re.compile(
    rb"^(?:\xef\xbb\xbf)?[\x00-\x09\x0b-\x7f]*"
    rb"(?:(?:\xe4[\xb8-\xbf]|[\xe5-\xe9][\x80-\xbf])[\x80-\xbf][\x00-\x09\x0b-\x7f]*)+$",
    re.MULTILINE,
)
# A workbook part smaller than this is not held to the compression ratio (small XML parts
# compress well without being bombs).
_RATIO_FLOOR = 1024 * 1024


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_csv(data: bytes) -> tuple[str | None, Problem | None]:
    """The text of a CSV file, UTF-8 (with or without BOM) or GB18030, or why it cannot be
    read (a ``Problem`` without table): neither encoding, a mix of both, a NUL byte."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None, Problem(
            "", None, None,
            "文件是 UTF-16（“Unicode 文本”）编码，既不是 UTF-8 也不是 GB18030：请另存为“CSV UTF-8” / the file is"
            " UTF-16 (\"Unicode text\"), neither UTF-8 nor GB18030: save it as \"CSV UTF-8\"", "unreadable_file")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = _line_of(data, nul)
        return None, Problem(
            "", None, None,
            f"文件第 {line} 行含有空字节（NUL），不是 CSV 文本：请另存为“CSV UTF-8” / the file holds a NUL byte"
            f" (line {line}), so it is not CSV text: save it as \"CSV UTF-8\"", "nul_byte")
    body = data[3:] if data.startswith(UTF8_BOM) else data
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        other = _line_of(body, exc.start)
    mixed = _UTF8_CHINESE_LINE.search(body)
    if mixed:
        line = _line_of(body, mixed.start())
        return None, Problem(
            "", None, None,
            f"文件混用了两种编码：第 {line} 行是 UTF-8，第 {other} 行不是（两个文件拼在了一起？），按 GB18030 读取会把 "
            f"UTF-8 的字变成别的字。请把整个文件另存为同一种编码（建议“CSV UTF-8”） / the file mixes two encodings:"
            f" line {line} is UTF-8, line {other} is not (two files pasted together?); read as GB18030 the UTF-8"
            " characters would become other characters. Save the whole file in one encoding (\"CSV UTF-8\" preferred)",
            "mixed_encoding")
    try:
        return body.decode("gb18030"), None
    except UnicodeDecodeError:
        return None, Problem(
            "", None, None,
            "文件既不是 UTF-8 也不是 GB18030 编码：请另存为“CSV UTF-8” / file is neither UTF-8 nor GB18030:"
            " save it as \"CSV UTF-8\"", "unreadable_file")


_CURES = {
    "行数": ("请把文件拆成几个再分别导入", "split the file and import the parts one by one"),
    "列数": ("请删去不属于该表的列", "remove the columns that are not the table's"),
    "单元格字符数": ("请缩短过长的单元格", "shorten the cell"),
}


def _over_limit(name: str, what_zh: str, what_en: str, found, limit: int) -> Problem:
    cure_zh, cure_en = _CURES[what_zh]
    return Problem(name, None, None,
                   f"{what_zh}超过本系统的限制（{found} > {limit}），{cure_zh} / {what_en} over this deployment's limit"
                   f" ({found} > {limit}): {cure_en}", "over_limit")


def _check_table_limits(name: str, headers: list, records: list, problems: list[Problem]) -> bool:
    """Rows and columns of a CSV table as read (the length of its cells is the csv reader's)."""
    max_rows, max_columns = settings.JIUYE_IMPORT_MAX_ROWS, settings.JIUYE_IMPORT_MAX_COLUMNS
    if len(records) > max_rows:
        problems.append(_over_limit(name, "行数", "the number of rows", len(records), max_rows))
        return False
    width = max(len(headers), max(map(len, records), default=0))
    if width > max_columns:
        problems.append(_over_limit(name, "列数", "the number of columns", width, max_columns))
        return False
    return True


@contextmanager
def _field_limit(limit: int):
    """The csv module's longest field (process-wide) for the time of one read."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _unreadable(name: str, source: str) -> RawTable:
    return RawTable(name, source, [], unreadable=True)


def _csv_table(name: str, path: Path, problems: list[Problem]) -> RawTable:
    size = path.stat().st_size
    if size > settings.JIUYE_IMPORT_MAX_FILE_BYTES:
        problems.append(Problem(name, None, None, f"文件超过大小限制 / file exceeds the size limit ({size} bytes)",
                                "over_limit"))
        return _unreadable(name, path.name)
    text, problem = decode_csv(path.read_bytes())
    if text is None:
        problem.table = name
        problems.append(problem)
        return _unreadable(name, path.name)
    reader = csv.reader(io.StringIO(text, newline=""))
    max_chars = settings.JIUYE_IMPORT_MAX_CELL_CHARS
    try:
        with _field_limit(max_chars):
            records = list(reader)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            problems.append(_over_limit(name, "单元格字符数", "the characters of a cell", f"{max_chars}+", max_chars))
        else:
            problems.append(Problem(name, None, None, f"CSV 格式错误 / malformed CSV: {exc}", "unreadable_file"))
        return _unreadable(name, path.name)
    if not records:
        return RawTable(name, path.name, [])
    headers = [h.strip() for h in records[0]]
    if not _check_table_limits(name, headers, records[1:], problems):
        return _unreadable(name, path.name)
    table = RawTable(name, path.name, headers)
    table.rows = list(enumerate(records[1:], start=2))  # (spreadsheet row number, cells)
    return table


def _xlsx_check_bomb(path: Path, problems: list[Problem]) -> bool:
    size = path.stat().st_size
    if size > settings.JIUYE_IMPORT_MAX_FILE_BYTES:
        problems.append(Problem("-", None, None, f"文件超过大小限制 / file exceeds the size limit ({size} bytes)",
                                "over_limit"))
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        problems.append(Problem("-", None, None, "不是有效的 .xlsx 工作簿 / not a valid .xlsx workbook",
                                "unreadable_file"))
        return False
    limit, ratio = settings.JIUYE_IMPORT_MAX_XLSX_UNCOMPRESSED, settings.JIUYE_IMPORT_MAX_XLSX_RATIO
    total = sum(info.file_size for info in parts)
    # Each part on its own as well as the whole: padding with incompressible data keeps the
    # overall ratio low, not the ratio of the part that inflates.
    bomb = total > limit or total > max(size, 1) * ratio or any(
        info.file_size > limit or (info.file_size > _RATIO_FLOOR and info.file_size > max(info.compress_size, 1) * ratio)
        for info in parts)
    if bomb:
        problems.append(
            Problem(
                "-",
                None,
                None,
                f"工作簿解压后过大（疑似压缩炸弹）/ workbook expands too much (zip bomb?): {total} bytes",
                "over_limit",
            )
        )
        return False
    return True


def _xlsx_tables(path: Path, problems: list[Problem]) -> list[RawTable]:
    if not _xlsx_check_bomb(path, problems):
        return []
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a bad file
        problems.append(Problem("-", None, None, f"不是有效的 .xlsx 工作簿 / not a valid .xlsx workbook: {exc}",
                                "unreadable_file"))
        return []
    max_rows, max_columns = settings.JIUYE_IMPORT_MAX_ROWS, settings.JIUYE_IMPORT_MAX_COLUMNS
    max_chars = settings.JIUYE_IMPORT_MAX_CELL_CHARS
    tables = []
    try:
        for sheet in workbook.worksheets:
            name = sheet.title.strip()
            if name not in TABLE_BY_NAME:
                problems.append(Problem(name, None, None, "工作表名称不是台账表名 / sheet is not named after a table",
                                        "not_a_table"))
                continue
            source = f"{path.name}:{name}"
            # Cells beyond the last column allowed are not read: a sheet formatted to its
            # last column (XFD) would otherwise give 16,384 cells a row. (openpyxl pads every
            # row to ``max_col``: it is never more than the sheet's own width.)
            width = sheet.max_column
            limit = {} if width is None else {"max_col": min(width, max_columns + 1)}
            rows = sheet.iter_rows(values_only=True, **limit)
            header = list(next(rows, None) or [])
            while header and header[-1] is None:
                header.pop()
            if len(header) > max_columns:
                problems.append(_over_limit(name, "列数", "the number of columns", len(header), max_columns))
                tables.append(_unreadable(name, source))
                continue
            table = RawTable(name, source, [_header(h) for h in header])
            for number, values in enumerate(rows, start=2):
                if number - 1 > max_rows:
                    problems.append(_over_limit(name, "行数", "the number of rows", f"{max_rows}+", max_rows))
                    table = _unreadable(name, source)
                    break
                if any(type(v) is str and len(v) > max_chars for v in values):
                    longest = max(len(v) for v in values if type(v) is str)
                    problems.append(_over_limit(name, "单元格字符数", "the characters of a cell", longest, max_chars))
                    table = _unreadable(name, source)
                    break
                table.rows.append((number, list(values)))
            tables.append(table)
    except Exception as exc:  # noqa: BLE001 - a sheet openpyxl cannot read (bad XML or strings)
        problems.append(Problem("-", None, None, f"不是有效的 .xlsx 工作簿 / not a valid .xlsx workbook: {exc!r}",
                                "unreadable_file"))
        return []
    finally:
        workbook.close()
    return tables


def _header(value) -> str:
    return "" if value is None else str(value).strip()


def read_input(path: Path) -> tuple[list[RawTable], list[Problem]]:
    """Read a folder of CSV files or an .xlsx workbook."""
    problems: list[Problem] = []
    tables: list[RawTable] = []
    if path.is_dir():
        for file in sorted(path.iterdir()):
            if not file.is_file() or file.suffix.lower() != ".csv":
                continue
            name = file.stem.strip()
            if name not in TABLE_BY_NAME:
                problems.append(Problem(name, None, None, f"文件名不是台账表名 / file is not named after a table: {file.name}",
                                        "not_a_table"))
                continue
            tables.append(_csv_table(name, file, problems))
    elif path.is_file() and path.suffix.lower() == ".xlsx":
        tables = _xlsx_tables(path, problems)
    elif path.exists():
        problems.append(Problem("-", None, None, "输入须为 CSV 文件夹或 .xlsx 工作簿 / input must be a folder of CSV files or an .xlsx workbook",
                                "unreadable_file"))
    else:
        problems.append(Problem("-", None, None, f"找不到输入 / input not found: {path}", "unreadable_file"))
    seen: dict[str, RawTable] = {}
    for table in tables:
        if table.name in seen:
            problems.append(Problem(table.name, None, None, "同一表出现两次 / the same table appears twice",
                                    "duplicate_table"))
            table.unreadable = seen[table.name].unreadable = True
        seen[table.name] = table
    return tables, problems
