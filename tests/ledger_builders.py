"""Building small exchange-format inputs for tests: the worked example, edited.

``Ledger.example(example_dir)`` reads the example's CSVs into memory; edit cells
and rows by their spreadsheet numbers (header = row 1), then write the input as a
folder of CSV files (any encoding, with or without BOM) or as an .xlsx workbook.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from jiuye.registry.rules import idnumber
from jiuye.registry.rules.schema import TABLES as SCHEMA_TABLES

DATE_COLUMNS = {c.name for t in SCHEMA_TABLES for c in t.columns if c.kind == "date"}
INT_COLUMNS = {"年度", "目标值", "实际值", "专职人员数"}


def make_id(first17: str) -> str:
    """A valid resident ID number from its first 17 digits."""
    return first17 + idnumber.check_digit(first17)


@dataclass
class Sheet:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def index(self, column: str) -> int:
        return self.headers.index(column)


@dataclass
class Ledger:
    sheets: dict[str, Sheet]

    # -- reading ------------------------------------------------------------------
    @classmethod
    def from_folder(cls, folder: Path) -> "Ledger":
        sheets = {}
        for file in sorted(Path(folder).glob("*.csv")):
            records = list(csv.reader(io.StringIO(file.read_text(encoding="utf-8-sig"), newline="")))
            sheets[file.stem] = Sheet(records[0], [list(r) for r in records[1:]])
        return cls(sheets)

    example = from_folder

    def only(self, *tables: str) -> "Ledger":
        """A copy holding just these tables."""
        return Ledger(
            {t: Sheet(list(self.sheets[t].headers), [list(r) for r in self.sheets[t].rows]) for t in tables}
        )

    def emptied(self) -> "Ledger":
        """A copy with the same tables and headers but no rows."""
        return Ledger({t: Sheet(list(s.headers), []) for t, s in self.sheets.items()})

    # -- editing ------------------------------------------------------------------
    def get(self, table: str, row: int, column: str) -> str:
        sheet = self.sheets[table]
        return sheet.rows[row - 2][sheet.index(column)]

    def set(self, table: str, row: int, column: str, value: str) -> "Ledger":
        """Set one cell; ``row`` is numbered as a spreadsheet shows it (header = 1)."""
        sheet = self.sheets[table]
        sheet.rows[row - 2][sheet.index(column)] = value
        return self

    def row(self, table: str, row: int) -> dict:
        sheet = self.sheets[table]
        return dict(zip(sheet.headers, sheet.rows[row - 2], strict=True))

    def append(self, table: str, **values: str) -> int:
        """Add a row (unnamed columns blank); returns its spreadsheet row number."""
        sheet = self.sheets[table]
        unknown = set(values) - set(sheet.headers)
        assert not unknown, unknown
        sheet.rows.append([values.get(h, "") for h in sheet.headers])
        return len(sheet.rows) + 1

    def copy_row(self, table: str, row: int, **changes: str) -> int:
        """Append a copy of a row, with some cells changed; returns the new row number."""
        return self.append(table, **(self.row(table, row) | changes))

    def drop_column(self, table: str, column: str) -> "Ledger":
        sheet = self.sheets[table]
        i = sheet.index(column)
        sheet.headers.pop(i)
        for r in sheet.rows:
            r.pop(i)
        return self

    def add_column(self, table: str, column: str, value: str = "") -> "Ledger":
        sheet = self.sheets[table]
        sheet.headers.append(column)
        for r in sheet.rows:
            r.append(value)
        return self

    def find(self, table: str, **match: str) -> int:
        """The spreadsheet number of the first row whose cells equal ``match``."""
        sheet = self.sheets[table]
        for number, r in enumerate(sheet.rows, start=2):
            if all(r[sheet.index(c)] == v for c, v in match.items()):
                return number
        raise KeyError(match)

    # -- writing ------------------------------------------------------------------
    def write_csv(self, folder: Path, encoding: str = "utf-8", bom: bool = False, encodings=None) -> Path:
        """One ``<table>.csv`` per table; ``encodings`` may override the encoding per table."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, sheet in self.sheets.items():
            buffer = io.StringIO(newline="")
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(sheet.headers)
            writer.writerows(sheet.rows)
            data = buffer.getvalue().encode((encodings or {}).get(name, encoding))
            (folder / f"{name}.csv").write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
        return folder

    def write_xlsx(self, path: Path, typed: bool = True, cell=None) -> Path:
        """One sheet per table. ``typed``: date columns as Excel date cells, integers as
        numbers. ``cell(table, column, text)`` may return the value to write instead."""
        import openpyxl

        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for name, sheet in self.sheets.items():
            ws = workbook.create_sheet(name)
            ws.append(sheet.headers)
            for r in sheet.rows:
                values = []
                for column, text in zip(sheet.headers, r, strict=True):
                    value = text
                    if typed and text and column in DATE_COLUMNS:
                        value = dt.datetime.strptime(text, "%Y-%m-%d")
                    elif typed and text and column in INT_COLUMNS:
                        value = int(text)
                    if cell is not None:
                        value = cell(name, column, value)
                    values.append(value if value != "" else None)
                ws.append(values)
        path = Path(path)
        workbook.save(path)
        return path
