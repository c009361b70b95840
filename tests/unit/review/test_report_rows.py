"""Whose unit an exported row counts for at a unit level (填表单位, 优秀组织单位): the unit of that
kind on the entry's path, as its rounds read it, even where the path skips a kind."""

from typing import Any

from services.review.report_rows import organising_rows, unit_at

HAINAN, WUZHISHAN, SCHOOL = "46", "469001", "469001001"  # a county-level city directly under its province


def row(levels: list[str]) -> dict[str, Any]:
    return {
        "unit_code": SCHOOL,
        "unit_name": "五指山市第一小学",
        "unit_path": [HAINAN, WUZHISHAN, SCHOOL],
        "unit_path_names": ["海南省", "五指山市", "五指山市第一小学"],
        "unit_path_levels": levels,
    }


def test_a_county_directly_under_its_province_is_counted_as_the_county() -> None:
    kinds = row(["province", "county", "school"])
    assert unit_at(kinds, "county") == (WUZHISHAN, "五指山市")
    assert unit_at(kinds, "city") == (SCHOOL, "五指山市第一小学")  # no city: the entry's own unit
    assert organising_rows([kinds], "county")[0]["unit_name"] == "五指山市"


def test_a_path_without_its_kinds_is_read_by_position_as_before() -> None:
    legacy = {**row([]), "unit_path": ["22", "2224", "222401", "222401001"]}
    legacy["unit_path_names"] = ["吉林省", "延边州", "延吉市", "延吉市第一小学"]
    assert unit_at(legacy, "county") == ("222401", "延吉市")
    assert unit_at(legacy, "city") == ("2224", "延边州")
