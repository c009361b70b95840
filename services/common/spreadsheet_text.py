"""Text cells that stay text in a spreadsheet program (openpyxl workbooks).

openpyxl stores a str beginning with ``=`` as a formula, and a spreadsheet program takes one
beginning with ``= + - @`` (or a tab or carriage return before one) for a live formula
(``=HYPERLINK(...)``, DDE). Titles, names and file names are typed by people outside, so every
such cell is marked a plain string; the text is kept as typed, no quote prepended: an XLSX
string cell is never evaluated. The review exports and the folder self-check report use it."""

from openpyxl import Workbook

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
