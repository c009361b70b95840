"""A chart's data as an XLSX workbook: a caption, a header row, the rows (openpyxl; pure).

Intake's statistics and review's panel progress export each chart's figures with it, so a
bureau can paste them into its own report. The sheet is a bureau sheet (``bureau_sheet``: caption,
bold headers, widths) and becomes bytes the one way, so every text cell stays text (``as_text``):
unit names are typed by people outside."""

from collections.abc import Sequence
from typing import Any

from fastapi import Response

from services.common.bureau_sheet import captioned_sheet, xlsx_bytes
from services.common.downloads import attachment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What an XLSX route answers, for its OpenAPI entry.
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "XLSX", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
}


def chart_workbook(caption: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    # Each column as wide as its longest cell, doubled (a Chinese character takes two), at most 60.
    longest = [max([len(str(name)), *(len(str(r[i])) for r in rows)]) for i, name in enumerate(header)]
    widths = [min(n * 2 + 2, 60) for n in longest]
    book, sheet = captioned_sheet("数据", caption, list(header), widths)
    for row in rows:
        sheet.append(list(row))
    return xlsx_bytes(book)


def xlsx_response(data: bytes, filename: str) -> Response:
    """The workbook as a download named ``filename``."""
    return Response(data, media_type=XLSX, headers=attachment(filename, "chart.xlsx"))
