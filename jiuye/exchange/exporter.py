"""``ledger_export``: the register (or one division) in the exchange format.

CSV folder in UTF-8 with a BOM, or one .xlsx workbook with a sheet per table;
columns in the order of exchange.md, rows sorted by key, 人员类别 joined with ``;``,
实际值 blank on computed indicators. Text cells starting with = + - @ are written
with a leading ``'`` so that no spreadsheet runs them. ID and phone numbers are
carried in full: this is a transfer between deployments, audited as one event —
unless ``reveal`` is false (a user without ``registry.view_full_id``, in the browser):
then they are masked as on every page, and the file cannot be imported back.
"""

import csv
import datetime as dt
from pathlib import Path

from jiuye.audit.services import audit_event_record
from jiuye.divisions.models import Division, Level
from jiuye.registry import models as m
from jiuye.registry.rules.idnumber import mask, mask_phone
from jiuye.registry.rules.mapping import BOOL_TO_YES_NO, PLAIN_FIELDS
from jiuye.registry.rules.schema import COMPUTED_INDICATORS, TABLES

FORMULA_START = ("=", "+", "-", "@")
TEXT_KINDS = {"text", "enum", "multi", "community_code", "id_number"}


def escape(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def sheet_value(value):
    """A value for an openpyxl cell: text loses the control characters a workbook cannot hold and
    never starts a formula (= + - @ get a leading '); other values are left as they are."""
    if not isinstance(value, str):
        return value
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return escape(ILLEGAL_CHARACTERS_RE.sub("", value))


def _rows(table: str, prefix: str) -> list[list]:
    """The table's rows as exchange values, in column order, sorted by key."""
    if table == "社区":
        communities = Division.objects.filter(level=Level.COMMUNITY, code__startswith=prefix).select_related("parent")
        return sorted([c.code, c.name, c.parent.name if c.parent else ""] for c in communities)
    plain = PLAIN_FIELDS[table]
    ref_col, ref_lookup, model = {
        "家庭": ("社区代码", "community__code", m.Household),
        "人员": ("身份证号", "id_number", m.Person),
        "就业状态": ("身份证号", "person__id_number", m.StatusEpisode),
        "失业登记": ("身份证号", "person__id_number", m.UnemploymentRegistration),
        "低保": ("家庭编号", "household__code", m.DibaoEpisode),
        "服务记录": ("身份证号", "person__id_number", m.ServiceRecord),
        "投诉": ("社区代码", "community__code", m.Complaint),
        "目标任务": ("社区代码", "community__code", m.Target),
        "组织建设": ("社区代码", "community__code", m.OrganizationRecord),
    }[table]
    extra = {"家庭": [("家庭编号", "code")], "人员": [("家庭编号", "household__code")]}.get(table, [])
    mapping = dict([(ref_col, ref_lookup), *extra, *plain])
    columns = next(t for t in TABLES if t.name == table).column_names
    queryset = model.objects.all().in_division(prefix) if prefix else model.objects.all()
    result = []
    for values in queryset.values_list(*[mapping[c] for c in columns]).iterator(chunk_size=5000):
        row = []
        for column, value in zip(columns, values, strict=True):
            if isinstance(value, bool) or (value is None and column in {"是否有效", "服务站", "人员经费", "工作经费", "固定场所", "办公服务设施"}):
                value = BOOL_TO_YES_NO[value]
            row.append(value)
        if table == "目标任务" and row[2] in COMPUTED_INDICATORS:
            row[4] = None
        result.append(row)
    key = next(t for t in TABLES if t.name == table).key
    if key is None:
        result.sort(key=lambda r: tuple(_sort_value(v) for v in r))
    else:
        positions = [columns.index(k) for k in key]
        result.sort(key=lambda r: tuple(_sort_value(r[i]) for i in positions))
    return result


def _masked(table, rows: list[list]) -> list[list]:
    """ID numbers and the phone column masked (``reveal`` false)."""
    masks = [mask if c.kind == "id_number" else mask_phone if c.name == "联系电话" else None for c in table.columns]
    return [[f(v) if f and v else v for f, v in zip(masks, row, strict=True)] for row in rows]


def _table_rows(table, prefix: str, reveal: bool) -> list[list]:
    rows = _rows(table.name, prefix)
    return rows if reveal else _masked(table, rows)


def _sort_value(value):
    if value is None:
        return (0, "")
    if isinstance(value, dt.date):
        return (1, value.isoformat())
    if isinstance(value, int):
        return (1, f"{value:012d}")
    return (1, str(value))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return escape(str(value))


def ledger_export(*, path: Path, prefix: str = "", user=None, reveal: bool = True, progress=None) -> dict:
    """Write the register under ``prefix`` to ``path`` (a folder, or a file ending .xlsx).

    ``progress(message, done=None, total=None)`` hears of each table (done/total: tables).
    """
    path = Path(path)
    progress = progress or (lambda message, done=None, total=None: None)
    counts = {}
    if path.suffix.lower() == ".xlsx":
        counts = _write_xlsx(path, prefix, reveal, progress)
    else:
        path.mkdir(parents=True, exist_ok=True)
        for i, table in enumerate(TABLES):
            progress(table.name, done=i, total=len(TABLES))
            rows = _table_rows(table, prefix, reveal)
            with (path / f"{table.name}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\r\n")
                writer.writerow(table.column_names)
                writer.writerows([_text(v) for v in row] for row in rows)
            counts[table.name] = len(rows)
    audit_event_record(
        user=user, action="ledger.export", target=path.name, division_code=prefix,
        detail={"counts": counts, **({} if reveal else {"masked": True})},
    )
    progress("导出完成 / exported", done=len(TABLES), total=len(TABLES))
    return counts


def _write_xlsx(path: Path, prefix: str, reveal: bool, progress) -> dict:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    counts = {}
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for i, table in enumerate(TABLES):
        progress(table.name, done=i, total=len(TABLES))
        sheet = workbook.create_sheet(table.name)
        sheet.append(list(table.column_names))
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center")
        rows = _table_rows(table, prefix, reveal)
        widths = [max(6, len(c) * 2 + 2) for c in table.column_names]
        for row in rows:
            out = []
            for i, (column, value) in enumerate(zip(table.columns, row, strict=True)):
                if value is None:
                    out.append(None)
                elif column.kind == "date":
                    out.append(value)
                elif column.kind in TEXT_KINDS:
                    text = sheet_value(";".join(value) if isinstance(value, tuple) else str(value))
                    out.append(text)
                    widths[i] = min(40, max(widths[i], len(text) + 2))
                else:
                    out.append(value)
            sheet.append(out)
        for i, column in enumerate(table.columns, start=1):
            letter = get_column_letter(i)
            sheet.column_dimensions[letter].width = max(widths[i - 1], 12 if column.kind == "date" else 0)
            if column.kind == "date":
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = "yyyy-mm-dd"
            elif column.kind in TEXT_KINDS:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = "@"
        sheet.freeze_panes = "A2"
        counts[table.name] = len(rows)
    workbook.save(path)
    return counts
