"""Intake's 推荐表 rows: a level's latest outcome counts (an appeal may change it), the phone and
contact come from the form, and the 填表单位 is the form's, else the recommending unit's."""

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from services.common.errors import ServiceError
from services.common.recommendation_form import recommendation_form
from services.intake.presets import load_preset
from services.intake.recommended_list import final_outcome, level_named, recommendation_row

HUNAN = load_preset("hunan-smart-edu-2022")
CITY = level_named(HUNAN, "city")
T0 = datetime(2022, 7, 10, tzinfo=UTC)
PATH = ["43", "4306", "430602", "430602001"]


def reviewed(level: str, outcome: str, minutes: int, tier: str | None = None) -> dict[str, Any]:
    at = T0 + timedelta(minutes=minutes)
    step = {"event_type": "submission.reviewed", "level": level, "outcome": outcome, "award_tier": tier}
    return step | {"rank": 1, "at": at}


def entry(form: dict[str, str], *steps: dict[str, Any]) -> dict[str, Any]:
    attribution = {"unit_code": PATH[-1], "unit_name": "岳阳楼区第一中学", "unit_path": PATH}
    return {"_id": "S1", "form": form, "attribution": attribution, "timeline": list(steps)}


FORM = {
    "title": "岳阳楼记里的家国情怀", "producer": "制作组", "category": "德育", "subcolumn": "党史学习",
    "copyright_holder": "版权方", "format": "视频", "summary": "专题资源", "contact_name": "刘健华",
    "phone": "0730-8805708",
}  # fmt: skip


def test_the_latest_outcome_at_the_level_counts() -> None:
    sub = entry(FORM, reviewed("county", "recommended", 0), reviewed("city", "not_recommended", 5))
    assert final_outcome(sub, CITY) == reviewed("city", "not_recommended", 5)
    sub["timeline"].append(reviewed("city", "recommended", 9, "一等奖"))  # an upheld appeal
    step = final_outcome(sub, CITY)
    assert step is not None and (step["outcome"], step["award_tier"]) == ("recommended", "一等奖")
    assert final_outcome(entry(FORM, reviewed("county", "recommended", 0)), CITY) is None


def test_the_table_is_headed_by_the_recommending_unit_with_its_phone() -> None:
    sub = entry(FORM, reviewed("city", "recommended", 1))
    row = recommendation_row(sub, reviewed("city", "recommended", 1), {"4306": "岳阳市"})
    assert row["filler"] == "岳阳市"  # no 填表单位 on the form: the entry's city
    sheet = load_workbook(io.BytesIO(recommendation_form([row]))).active
    assert sheet is not None
    assert sheet["A2"].value == "填表单位（盖章）：岳阳市        联系人：刘健华        联系电话：0730-8805708"
    bureau = entry(FORM | {"unit": "岳阳市教育体育局"})
    given = recommendation_row(bureau, reviewed("city", "recommended", 1), {})
    assert given["filler"] == "岳阳市教育体育局"


def test_a_level_the_campaign_does_not_have_is_refused() -> None:
    with pytest.raises(ServiceError) as caught:
        level_named(HUNAN, "nation")
    assert caught.value.status == 404 and "city" in caught.value.zh
