"""A sheet as a bureau files or prints it (openpyxl): a caption across the top, bold column
headers, set widths; and the one way such a book becomes bytes, every text cell marked text first
(``as_text``). Review's exports and intake's 推荐表 are written with these."""

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from services.common.spreadsheet_text import as_text


def sheet_title(text: str) -> str:
    """A sheet may be named by an entrant's text (their 填表单位): without the characters Excel
    refuses in a sheet name (openpyxl raises on them), at most 31 characters."""
    return re.sub(r"[\\/*?:\[\]]", "_", text)[:31]


def captioned_sheet(
    title: str, caption: str, header: list[str], widths: list[int], book: Workbook | None = None
) -> tuple[Workbook, Worksheet]:
    """A sheet with its caption and column headers: the first of a new book, or another of ``book``."""
    if book is None:
        book = Workbook()
        sheet = book.active
    else:
        sheet = book.create_sheet()
    assert sheet is not None
    sheet.title = title
    sheet.append([caption])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=2, column=i).column_letter].width = width
    return book, sheet


def xlsx_bytes(book: Workbook) -> bytes:
    """Every such book ends here, so none can skip ``as_text``."""
    as_text(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
