"""The organisation tree (province > city > county > school), read from CSV or XLSX (pure).

Two layouts are understood, both with a header row:

1. explicit: ``code, name, level, parent`` (or 代码, 名称, 级别, 上级代码);
2. one row per school: ``省, 市, 县, 学校`` (or province, city, county, school), with an optional
   ``代码``/``code`` for the school. Units along each path are created once.

Codes are stable: a given code is kept; a missing one is derived from the unit's name path, so
importing the same sheet again gives the same codes (entries keep pointing at their unit)."""

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

LEVELS = ("province", "city", "county", "school")
LEVEL_NAMES_ZH = {"province": "省", "city": "市", "county": "县区", "school": "学校"}
_LEVEL_ALIASES = {
    **{level: level for level in LEVELS},
    "省": "province",
    "省级": "province",
    "市": "city",
    "州": "city",
    "市级": "city",
    "地市": "city",
    "县": "county",
    "区": "county",
    "县区": "county",
    "区县": "county",
    "县级": "county",
    "学校": "school",
    "单位": "school",
    "校": "school",
    "unit": "school",
}
_EXPLICIT = {
    "code": "code",
    "代码": "code",
    "单位代码": "code",
    "name": "name",
    "名称": "name",
    "单位名称": "name",
    "level": "level",
    "级别": "level",
    "层级": "level",
    "parent": "parent",
    "上级代码": "parent",
    "上级": "parent",
}
_PATH = {
    "province": "province",
    "省": "province",
    "city": "city",
    "市": "city",
    "市州": "city",
    "county": "county",
    "县": "county",
    "县区": "county",
    "区县": "county",
    "school": "school",
    "学校": "school",
    "单位": "school",
    "code": "code",
    "代码": "code",
    "学校代码": "code",
}
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str
    parent: str | None
    row: int = field(default=0, compare=False)  # where it came from, for messages


@dataclass
class Problem:
    row: int
    message_zh: str
    message_en: str


@dataclass
class Parsed:
    units: list[Unit] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def derived_code(names: Iterable[str]) -> str:
    """A stable code for a unit known only by its name path."""
    return "U" + hashlib.sha1("/".join(names).encode()).hexdigest()[:10].upper()


def read_rows(data: bytes, media_type: str) -> list[list[str]]:
    """The cells of a CSV (UTF-8, BOM allowed) or of an XLSX's first sheet, as strings."""
    if media_type == XLSX_TYPE or data[:2] == b"PK":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        return [
            ["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    text = data.decode("utf-8-sig")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]


def parse_tree(rows: list[list[str]]) -> Parsed:
    """The units of a sheet and what is wrong in its rows; ``check_tree`` then checks the tree."""
    rows = [r for r in rows if any(r)]
    if not rows:
        return Parsed(problems=[Problem(1, "文件为空", "the file is empty")])
    header = [c.strip().lower() for c in rows[0]]
    if {"code", "name", "level"} <= {_EXPLICIT.get(h) for h in header}:
        out = _explicit(header, rows[1:])
    elif {"province", "school"} <= {_PATH.get(h) for h in header} or "school" in {
        _PATH.get(h) for h in header
    }:
        out = _by_path(header, rows[1:])
    else:
        return Parsed(
            problems=[
                Problem(
                    1,
                    "无法识别表头：须为“代码,名称,级别,上级代码”或“省,市,县,学校”",
                    "unknown header: expected code,name,level,parent or province,city,county,school",
                )
            ]
        )
    return out


def _cells(header: list[str], row: list[str], names: dict[str, str]) -> dict[str, str]:
    return {names[h]: (row[i] if i < len(row) else "") for i, h in enumerate(header) if h in names}


def _explicit(header: list[str], rows: list[list[str]]) -> Parsed:
    out = Parsed()
    for n, row in enumerate(rows, start=2):
        cells = _cells(header, row, _EXPLICIT)
        level = _LEVEL_ALIASES.get(cells.get("level", "").lower())
        if not cells.get("code") or not cells.get("name"):
            out.problems.append(Problem(n, "代码和名称不能为空", "code and name are required"))
        elif level is None:
            out.problems.append(
                Problem(n, f"级别“{cells.get('level')}”无效：须为省、市、县区或学校", "unknown level")
            )
        else:
            out.units.append(Unit(cells["code"], cells["name"], level, cells.get("parent") or None, n))
    return out


def _by_path(header: list[str], rows: list[list[str]]) -> Parsed:
    out = Parsed()
    seen: dict[str, Unit] = {}
    for n, row in enumerate(rows, start=2):
        cells = _cells(header, row, _PATH)
        names = [(lvl, cells.get(lvl, "")) for lvl in LEVELS if cells.get(lvl)]
        if not names or names[-1][0] != "school":
            out.problems.append(Problem(n, "每行须填写学校（单位）名称", "each row needs a school"))
            continue
        parent: str | None = None
        path: list[str] = []
        for level, name in names:
            path.append(name)
            last = level == "school"
            code = (cells.get("code") if last else None) or derived_code(path)
            unit = Unit(code, name, level, parent, n)
            if code in seen and seen[code] != unit:
                out.problems.append(Problem(n, f"代码 {code} 重复", f"duplicate code {code}"))
            elif code not in seen:
                seen[code] = unit
                out.units.append(unit)
            parent = code
    return out


def check_tree(units: list[Unit], known: dict[str, Unit] | None = None) -> list[Problem]:
    """Each parent exists (in the file or already stored) and sits at a higher level."""
    known = known or {}
    by_code: dict[str, Unit] = {}
    problems = []
    for n, unit in enumerate(units, start=2):
        if unit.code in by_code and by_code[unit.code] != unit:
            problems.append(Problem(unit.row or n, f"代码 {unit.code} 重复", f"duplicate code {unit.code}"))
        by_code[unit.code] = unit
    for i, unit in enumerate(units, start=2):
        n = unit.row or i
        if unit.parent is None:
            continue
        parent = by_code.get(unit.parent) or known.get(unit.parent)
        if parent is None:
            problems.append(
                Problem(n, f"上级代码 {unit.parent} 不存在", f"parent {unit.parent} does not exist")
            )
        elif LEVELS.index(parent.level) >= LEVELS.index(unit.level):
            problems.append(
                Problem(
                    n,
                    f"{unit.name}（{LEVEL_NAMES_ZH[unit.level]}）不能隶属于{parent.name}（{LEVEL_NAMES_ZH[parent.level]}）",
                    f"{unit.code} ({unit.level}) cannot sit under {parent.code} ({parent.level})",
                )
            )
    return problems


def paths(units: dict[str, Unit]) -> dict[str, list[str]]:
    """Code -> the codes from the root down to the unit (cycles are cut)."""
    out: dict[str, list[str]] = {}
    for code in units:
        path: list[str] = []
        current: str | None = code
        while current is not None and current in units and current not in path:
            path.append(current)
            current = units[current].parent
        out[code] = path[::-1]
    return out
