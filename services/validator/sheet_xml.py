"""The first sheet of an XLSX as rows of cell text, read as a stream, whatever the sheet declares.

openpyxl pads rows and gaps to the sheet's declared ``<dimension ref="A1:XFD1048576">``, so a
1.5 KB file costs billions of empty cells. Here the XML is read with ``iterparse`` in pieces and each
row is dropped once yielded: only cells that exist are read, at most ``MAX_COLUMNS`` of them per row,
and a row past ``max_row`` that holds text ends the read with ``Unreadable``. What is read: shared
strings, inline strings, numbers (a whole number without ".0", as Excel shows it) and the cached text
of formulas. Dates stay Excel's serial numbers: a quiz has none that matter.
"""

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, iterparse

MAX_COLUMNS = 64
MAX_PART_BYTES = 100 * 1024 * 1024  # declared uncompressed size of the sheet and its shared strings
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


class Unreadable(Exception):
    """A sheet or text file that cannot be read, with the reason in words a teacher understands."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def _text(item: Element) -> str:
    """A string item's text: its own ``t`` or its runs' ``t``, never the phonetic guide (``rPh``)."""
    own = item.find(f"{_MAIN}t")
    if own is not None:
        return own.text or ""
    return "".join(t.text or "" for r in item.iter(f"{_MAIN}r") for t in r.iter(f"{_MAIN}t"))


def _open(archive: zipfile.ZipFile, name: str) -> IO[bytes]:
    if archive.getinfo(name).file_size > MAX_PART_BYTES:
        raise Unreadable("表格过大", "the workbook is too large")
    return archive.open(name)


def _first_sheet(archive: zipfile.ZipFile, names: set[str]) -> str:
    with _open(archive, "xl/workbook.xml") as f:
        sheet = next((e for _, e in iterparse(f) if e.tag == f"{_MAIN}sheet"), None)
    rid = sheet.get(_REL) if sheet is not None else None
    rels = "xl/_rels/workbook.xml.rels"
    if rid is not None and rels in names:
        with _open(archive, rels) as f:
            target = next(
                (e.get("Target") for _, e in iterparse(f) if e.tag == _PKG and e.get("Id") == rid), None
            )
        if target:
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return "xl/worksheets/sheet1.xml"


def _shared_strings(archive: zipfile.ZipFile, names: set[str]) -> list[str]:
    if "xl/sharedStrings.xml" not in names:
        return []
    strings: list[str] = []
    with _open(archive, "xl/sharedStrings.xml") as f:
        for _, e in iterparse(f):
            if e.tag == f"{_MAIN}si":
                strings.append(_text(e))
                e.clear()
    return strings


def _column(ref: str) -> int:
    """ "C12" -> 2 (zero-based); a reference past MAX_COLUMNS gives MAX_COLUMNS."""
    n = 0
    for ch in ref:
        if not ch.isalpha():
            break
        n = n * 26 + ord(ch.upper()) - 64
        if n > MAX_COLUMNS:
            return MAX_COLUMNS
    return n - 1


def _number(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else text


def _value(cell: Element, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        item = cell.find(f"{_MAIN}is")
        return _text(item).strip() if item is not None else ""
    raw = (cell.findtext(f"{_MAIN}v") or "").strip()
    if kind == "s":
        index = int(raw) if raw.isdigit() else -1
        return shared[index].strip() if 0 <= index < len(shared) else ""
    return _number(raw) if kind == "n" else raw


def xlsx_rows(path: Path, max_row: int) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) for each row of the first sheet that has cells, up to ``max_row``."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" not in names:
            raise Unreadable("这不是Excel表格（XLSX）", "it is not an Excel workbook (XLSX)")
        sheet = _first_sheet(archive, names)
        if sheet not in names:
            raise Unreadable("表格中没有工作表", "the workbook has no sheet")
        shared = _shared_strings(archive, names)
        number = 0
        with _open(archive, sheet) as f:
            events = iterparse(f, events=("start", "end"))
            holder: Element | None = None
            for event, e in events:
                if event == "start":
                    if e.tag == f"{_MAIN}sheetData":
                        holder = e
                    continue
                if e.tag != f"{_MAIN}row":
                    continue
                number = int(r) if (r := e.get("r", "")).isdigit() else number + 1
                cells: list[str] = []
                for cell in e.iter(f"{_MAIN}c"):
                    at = _column(cell.get("r", "")) if cell.get("r") else len(cells)
                    if at < MAX_COLUMNS:
                        cells += [""] * (at + 1 - len(cells))
                        cells[at] = _value(cell, shared)
                if holder is not None:
                    holder.clear()  # rows already yielded hold no memory
                if not any(cells):
                    continue
                if number > max_row:
                    raise Unreadable(
                        f"表格超过{max_row}行，请删除多余的行",
                        f"the sheet has more than {max_row} rows: delete the extra rows",
                    )
                yield number, cells
