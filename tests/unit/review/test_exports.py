"""The spreadsheets, read back with openpyxl: Hunan's recommendation form, award list, per-unit
statistics with the organising-unit order, and Ganzhou's 100 yuan per minute."""

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from services.common.recommendation_form import HUNAN_COLUMNS, recommendation_form
from services.review.exports import award_list, pay, remuneration, unit_statistics

T0 = datetime(2024, 11, 25, tzinfo=UTC)


def row(
    sid: str, score: str, unit: str, outcome: str, tier: str | None, rank: int, **extra: Any
) -> dict[str, Any]:
    return {
        "submission_id": sid,
        "title": f"作品{sid}",
        "group": "小学组",
        "category": "德育",
        "subcolumn": "党史学习",
        "summary": f"简介{sid}",
        "details": {},
        "unit_code": unit,
        "unit_name": f"学校{unit}",
        "author": None,
        "duration_s": None,
        "ready_at": T0 + timedelta(minutes=rank),
        "outcome": outcome,
        "tier": tier,
        "rank": rank,
        "score": score,
        "pool": "德育",
        **extra,
    }


def cells(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_hunan_recommendation_form_has_the_notices_nine_columns() -> None:
    rows = [
        row(
            "A",
            "91",
            "u1",
            "recommended",
            "一等奖",
            1,
            details={"producer": "岳阳市一中", "copyright_holder": "岳阳市一中", "format": "MP4",
                     "contact_name": "刘健华", "phone": "0730-8805708"},
            filler="岳阳市教育体育局",
        ),
        row("B", "85", "u2", "awarded", "二等奖", 2, filler="岳阳市教育体育局"),
        row("C", "80", "u2", "recommended", None, 3, filler="岳阳市教育体育局",
            details={"contact_name": "陈育军", "phone": "0730-8805709"}),
    ]  # fmt: skip
    table = cells(recommendation_form(rows))
    assert table[0][0] == "国家中小学智慧教育平台专题资源推荐表"
    assert table[1][0] == (
        "填表单位（盖章）：岳阳市教育体育局        联系人：刘健华、陈育军"
        "        联系电话：0730-8805708、0730-8805709"
    )
    assert (
        table[2]
        == HUNAN_COLUMNS
        == [
            "序号",
            "资源标题",
            "资源制作方",
            "拟上线版块",
            "拟上线栏目",
            "资源版权方",
            "资源格式",
            "资源内容简介",
            "备注",
        ]
    )
    assert table[3] == [1, "作品A", "岳阳市一中", "德育", "党史学习", "岳阳市一中", "MP4", "简介A", "一等奖"]
    assert [r[1] for r in table[3:]] == ["作品A", "作品C"]  # only what goes up


def test_one_recommendation_form_per_filling_unit() -> None:
    """推荐表每个报送单位一张: a sheet per 填表单位, each with its own header and numbering."""
    rows = [
        row("A", "91", "u1", "recommended", None, 1, filler="岳阳县教育局", details={"contact_name": "甲"}),
        row("B", "85", "u2", "recommended", None, 2, filler="平江县教育局", details={"contact_name": "乙"}),
    ]
    book = load_workbook(io.BytesIO(recommendation_form(rows)))
    assert book.sheetnames == ["岳阳县教育局", "平江县教育局"]
    for name, title, contact in (("岳阳县教育局", "作品A", "甲"), ("平江县教育局", "作品B", "乙")):
        sheet = [list(r) for r in book[name].iter_rows(values_only=True)]
        assert sheet[1][0].startswith(f"填表单位（盖章）：{name}        联系人：{contact}")
        assert [r[:2] for r in sheet[3:]] == [[1, title]]


def test_award_list_in_pool_and_rank_order() -> None:
    rows = [row("B", "85", "u2", "awarded", "二等奖", 2), row("A", "91", "u1", "awarded", "一等奖", 1)]
    table = cells(award_list("评审结果", rows))
    assert table[1][:4] == ["序号", "评审分组", "名次", "作品名称"]
    assert [(r[3], r[9], r[10]) for r in table[2:]] == [("作品A", "一等奖", 91), ("作品B", "二等奖", 85)]


def test_unit_statistics_rank_organising_units_by_awards() -> None:
    rows = [
        row("A", "91", "u1", "awarded", "一等奖", 1),
        row("B", "85", "u2", "awarded", "二等奖", 2),
        row("C", "84", "u2", "awarded", "二等奖", 3),
        row("D", "60", "u3", "not_recommended", None, 4),
    ]
    table = cells(unit_statistics("单位统计", rows, ["一等奖", "二等奖"]))
    assert table[1] == [
        "单位编码",
        "单位名称",
        "参评作品数",
        "推荐上一级",
        "获奖作品数",
        "一等奖",
        "二等奖",
        "平均分",
        "优秀组织单位排序",
    ]
    # u2 has two awards, u1 one (a first prize), u3 none
    assert [(r[0], r[4], r[7], r[8]) for r in table[2:]] == [
        ("u2", 2, 84.5, 1),
        ("u1", 1, 91, 2),
        ("u3", 0, 60, "—"),
    ]


def test_ganzhou_pays_100_yuan_a_minute_pro_rata_to_the_second() -> None:
    assert pay(330.0, 100) == Decimal("550.00")  # 5 min 30 s
    assert pay(299.5, 100) == Decimal("499.17")  # 4.991666... min, half-up to the fen
    assert pay(None, 100) == Decimal(0)
    rows = [
        row("A", "95", "u1", "awarded", "优秀等次", 1, duration_s=330.0),
        row("B", "93", "u2", "awarded", "优秀等次", 2, duration_s=None),
        row("C", "70", "u2", "not_recommended", None, 3, duration_s=600.0),
    ]
    table = cells(remuneration("课件奖补", rows, 100))
    assert table[2] == [1, "作品A", "学校u1", "优秀等次", "5:30", 5.5, 100, 550, None]
    assert table[3][-1] == "时长未知，请核实" and table[3][-2] == 0
    assert table[-1][0] == "合计" and table[-1][7] == 550


HOSTILE = {
    "title": '=HYPERLINK("http://evil","x")',
    "unit_name": "+1+cmd|' /C calc'!A0",
    "author": "@SUM(1+1)",
    "summary": "-2+3",
    "group": "\t=1+1",
    "category": "\r=1+1",
}


def test_entrant_text_that_looks_like_a_formula_is_written_as_text_in_every_export() -> None:
    """A title such as =HYPERLINK(...) is shown as the entrant typed it, never run as a formula."""
    rows = [
        row("A", "91", "u1", "recommended", "一等奖", 1, duration_s=60.0, **HOSTILE),
        row("B", "88", "u2", "awarded", "二等奖", 2, duration_s=None, **HOSTILE),
    ]
    made = {
        "award_list": award_list("结果", rows),
        "recommendation_form": recommendation_form([{**r, "filler": "=1+1"} for r in rows]),
        "unit_statistics": unit_statistics("统计", rows, ["一等奖", "二等奖"]),
        "remuneration": remuneration("奖补", rows, 100.0),
    }
    for name, data in made.items():
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet is not None
        written = [c for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
        assert all(c.data_type == "s" for c in written), (
            name,
            [c.value for c in written if c.data_type != "s"],
        )
        # Kept as typed: no quote prepended, nothing dropped.
        values = {c.value for c in written}
        if name != "unit_statistics":
            assert HOSTILE["title"] in values, name
        if name != "recommendation_form":
            assert HOSTILE["unit_name"] in values, name


def test_a_filler_typed_with_characters_a_sheet_name_refuses_still_gives_its_own_sheet() -> None:
    # 填表单位 comes from an entrant's form: "/", ":", "[" ... are refused in a sheet's name.
    rows = [
        row("A", "91", "u1", "recommended", "一等奖", 1, filler="岳阳市/教育局:[直属]"),
        row("B", "85", "u2", "recommended", "二等奖", 2, filler="长沙市教育局"),
    ]
    book = load_workbook(io.BytesIO(recommendation_form(rows)))
    assert book.sheetnames == ["岳阳市_教育局__直属_", "长沙市教育局"]
    assert book["岳阳市_教育局__直属_"]["A2"].value.startswith("填表单位（盖章）：岳阳市/教育局:[直属]")
