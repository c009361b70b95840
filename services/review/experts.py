"""Reading an expert pool (评审专家库) from CSV or XLSX (pure).

One row per expert. Headers may be Chinese or English:

| column | required | meaning |
|---|---|---|
| 姓名 / name | yes | |
| 单位编码 / unit_code | yes | the expert's own unit: never reviews its entries |
| 单位名称 / unit_name | no | shown to the chair only |
| 职称 / title | no | e.g. 副高 |
| 专长 / specialties | no | 、 , ; separated; matched against entries' categories |
| 县区编码 / county_code | no | needed where the campaign excludes the expert's own county |
| 评审范围 / scope | no | a unit code: reviews only that unit's entries (a county's own panel) |
| 组别 / groups | no | reviews only these groups (e.g. 小学组) |
| 角色 / role | no | 评审 (reviewer, default) or 组长 (chair: manages the round, and reviews) |
| 回避 / conflicts | no | declared conflicts: unit codes or submission ids |

Excel in China saves CSV as GB18030 unless told otherwise, so a CSV that is not UTF-8 is read as
GB18030. A file with any bad row is refused whole, with every problem listed by row number, so a
half-imported pool never exists."""

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field

from openpyxl import load_workbook

COLUMNS: dict[str, str] = {
    "姓名": "name",
    "单位编码": "unit_code",
    "单位名称": "unit_name",
    "职称": "title",
    "专长": "specialties",
    "县区编码": "county_code",
    "评审范围": "scope",
    "组别": "groups",
    "角色": "role",
    "回避": "conflicts",
}
ROLES = {"评审": "reviewer", "reviewer": "reviewer", "组长": "chair", "chair": "chair"}
XLSX_MAGIC = b"PK\x03\x04"
_SPLIT = re.compile(r"[、,，;；\s]+")


class ExpertFileError(ValueError):
    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems  # (row number as the user sees it, zh, en)
        self.zh = "；".join(f"第{row}行：{zh}" if row else zh for row, zh, _ in problems)
        self.en = "; ".join(f"row {row}: {en}" if row else en for row, _, en in problems)
        super().__init__(f"{self.zh} / {self.en}")


@dataclass(frozen=True)
class ExpertRow:
    name: str
    unit_code: str
    unit_name: str = ""
    title: str = ""
    specialties: tuple[str, ...] = ()
    county_code: str = ""
    scope: str = ""
    groups: tuple[str, ...] = ()
    role: str = "reviewer"
    conflicts: tuple[str, ...] = field(default=())

    def reviewer_id(self, campaign_id: str, level: str) -> str:
        """Stable across re-imports of the same person for the same level (an update, not a duplicate)."""
        raw = f"{campaign_id}|{level}|{self.name}|{self.unit_code}".encode()
        return "R" + hashlib.sha256(raw).hexdigest()[:10].upper()


def _rows_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="strict")
    return [row for row in csv.reader(io.StringIO(text))]


def _rows_from_xlsx(data: bytes) -> list[list[str]]:
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        return [
            ["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        book.close()


def read_rows(data: bytes) -> list[list[str]]:
    """Cells of the file's first sheet (XLSX) or of the CSV, decoded."""
    try:
        return _rows_from_xlsx(data) if data.startswith(XLSX_MAGIC) else _rows_from_csv(data)
    except (UnicodeDecodeError, csv.Error, zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise ExpertFileError(
            [
                (
                    0,
                    "无法读取文件：请上传 CSV（UTF-8 或 GBK）或 XLSX",
                    f"cannot read the file as CSV or XLSX: {exc}",
                )
            ]
        ) from exc


def parse_experts(data: bytes) -> list[ExpertRow]:
    rows = [r for r in read_rows(data) if any(c.strip() for c in r)]
    if not rows:
        raise ExpertFileError([(0, "文件为空", "the file is empty")])
    header = [h.strip() for h in rows[0]]
    keys = [COLUMNS.get(h, h if h in COLUMNS.values() else "") for h in header]
    missing = [zh for zh, en in COLUMNS.items() if en in ("name", "unit_code") and en not in keys]
    if missing:
        raise ExpertFileError(
            [(1, f"缺少必填列：{'、'.join(missing)}", f"missing required columns: {missing}")]
        )
    problems: list[tuple[int, str, str]] = []
    experts: list[ExpertRow] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        cells = {k: (raw[i].strip() if i < len(raw) else "") for i, k in enumerate(keys) if k}
        name, unit = cells.get("name", ""), cells.get("unit_code", "")
        if not name or not unit:
            problems.append((number, "姓名和单位编码不能为空", "name and unit_code are required"))
            continue
        role = ROLES.get(cells.get("role", "") or "评审")
        if role is None:
            problems.append(
                (number, f"角色须为“评审”或“组长”，收到“{cells['role']}”", "role must be 评审 or 组长")
            )
            continue
        if (name, unit) in seen:
            problems.append(
                (
                    number,
                    f"与第{seen[(name, unit)]}行重复（同名同单位）",
                    f"duplicates row {seen[(name, unit)]}",
                )
            )
            continue
        seen[(name, unit)] = number
        experts.append(
            ExpertRow(
                name=name,
                unit_code=unit,
                unit_name=cells.get("unit_name", ""),
                title=cells.get("title", ""),
                specialties=_split(cells.get("specialties", "")),
                county_code=cells.get("county_code", ""),
                scope=cells.get("scope", ""),
                groups=_split(cells.get("groups", "")),
                role=role,
                conflicts=_split(cells.get("conflicts", "")),
            )
        )
    if problems:
        raise ExpertFileError(problems)
    if not experts:
        raise ExpertFileError([(0, "文件中没有专家", "the file lists no experts")])
    return experts


def _split(value: str) -> tuple[str, ...]:
    return tuple(p for p in _SPLIT.split(value) if p)
