"""Page setup shared by every workbook meant to be printed: A4 landscape, fit to width,
header row repeated on each page, frozen below it, page numbers in the footer."""


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
    for part, text in ((sheet.oddFooter.left, footer_left), (sheet.oddFooter.right, footer_right)):
        if text:
            part.text = text
            part.size = 9
