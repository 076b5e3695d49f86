"""Page setup shared by every workbook meant to be printed: A4 landscape, fit to width,
header row repeated on each page, frozen below it, page numbers in the footer; and the
fonts and row heights that make a printed page readable.

Fonts are named for Simplified Chinese: Noto Serif CJK SC for the text (the Song style
of 宋体) and Noto Sans CJK SC for titles and headers (the Hei style of 黑体), the faces
of Debian's fonts-noto-cjk (CI installs it). Each font also carries the GB2312 character
set, so a program without these faces substitutes its own Simplified Chinese one (宋体 or
黑体 on Chinese Windows) instead of whatever CJK face it finds first (a Japanese one, on
a Linux desktop with 宋体 asked for by name).

Spreadsheet programs do not grow a row to fit wrapped text when they open a workbook,
so every row gets the height of its tallest cell: the lines its text needs at the
column's width (``text_lines``) times the height of a line of CJK text.
"""

import math
import unicodedata

TEXT_FONT = "Noto Serif CJK SC"
HEADING_FONT = "Noto Sans CJK SC"
GB2312 = 134  # the font's character set: Simplified Chinese
LINE_EM = 1.5  # a line of Noto CJK text is 1.448 em high (ascender 1.16, descender 0.288)
ROW_PADDING = 2.0  # points beside the lines of a cell's text
WRAP_SLACK = 0.9  # a line holds a little less than its width: breaks fall between words and numbers


def cjk_font(size: float, *, bold: bool = False, italic: bool = False, heading: bool = False):
    """A Simplified Chinese font (an openpyxl ``Font``): Song style for text, Hei style for titles and headers."""
    from openpyxl.styles import Font  # not at start-up (the workbooks import openpyxl)

    return Font(name=HEADING_FONT if heading else TEXT_FONT, size=size, bold=bold, italic=italic,
                charset=GB2312, family=2 if heading else 1)


def display_width(text: str) -> int:
    """Width in column units (a digit's width): CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def text_lines(value, width: float, size: float = 10.0) -> int:
    """How many lines ``value`` takes in a wrapping cell ``width`` column units wide (at ``size`` pt)."""
    if value is None:
        return 1
    text = str(value)
    if not text:
        return 1
    # A column unit is a digit of the 11 pt default font; text of ``size`` pt is that much wider.
    capacity = max(1.0, (width - 1.0) * WRAP_SLACK * 10.5 / size)
    return sum(max(1, math.ceil(display_width(part) / capacity)) for part in text.split("\n"))


def row_height(lines: int, size: float = 10.0) -> float:
    """The height in points of a row whose tallest cell has ``lines`` lines of ``size`` pt text."""
    return round(max(1, lines) * size * LINE_EM + ROW_PADDING, 1)


def print_setup(sheet, *, header_row: int, footer_left: str = "", footer_right: str = "") -> None:
    from openpyxl.worksheet.page import PageMargins  # not at start-up (the workbooks import openpyxl)

    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1).coordinate
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.7, header=0.3, footer=0.3)
    sheet.oddFooter.center.text = "第 &P 页 / 共 &N 页"
    sheet.oddFooter.center.size = 9
    sheet.oddFooter.center.font = f"{TEXT_FONT},Regular"
    for part, text in ((sheet.oddFooter.left, footer_left), (sheet.oddFooter.right, footer_right)):
        if text:
            part.text = text
            part.size = 9
            part.font = f"{TEXT_FONT},Regular"
