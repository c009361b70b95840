"""A chart's data as an XLSX workbook: a caption, a header row, the rows (openpyxl; pure).

Intake's statistics and review's panel progress export each chart's figures with it, so a
bureau can paste them into its own report. Unit names are typed by people outside: every text
cell stays text (``as_text``)."""

import io
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from fastapi import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from services.common.spreadsheet_text import as_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an XLSX route answers, for its OpenAPI entry.
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "XLSX", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
}


def chart_workbook(caption: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "数据"
    sheet.append([caption])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(list(header))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for i, name in enumerate(header, start=1):
        width = max([len(str(name)), *(len(str(r[i - 1])) for r in rows)]) * 2 + 2
        sheet.column_dimensions[sheet.cell(row=2, column=i).column_letter].width = min(width, 60)
    as_text(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(data: bytes, filename: str) -> Response:
    """The workbook as a download named ``filename`` (RFC 5987, for Chinese names)."""
    disposition = f"attachment; filename=\"chart.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": disposition})
