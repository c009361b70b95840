"""Dashboard counts, rolled up to a level, with each unit's quota next to its counts."""

from typing import Any

from services.intake.dashboard import summarise
from services.intake.presets import load_preset

UNITS = {
    "22": {"_id": "22", "name": "吉林省", "level": "province"},
    "2224": {"_id": "2224", "name": "延边州", "level": "city"},
    "222401": {"_id": "222401", "name": "延吉市", "level": "county"},
    "222402": {"_id": "222402", "name": "图们市", "level": "county"},
    "S1": {"_id": "S1", "name": "延吉一小", "level": "school"},
    "S2": {"_id": "S2", "name": "延吉二小", "level": "school"},
    "S3": {"_id": "S3", "name": "图们实验", "level": "school"},
}


def sub(
    school: str, county: str, stage: str, approval: str = "pending", group: str = "小学组"
) -> dict[str, Any]:
    return {
        "stage": stage,
        "approval": {"state": approval},
        "group": group,
        "form": {"category": "英雄故事"},
        "attribution": {"unit_path": ["22", "2224", county, school]},
    }


SUBS = [
    sub("S1", "222401", "in_review", "approved"),
    sub("S1", "222401", "awaiting_approval"),
    sub("S2", "222401", "failed_validation", group="中学组"),
    sub("S3", "222402", "awaiting_approval"),
]


def test_counts_by_stage_approval_group_and_category() -> None:
    out = summarise(load_preset("yanbian-2024"), SUBS, UNITS, None)
    assert out["total"] == 4
    assert out["by_stage"] == {"in_review": 1, "awaiting_approval": 2, "failed_validation": 1}
    assert out["by_approval"] == {"approved": 1, "pending": 3}
    assert out["by_group"] == {"小学组": 3, "中学组": 1}
    assert [u["unit_code"] for u in out["by_unit"]] == ["S1", "S2", "S3"]


def test_rolled_up_to_counties() -> None:
    out = summarise(load_preset("yanbian-2024"), SUBS, UNITS, "county")
    rows = {u["unit_name"]: (u["total"], u["approved"], u["awaiting"]) for u in out["by_unit"]}
    assert rows == {"延吉市": (3, 1, 1), "图们市": (1, 0, 1)}


def test_hunan_counties_show_their_minimum_per_section() -> None:
    units = {
        "C": {"_id": "C", "name": "平江县", "level": "county"},
        "S": {"_id": "S", "name": "一中", "level": "school"},
    }
    rows = [
        {
            "stage": "in_review",
            "approval": {"state": "approved"},
            "form": {"category": "德育"},
            "attribution": {"unit_path": ["C", "S"]},
        }
    ]
    (unit,) = summarise(load_preset("hunan-smart-edu-2022"), rows, units, "county")["by_unit"]
    assert unit["quota"] == [
        {"series": None, "level": "county", "limit": 5, "kind": "min_per_category", "used": {"德育": 1}}
    ]
