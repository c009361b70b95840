"""Per-person keys and per-unit quotas, from the presets' own numbers."""

from services.intake.limits import person_keys, quota_refusal, quotas_for
from services.intake.materials import series_of
from services.intake.presets import load_preset

SHANXI_UNITS = [
    {"_id": "14", "name": "山西省", "level": "province"},
    {"_id": "1406", "name": "朔州市", "level": "city"},
    {"_id": "140602", "name": "朔城区", "level": "county"},
]


def test_a_person_is_the_account_and_the_name_with_the_phone() -> None:
    yanbian = load_preset("yanbian-2024")
    form = {"name": " 李老师 ", "phone": "13904330001"}
    assert person_keys(yanbian, form, "U1") == ["account:U1", "person:李老师|13904330001"]
    assert person_keys(yanbian, form, None) == ["person:李老师|13904330001"]
    assert person_keys(yanbian, {"name": "李老师"}, None) == []


def test_shanxi_caps_each_county_and_city_per_series() -> None:
    shanxi = load_preset("shanxi-xuexi-2019")
    mooc = series_of(shanxi, {"series": "优质慕课"})
    quotas = {q.level: q.limit for q in quotas_for(shanxi, mooc, SHANXI_UNITS)}
    assert quotas == {"city": 50, "county": 10}
    county = next(q for q in quotas_for(shanxi, mooc, SHANXI_UNITS) if q.level == "county")
    assert quota_refusal(county, 9) is None
    refusal = quota_refusal(county, 10)
    assert refusal is not None and refusal[0] == "已达推荐名额：朔城区本系列最多推荐10件（已推荐10件）"


def test_shanxi_quiz_quotas_count_questions() -> None:
    """强国问答: 各县（市、区）委宣传部征集100题: a set of 30 questions uses 30 of them."""
    shanxi = load_preset("shanxi-xuexi-2019")
    quiz = series_of(shanxi, {"series": "强国问答"})
    county = next(q for q in quotas_for(shanxi, quiz, SHANXI_UNITS) if q.level == "county")
    assert (county.limit, county.counts, county.weight({"questions": 30})) == (100, "questions", 30)
    assert quota_refusal(county, 70, 30) is None
    refusal = quota_refusal(county, 80, 30)
    assert (
        refusal is not None
        and refusal[0] == "超出推荐名额：朔城区本系列最多推荐100题（已推荐80题，本套30题）"
    )


def test_hunan_county_table_is_a_minimum_never_a_refusal() -> None:
    hunan = load_preset("hunan-smart-edu-2022")
    units = [
        {"_id": "U1", "name": "岳阳市", "level": "city"},
        {"_id": "U2", "name": "平江县", "level": "county"},
    ]
    (quota,) = quotas_for(hunan, None, units)
    assert (quota.unit_name, quota.limit, quota.kind) == ("平江县", 5, "min_per_category")
    assert quota_refusal(quota, 99) is None
