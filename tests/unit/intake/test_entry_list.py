"""The 报名汇总表's columns per notice, and its cells as text (decision 0034), read back with openpyxl."""

from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from services.intake.entry_list import SYSTEM_COLUMNS, list_header, write_list
from services.intake.presets import load_preset

HUNAN = load_preset("hunan-smart-edu-2022")
SHANXI = load_preset("shanxi-xuexi-2019")


def test_hunans_list_has_its_tables_columns_with_one_sequence_column() -> None:
    assert list_header(HUNAN) == [
        "序号", "资源标题", "资源制作方", "拟上线版块", "拟上线栏目", "资源版权方", "资源格式",
        "资源内容简介", "备注", "填表单位", "联系人", "联系电话", *SYSTEM_COLUMNS,
    ]  # fmt: skip


def test_shanxis_list_names_the_series_and_the_authors_fields_and_has_no_groups() -> None:
    header = list_header(SHANXI)
    assert header[:7] == ["序号", "征集系列", "作品名称", "作者姓名", "职业", "工作单位", "联系电话"]
    assert "组别" not in header


def test_typed_formulas_stay_text_and_control_characters_are_dropped(tmp_path: Path) -> None:
    form = {"title": "=1+1", "producer": "@SUM(A1)", "summary": "简介\x01\x0b完", "seq": "7"}
    entry = {
        "_id": "S1",
        "form": form,
        "stage": "registered",
        "attribution": {
            "unit_code": "430602001",
            "unit_name": "岳阳楼区第一中学",
            "unit_path_names": ["湖南省"],
        },
        "created_at": datetime(2022, 7, 1, 2, 30, tzinfo=UTC),
    }
    out = tmp_path / "list.xlsx"
    write_list(out, HUNAN, "=caption", [entry])
    sheet = load_workbook(out).active
    assert sheet is not None
    header = [c.value for c in sheet[2]]
    row = {h: c for h, c in zip(header, sheet[3], strict=True)}
    assert (row["序号"].value, row["资源标题"].value, row["资源制作方"].value) == (1, "=1+1", "@SUM(A1)")
    assert {row["资源标题"].data_type, row["资源制作方"].data_type, sheet["A1"].data_type} == {"s"}
    assert row["资源内容简介"].value == "简介完"
    assert row["报名时间"].value == "2022-07-01 10:30"  # Beijing time
