"""Expert pools from CSV (UTF-8 or Excel's GB18030) and XLSX: columns, roles, refusals by row."""

import io

import pytest
from openpyxl import Workbook

from services.review.experts import ExpertFileError, parse_experts

CSV = """姓名,单位编码,单位名称,职称,专长,县区编码,评审范围,组别,角色,回避
金老师,222400001,延边州电化教育馆,正高级教师,革命遗址、英雄故事,,,,组长,
朴老师,222401900,延吉市教师进修学校,高级教师,历史文物;英雄故事,222401,222401,小学组 中学组,评审,222401001
"""


def test_csv_with_every_column() -> None:
    chair, reviewer = parse_experts(CSV.encode())
    assert (chair.name, chair.unit_code, chair.role, chair.specialties) == (
        "金老师",
        "222400001",
        "chair",
        ("革命遗址", "英雄故事"),
    )
    assert reviewer.role == "reviewer" and reviewer.specialties == ("历史文物", "英雄故事")
    assert (reviewer.county_code, reviewer.scope, reviewer.groups) == (
        "222401",
        "222401",
        ("小学组", "中学组"),
    )
    assert reviewer.conflicts == ("222401001",)


def test_excel_csv_in_gb18030_and_english_headers() -> None:
    text = "name,unit_code,title\n王老师,222402900,副高\n"
    (only,) = parse_experts(text.encode("gb18030"))
    assert (only.name, only.title) == ("王老师", "副高")


def test_xlsx_first_sheet() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "单位编码", "专长"])
    sheet.append(["赵老师", 430626001, "党建，影视"])  # a code typed as a number in Excel
    sheet.append([None, None, None])
    out = io.BytesIO()
    book.save(out)
    (only,) = parse_experts(out.getvalue())
    assert (only.name, only.unit_code, only.specialties) == ("赵老师", "430626001", ("党建", "影视"))


def test_every_bad_row_is_named_and_nothing_is_taken() -> None:
    text = "姓名,单位编码,角色\n甲,100,评审\n,200,评审\n乙,300,主任\n甲,100,评审\n"
    with pytest.raises(ExpertFileError) as info:
        parse_experts(text.encode())
    rows = [row for row, _, _ in info.value.problems]
    assert rows == [3, 4, 5]
    assert "第4行" in info.value.zh and "组长" in info.value.zh and "与第2行重复" in info.value.zh


def test_missing_required_columns_and_unreadable_files() -> None:
    with pytest.raises(ExpertFileError, match="单位编码"):
        parse_experts("姓名,职称\n甲,高级\n".encode())
    with pytest.raises(ExpertFileError, match="文件为空"):
        parse_experts(b"")
    with pytest.raises(ExpertFileError, match="无法读取"):
        parse_experts(b"PK\x03\x04 not really a workbook")


def test_reviewer_ids_are_stable_per_person_and_level() -> None:
    (row,) = parse_experts("姓名,单位编码\n甲,100\n".encode())
    assert row.reviewer_id("c", "county") == row.reviewer_id("c", "county")
    assert row.reviewer_id("c", "county") != row.reviewer_id("c", "city")
