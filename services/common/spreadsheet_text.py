"""Text cells that stay text in a spreadsheet program (openpyxl workbooks).

openpyxl stores a str beginning with ``=`` as a formula, and a spreadsheet program takes one
beginning with ``= + - @`` (or a tab or carriage return before one) for a live formula
(``=HYPERLINK(...)``, DDE). Titles, names and file names are typed by people outside, so every
such cell is marked a plain string; the text is kept as typed, no quote prepended: an XLSX
string cell is never evaluated. The review exports and the folder self-check report use it; a
write-only sheet (streamed rows, which cannot be walked afterwards) takes its rows through
``text_row`` instead (intake's 报名汇总表)."""

from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(book: Workbook) -> None:
    """Mark every cell that a spreadsheet program could take for a formula as a plain string
    (callers write no formulas of their own, so every such cell is someone's text)."""
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str) and (
                    cell.data_type == "f" or cell.value.startswith(FORMULA_STARTS)
                ):
                    cell.data_type = "s"


def text_row(sheet: WriteOnlyWorksheet, values: Iterable[object]) -> list[object]:
    """A row for a write-only sheet, each str a cell marked as a plain string, as ``as_text`` marks
    one. Control characters an XLSX cannot hold (openpyxl raises on them) are dropped: someone's
    form value must not stop a whole list from being written."""
    row: list[object] = []
    for value in values:
        if not isinstance(value, str):
            row.append(value)
            continue
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        row.append(cell)
    return row
