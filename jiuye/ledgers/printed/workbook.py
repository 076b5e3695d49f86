"""A ledger as a print-ready .xlsx workbook (for people, not for data transfer).

Title row (merged), subtitle (division, as-of date, print date, period and filters),
bold header row repeated on every printed page, frozen panes below it, borders,
column widths from the content, row heights that fit the wrapped text of each row,
Simplified Chinese fonts (``printsetup``), landscape A4 fitted to the page width, page
numbers in the footer. ID and phone numbers are masked unless revealed by a permitted user;
text cells starting with = + - @ get a leading ``'`` (never a formula). Each
workbook is one audit event (``ledger.print``) without any ID in its detail.
"""

import datetime as dt
import io
from copy import copy

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, PatternFill, Side
from openpyxl.utils import get_column_letter

from jiuye.audit.services import audit_event_record
from jiuye.divisions.models import Level
from jiuye.exchange.exporter import escape
from jiuye.ledgers.printed.definitions import Column, Ledger, LedgerQuery
from jiuye.ledgers.printed.rows import ledger_table
from jiuye.ledgers.printsetup import cjk_font, display_width, print_setup, row_height, text_lines

TITLE_ROW, SUBTITLE_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1
LEVEL_NAMES = {Level.CITY: "市", Level.DISTRICT: "区县", Level.STREET: "街道", Level.COMMUNITY: "社区"}
FILTER_NAMES = {"q": "姓名含", "status": "状态", "category": "类别"}
BODY_SIZE = 10
MAX_WIDTH = 40
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "id": "@", "phone": "@", "text": "@", "int": "0", "money": "#,##0.00"}

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")


def _text(value: str) -> str:
    """Safe text for a cell: no control characters, no formula."""
    return escape(ILLEGAL_CHARACTERS_RE.sub("", value))


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    return max((display_width(line) for line in str(value).split("\n")), default=0)


def _wraps(column: Column) -> bool:
    """Text columns wrap (a long name or address takes more lines, never a cut); codes, dates and
    numbers stay on one line in a column as wide as they are."""
    return column.wrap or column.kind == "text"


def _row_lines(row: list, widths: list[float], wrapping: list[int]) -> int:
    return max((text_lines(row[i], widths[i], BODY_SIZE) for i in wrapping if isinstance(row[i], str)), default=1)


def _widths(columns: list[Column], rows: list[list]) -> list[float]:
    widths = []
    for i, column in enumerate(columns):
        header = _display_width(column.zh) + 2
        content = max((_display_width(row[i]) for row in rows), default=0) + 2
        if column.wrap:
            width = max(header, min(content, column.width or 20))
        else:
            width = max(header, min(content, MAX_WIDTH), column.width or 0)
        widths.append(width)
    return widths


def _footer_text(value: str) -> str:
    return value.replace("&", "&&")


def _subtitle(ledger: Ledger, query: LedgerQuery, printed_on: dt.date) -> str:
    division = query.division
    parts = [
        f"{LEVEL_NAMES.get(division.level, '区划')}：{division.name}（{division.code}）",
        f"截至日期：{query.as_of.isoformat()}",
    ]
    if ledger.uses_period:
        start, end = query.period
        parts.append(f"统计期间：{start.isoformat()} 至 {end.isoformat()}")
    active = query.filters.active()
    described = [f"{FILTER_NAMES[k]}“{v}”" for k, v in active.items() if k in FILTER_NAMES]
    if "date_from" in active or "date_to" in active:
        span = f"{active.get('date_from', '')} 至 {active.get('date_to', '')}".strip()
        described.append(f"{ledger.date_range_zh or '日期'} {span}")
    if described:
        parts.append("筛选：" + "；".join(described))
    parts.append(f"打印日期：{printed_on.isoformat()}")
    return "　　".join(parts)


def _merged_line(sheet, row: int, last_col: int, text: str, *, font, width: float, horizontal: str = "left",
                 extra: float = 0.0) -> None:
    """One line of text across the whole table, as high as its wrapped text needs."""
    cell = sheet.cell(row=row, column=1, value=_text(text))
    cell.font = font
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
    if last_col > 1:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    sheet.row_dimensions[row].height = row_height(text_lines(text, width, font.size), font.size) + extra


