"""Reading a quiz spreadsheet (XLSX or CSV) into rows keyed by the notice's column names.

Bounded: at most ``MAX_ROWS`` questions; a CSV over ``MAX_CSV_BYTES`` is refused before it is read;
an XLSX is streamed by ``sheet_xml``, which ignores the sheet's declared dimension and stops at
``MAX_SHEET_ROWS``. The validator runs all this in a child with hard limits (``bounded_check``)."""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from services.validator.quiz_options import split_options
from services.validator.sheet_xml import Unreadable, xlsx_rows

MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 10
MAX_SHEET_ROWS = 2 * MAX_ROWS  # room for blank and note rows between questions
MAX_CSV_BYTES = 20 * 1024 * 1024
# Variants teachers write for the notice's column names.
ALIASES = {
    "题目": ["题目", "题目名称", "试题", "试题名称"],
    "题干": ["题干", "题目内容", "问题", "试题内容"],
    "选项": ["选项", "答案选项", "选项内容", "备选答案"],
    "标准答案": ["标准答案", "答案", "正确答案", "参考答案"],
    "出题单位": ["出题单位", "出题单位名称"],
    "推荐单位": ["推荐单位", "推荐单位名称"],
}
_OPTION_COLUMN = re.compile(r"^(?:选项)?([A-H])$")


@dataclass
class QuizRow:
    number: int  # the sheet's row number, as the teacher sees it
    values: dict[str, str]  # the notice's field -> cell text
    options: dict[str, str] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.values.get("题干") or self.values.get("题目") or ""

    @property
    def answer(self) -> str:
        return self.values.get("标准答案", "")


@dataclass
class QuizTable:
    rows: list[QuizRow]
    missing: list[str]  # required columns not found in the header


def _key(text: str) -> str:
    return re.sub(r"[\s*＊:：()（）]", "", unicodedata.normalize("NFKC", text))


def _columns(header: Sequence[str], fields: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    keys = [_key(h) for h in header]
    found: dict[str, int] = {}
    for name in fields:
        for alias in ALIASES.get(name, [name]):
            if _key(alias) in keys:
                found[name] = keys.index(_key(alias))
                break
    letters = {m.group(1): i for i, k in enumerate(keys) if (m := _OPTION_COLUMN.match(k.upper()))}
    return found, letters


def _build(lines: Iterable[tuple[int, list[str]]], fields: list[str]) -> QuizTable:
    top: list[tuple[int, list[str]]] = []
    it: Iterator[tuple[int, list[str]]] = iter(lines)
    for number, cells in it:
        top.append((number, cells))
        found, letters = _columns(cells, fields)
        if len(found) + (1 if letters and "选项" in fields else 0) >= max(1, (len(fields) + 1) // 2):
            break
        if len(top) >= HEADER_SEARCH_ROWS:
            return QuizTable(rows=[], missing=list(fields))
    else:
        return QuizTable(rows=[], missing=list(fields) if not top else [])
    missing = [f for f in fields if f not in found and not (f == "选项" and len(letters) >= 2)]
    rows: list[QuizRow] = []
    for number, cells in it:
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            break

        def get(i: int, cells: list[str] = cells) -> str:
            return cells[i] if i < len(cells) else ""  # short rows are common in CSV

        values = {name: get(i) for name, i in found.items()}
        options = (
            split_options(values.get("选项", ""))
            if "选项" in found
            else {letter: get(i) for letter, i in sorted(letters.items()) if get(i).strip()}
        )
        if "选项" not in found and letters:
            values["选项"] = " ".join(f"{k}.{v}" for k, v in options.items())
        rows.append(QuizRow(number, values, options))
    return QuizTable(rows=rows, missing=missing)


def _csv_lines(path: Path) -> Iterator[tuple[int, list[str]]]:
    if path.stat().st_size > MAX_CSV_BYTES:
        raise Unreadable("表格过大", "the sheet is too large")
    data = path.read_bytes()
    for codec in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Unreadable("无法识别表格的文字编码", "the sheet's text encoding is unknown")
    dialect = (
        "excel-tab" if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",") else "excel"
    )
    for number, row in enumerate(csv.reader(io.StringIO(text), dialect=dialect), start=1):
        yield number, [c.strip() for c in row]


def read_table(path: Path, fields: list[str]) -> QuizTable:
    with path.open("rb") as f:
        head = f.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable("这是旧版Excel（XLS）文件", "it is an old Excel (XLS) file")
    lines = xlsx_rows(path, MAX_SHEET_ROWS) if head.startswith(b"PK\x03\x04") else _csv_lines(path)
    return _build(lines, fields)
