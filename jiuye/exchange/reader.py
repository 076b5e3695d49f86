"""Reading an exchange-format input: a folder of CSV files or one .xlsx workbook.

Produces, per table, the header and the rows as raw cell values (str, or a
``date``/``datetime``/number from an Excel cell), each with its spreadsheet row
number (the header is row 1). Problems that make the input unreadable are
returned, never raised.
"""

import csv
import io
import zipfile
from pathlib import Path

from django.conf import settings

from jiuye.registry.rules.parse import RawTable
from jiuye.registry.rules.problems import Problem
from jiuye.registry.rules.schema import TABLE_BY_NAME


def decode_csv(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), else GB18030; None when it is neither."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _csv_table(name: str, path: Path, problems: list[Problem]) -> RawTable | None:
    size = path.stat().st_size
    if size > settings.JIUYE_IMPORT_MAX_FILE_BYTES:
        problems.append(Problem(name, None, None, f"文件超过大小限制 / file exceeds the size limit ({size} bytes)"))
        return None
    text = decode_csv(path.read_bytes())
    if text is None:
        problems.append(
            Problem(name, None, None, "文件既不是 UTF-8 也不是 GB18030 编码 / file is neither UTF-8 nor GB18030")
        )
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        records = list(reader)
    except csv.Error as exc:
        problems.append(Problem(name, None, None, f"CSV 格式错误 / malformed CSV: {exc}"))
        return None
    if not records:
        return RawTable(name, path.name, [])
    table = RawTable(name, path.name, [h.strip() for h in records[0]])
    table.rows = list(enumerate(records[1:], start=2))  # (spreadsheet row number, cells)
    return table


def _xlsx_check_bomb(path: Path, problems: list[Problem]) -> bool:
    size = path.stat().st_size
    if size > settings.JIUYE_IMPORT_MAX_FILE_BYTES:
        problems.append(Problem("-", None, None, f"文件超过大小限制 / file exceeds the size limit ({size} bytes)"))
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        problems.append(Problem("-", None, None, "不是有效的 .xlsx 工作簿 / not a valid .xlsx workbook"))
        return False
    if total > settings.JIUYE_IMPORT_MAX_XLSX_UNCOMPRESSED or total > max(size, 1) * settings.JIUYE_IMPORT_MAX_XLSX_RATIO:
        problems.append(
            Problem(
                "-",
                None,
                None,
                f"工作簿解压后过大（疑似压缩炸弹）/ workbook expands too much (zip bomb?): {total} bytes",
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
        problems.append(Problem("-", None, None, f"不是有效的 .xlsx 工作簿 / not a valid .xlsx workbook: {exc}"))
        return []
    tables = []
    try:
        for sheet in workbook.worksheets:
            name = sheet.title.strip()
            if name not in TABLE_BY_NAME:
                problems.append(Problem(name, None, None, "工作表名称不是台账表名 / sheet is not named after a table"))
                continue
            rows = sheet.iter_rows(values_only=True)
            header = next(rows, None)
            table = RawTable(name, f"{path.name}:{name}", [_header(h) for h in (header or [])])
            for number, values in enumerate(rows, start=2):
                table.rows.append((number, list(values)))
            tables.append(table)
    except Exception as exc:  # noqa: BLE001 - a sheet openpyxl cannot read (bad XML or strings)
        problems.append(Problem("-", None, None, f"不是有效的 .xlsx 工作簿 / not a valid .xlsx workbook: {exc!r}"))
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
                problems.append(Problem(name, None, None, f"文件名不是台账表名 / file is not named after a table: {file.name}"))
                continue
            table = _csv_table(name, file, problems)
            if table is not None:
                tables.append(table)
    elif path.is_file() and path.suffix.lower() == ".xlsx":
        tables = _xlsx_tables(path, problems)
    elif path.exists():
        problems.append(Problem("-", None, None, "输入须为 CSV 文件夹或 .xlsx 工作簿 / input must be a folder of CSV files or an .xlsx workbook"))
    else:
        problems.append(Problem("-", None, None, f"找不到输入 / input not found: {path}"))
    seen: dict[str, RawTable] = {}
    for table in tables:
        if table.name in seen:
            problems.append(Problem(table.name, None, None, "同一表出现两次 / the same table appears twice"))
        seen[table.name] = table
    return tables, problems