def render_workbook(ledger: Ledger, query: LedgerQuery, columns: list[Column], rows: list[list],
                    printed_on: dt.date) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ledger.zh[:31]
    workbook.properties.title = ledger.zh
    workbook.properties.creator = "jiuye"
    n = len(columns)
    last = get_column_letter(n)
    widths = _widths(columns, rows)
    total = sum(widths)

    _merged_line(sheet, TITLE_ROW, n, ledger.zh, font=cjk_font(16, bold=True, heading=True), width=total,
                 horizontal="center", extra=6)
    _merged_line(sheet, SUBTITLE_ROW, n, _subtitle(ledger, query, printed_on), font=cjk_font(BODY_SIZE),
                 width=total, extra=4)

    header_font = cjk_font(BODY_SIZE, bold=True, heading=True)
    for i, column in enumerate(columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=i, value=column.zh)
        cell.font = header_font
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[HEADER_ROW].height = row_height(
        max(text_lines(c.zh, widths[i], BODY_SIZE) for i, c in enumerate(columns)), BODY_SIZE)

    body_font = cjk_font(BODY_SIZE)
    alignments = [
        Alignment(
            horizontal="center" if c.kind in ("date", "int", "id", "phone") else ("right" if c.kind == "money" else "left"),
            vertical="center",
            wrap_text=_wraps(c),
        )
        for c in columns
    ]
    wrapping = [i for i, c in enumerate(columns) if _wraps(c)]
    # Each column's style is set on one cell and copied (as its style indices) to the others:
    # setting fonts and borders cell by cell is what makes large workbooks slow.
    styles = []
    for i, column in enumerate(columns, start=1):
        template = sheet.cell(row=FIRST_DATA_ROW, column=i)
        template.font = body_font
        template.border = BORDER
        template.alignment = alignments[i - 1]
        template.number_format = NUMBER_FORMATS.get(column.kind, "General")
        styles.append(template._style)
    r = FIRST_DATA_ROW
    for row in rows:
        for i, value in enumerate(row, start=1):
            if isinstance(value, str):
                value = _text(value)
            cell = sheet.cell(row=r, column=i, value=value)
            cell._style = copy(styles[i - 1])
        sheet.row_dimensions[r].height = row_height(_row_lines(row, widths, wrapping), BODY_SIZE)
        r += 1
    if not rows:
        for i in range(1, n + 1):
            sheet.cell(row=r, column=i).border = BORDER
        _merged_line(sheet, r, n, "（无记录 / no records）", font=body_font, width=total, horizontal="center")
        r += 1

    r += 1
    if ledger.note_zh:
        _merged_line(sheet, r, n, f"{ledger.note_zh}\n{ledger.note_en}", font=cjk_font(9, italic=True), width=total)
        r += 1
    _merged_line(
        sheet, r, n, f"共 {len(rows)} 条。　　填表人：____________　　审核人：____________　　填表日期：____________",
        font=cjk_font(BODY_SIZE), width=total, extra=6,
    )

    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width

    print_setup(sheet, header_row=HEADER_ROW, footer_left=_footer_text(f"{query.division.name} {ledger.zh}"),
                footer_right=f"截至 {query.as_of.isoformat()}")
    sheet.print_area = f"A{TITLE_ROW}:{last}{r}"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_workbook(*, user, slug: str, division_code: str, as_of: dt.date, filters=None,
                    reveal_ids: bool = False) -> bytes:
    """The ledger as .xlsx bytes, ready to print; one ``ledger.print`` audit event.

    IDs and phone numbers are masked unless ``reveal_ids`` and the user may reveal them
    (``can_reveal_ids``). PermissionDenied when the division is outside the user's scope.
    """
    ledger, division, query, columns, rows, revealed = ledger_table(
        user=user, slug=slug, division_code=division_code, as_of=as_of, filters=filters, reveal_ids=reveal_ids
    )
    content = render_workbook(ledger, query, columns, rows, timezone.localdate())
    audit_event_record(
        user=user,
        action="ledger.print",
        target=slug,
        division_code=division.code,
        detail={"rows": len(rows), "revealed": revealed, "as_of": as_of.isoformat()},
    )
    return content
