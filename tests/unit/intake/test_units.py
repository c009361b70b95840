"""Reading the organisation tree from CSV and XLSX: layouts, stable codes, and what is refused."""

import io

from openpyxl import Workbook

from services.intake.units import XLSX_TYPE, Unit, check_tree, derived_code, parse_tree, paths, read_rows

EXPLICIT = """代码,名称,级别,上级代码
22,吉林省,省,
2224,延边朝鲜族自治州,州,22
222401,延吉市,县区,2224
222401001,延吉市第一小学,学校,222401
"""
BY_PATH = """省,市,县,学校
湖南省,岳阳市,平江县,平江县第一中学
湖南省,岳阳市,平江县,平江县实验小学
湖南省,岳阳市,岳阳县,岳阳县第一中学
"""


def parse(text: str) -> list[Unit]:
    parsed = parse_tree(read_rows(text.encode("utf-8-sig"), "text/csv"))
    assert parsed.problems == []
    return parsed.units


def test_the_explicit_layout_keeps_codes_and_reads_chinese_levels() -> None:
    units = parse(EXPLICIT)
    assert [(u.code, u.level, u.parent) for u in units] == [
        ("22", "province", None),
        ("2224", "city", "22"),
        ("222401", "county", "2224"),
        ("222401001", "school", "222401"),
    ]
    assert paths({u.code: u for u in units})["222401001"] == ["22", "2224", "222401", "222401001"]


def test_one_row_per_school_creates_each_unit_once_with_stable_codes() -> None:
    units = parse(BY_PATH)
    assert [u.name for u in units] == [
        "湖南省",
        "岳阳市",
        "平江县",
        "平江县第一中学",
        "平江县实验小学",
        "岳阳县",
        "岳阳县第一中学",
    ]
    assert parse(BY_PATH) == units, "the same sheet gives the same codes"
    county = next(u for u in units if u.name == "平江县")
    assert county.code == derived_code(["湖南省", "岳阳市", "平江县"])
    assert all(u.parent == county.code for u in units if u.name.startswith("平江县") and u.level == "school")


def test_a_school_code_given_in_the_sheet_is_kept() -> None:
    units = parse("省,市,县,学校,代码\n湖南省,岳阳市,平江县,平江县第一中学,430626001\n")
    assert units[-1].code == "430626001"


def test_an_xlsx_sheet_reads_like_the_csv() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [line.split(",") for line in EXPLICIT.strip().splitlines()]:
        sheet.append([int(c) if c.isdigit() else (c or None) for c in row])
    data = io.BytesIO()
    book.save(data)
    parsed = parse_tree(read_rows(data.getvalue(), XLSX_TYPE))
    assert parsed.problems == []
    assert [u.code for u in parsed.units] == ["22", "2224", "222401", "222401001"]


def test_each_bad_row_is_named_with_its_row_number() -> None:
    text = (
        "code,name,level,parent\n22,吉林省,province,\nX1,某校,school,99\nX2,某县,planet,22\n"
        ",无代码,school,22\n"
    )
    parsed = parse_tree(read_rows(text.encode(), "text/csv"))
    rows = {p.row: p.message_zh for p in [*parsed.problems, *check_tree(parsed.units)]}
    assert "级别" in rows[4] and "代码和名称不能为空" in rows[5]
    assert "上级代码 99 不存在" in " ".join(rows.values())


def test_a_unit_cannot_sit_under_a_lower_level() -> None:
    units = [Unit("1", "某校", "school", None), Unit("2", "某县", "county", "1")]
    (problem,) = check_tree(units)
    assert "不能隶属于" in problem.message_zh and problem.row == 3


def test_an_unknown_header_or_an_empty_file_is_refused() -> None:
    assert "表头" in parse_tree([["名字", "电话"]]).problems[0].message_zh
    assert parse_tree([]).problems[0].message_zh == "文件为空"
