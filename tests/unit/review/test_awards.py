from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from services.review.awards import (
    AwardSchemeError,
    RankedEntry,
    award_by_ratio,
    award_fixed_counts,
    organising_units,
    rank,
    ratio_quotas,
    recommend_by_quota,
    recommend_with_minimums,
    short_groups,
    straddling_ties,
)

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
HUNAN = [("一等奖", 3), ("二等奖", 3), ("三等奖", 4)]
SHANXI = [("特等奖", 5), ("一等奖", 10), ("二等奖", 15), ("三等奖", 20), ("优秀奖", 30)]


def entry(sid: str, score: str | int, minute: int = 0, group: str = "", unit: str = "") -> RankedEntry:
    return RankedEntry(sid, Decimal(score), T0 + timedelta(minutes=minute), group, unit)


def distinct_entries(n: int, group: str = "", unit: str = "") -> list[RankedEntry]:
    # scores 1000, 999, ... so rank order is E000, E001, ...
    return [entry(f"{group}E{i:03d}", 1000 - i, i, group, unit) for i in range(n)]


def tier_counts(outcome: dict[str, str | None]) -> Counter[str | None]:
    return Counter(outcome.values())


# --- ratio tiers -------------------------------------------------------------------------------


def test_hunan_47_entries_3_3_4_cap_80_percent_splits_11_11_15() -> None:
    # floor(47 * 4/5) = 37; shares 11.1 / 11.1 / 14.8 -> floors 11/11/14, the leftover place goes to
    # the largest remainder (0.8, 三等奖).
    assert ratio_quotas(47, HUNAN, "0.8") == {"一等奖": 11, "二等奖": 11, "三等奖": 15}


def test_hunan_outcome_follows_rank_order() -> None:
    entries = distinct_entries(47)
    outcome = award_by_ratio(reversed(entries), HUNAN, "0.8")
    assert tier_counts(outcome) == {"一等奖": 11, "二等奖": 11, "三等奖": 15, None: 10}
    expected = ["一等奖"] * 11 + ["二等奖"] * 11 + ["三等奖"] * 15 + [None] * 10
    assert [outcome[e.submission_id] for e in entries] == expected
    assert list(outcome) == [e.submission_id for e in entries]  # keys come back in rank order


@pytest.mark.parametrize("cap", [0.8, "0.8", Decimal("0.8"), Fraction(4, 5)])
def test_cap_spellings_are_exact(cap: object) -> None:
    assert sum(ratio_quotas(47, HUNAN, cap).values()) == 37  # type: ignore[arg-type]


def test_float_cap_is_read_as_its_decimal_literal_not_its_binary_value() -> None:
    # Fraction(0.6) * 5 is 2.9999999999999998..., which would floor to 2.
    assert ratio_quotas(5, [("入选", 1)], 0.6) == {"入选": 3}


def test_tied_remainders_go_to_the_higher_tier() -> None:
    assert ratio_quotas(10, [("一", 1), ("二", 1), ("三", 1)]) == {"一": 4, "二": 3, "三": 3}
    assert ratio_quotas(20, [("一", 1), ("二", 1), ("三", 1)]) == {"一": 7, "二": 7, "三": 6}


def test_largest_remainder_beats_tier_order() -> None:
    # 7 * 3/4 = 5.25 and 7 * 1/4 = 1.75: the spare place goes to the 0.75 remainder even though it
    # belongs to the lower tier.
    assert ratio_quotas(7, [("一", 3), ("二", 1)]) == {"一": 5, "二": 2}
    assert ratio_quotas(7, [("一", 1), ("二", 3)]) == {"一": 2, "二": 5}


def test_zero_cap_and_zero_entries_award_nothing() -> None:
    assert ratio_quotas(47, HUNAN, 0) == {"一等奖": 0, "二等奖": 0, "三等奖": 0}
    assert award_by_ratio([], HUNAN, "0.8") == {}


def test_tie_straddling_a_tier_boundary_is_split_by_submission_time() -> None:
    # 10 entries, cap 1, 1:1 -> 5/5.  Places 4-7 share a score; the two submitted first keep 一等.
    tied = [entry("late", 90, 50), entry("early", 90, 10), entry("mid", 90, 30), entry("latest", 90, 70)]
    entries = [*distinct_entries(3), *tied, *(entry(f"L{i}", 80 - i, 100 + i) for i in range(3))]
    outcome = award_by_ratio(entries, [("一等奖", 1), ("二等奖", 1)])
    assert tier_counts(outcome) == {"一等奖": 5, "二等奖": 5}
    assert (outcome["early"], outcome["mid"], outcome["late"], outcome["latest"]) == (
        "一等奖",
        "一等奖",
        "二等奖",
        "二等奖",
    )
    assert straddling_ties(entries, outcome) == [["early", "mid", "late", "latest"]]


def test_tie_straddling_the_cap_never_exceeds_it() -> None:
    # 10 entries all on the same score, cap 80%: exactly 8 awarded, earliest submissions first.
    entries = [entry(f"S{i}", 88, minute=10 - i) for i in range(10)]
    outcome = award_by_ratio(entries, [("一等奖", 1)], "0.8")
    assert tier_counts(outcome) == {"一等奖": 8, None: 2}
    assert outcome["S9"] == "一等奖" and outcome["S0"] is None and outcome["S1"] is None


def test_identical_score_and_time_falls_back_to_submission_id() -> None:
    entries = [entry(sid, 70) for sid in ("b", "c", "a")]
    outcome = award_by_ratio(entries, [("入选", 1)], Fraction(2, 3))
    assert outcome == {"a": "入选", "b": "入选", "c": None}
    assert [e.submission_id for e in rank(entries)] == ["a", "b", "c"]


def test_no_straddling_ties_when_ties_fall_inside_one_tier() -> None:
    entries = [entry("x", 95), entry("y", 95, 1), entry("z", 60, 2)]
    outcome = award_fixed_counts(entries, [("一等奖", 2), ("二等奖", 1)])
    assert straddling_ties(entries, outcome) == []


# --- fixed counts --------------------------------------------------------------------------------


def test_shanxi_fixed_counts_with_enough_entries() -> None:
    outcome = award_fixed_counts(distinct_entries(100), SHANXI)
    expected: dict[str | None, int] = {**dict(SHANXI), None: 20}
    assert tier_counts(outcome) == expected
    assert outcome["E000"] == "特等奖" and outcome["E005"] == "一等奖" and outcome["E079"] == "优秀奖"
    assert outcome["E080"] is None


def test_shanxi_fixed_counts_with_too_few_entries_short_the_lowest_tiers() -> None:
    assert tier_counts(award_fixed_counts(distinct_entries(60), SHANXI)) == {
        "特等奖": 5,
        "一等奖": 10,
        "二等奖": 15,
        "三等奖": 20,
        "优秀奖": 10,
    }
    assert tier_counts(award_fixed_counts(distinct_entries(12), SHANXI)) == {"特等奖": 5, "一等奖": 7}


# --- recommendation quotas -------------------------------------------------------------------

# Hunan county quota table.  平江县 5 and the total of 49 are the notice's numbers; the split of the
# remaining 44 places over the other Yueyang counties is illustrative.
HUNAN_COUNTY_QUOTAS = {
    "岳阳楼区": 6,
    "云溪区": 3,
    "君山区": 3,
    "岳阳县": 5,
    "华容县": 5,
    "湘阴县": 5,
    "平江县": 5,
    "汨罗市": 5,
    "临湘市": 4,
    "屈原管理区": 2,
    "经开区": 3,
    "南湖新区": 3,
}


def test_hunan_county_quotas_recommend_49() -> None:
    assert sum(HUNAN_COUNTY_QUOTAS.values()) == 49
    entries = [e for county in HUNAN_COUNTY_QUOTAS for e in distinct_entries(8, group=county)]
    outcome = recommend_by_quota(entries, HUNAN_COUNTY_QUOTAS)
    recommended = [sid for sid, label in outcome.items() if label == "推荐"]
    assert len(recommended) == 49
    per_county = Counter(e.group for e in entries if outcome[e.submission_id] == "推荐")
    assert per_county == HUNAN_COUNTY_QUOTAS
    pingjiang = [outcome[f"平江县E{i:03d}"] for i in range(8)]
    assert pingjiang == ["推荐"] * 5 + [None] * 3


def test_county_with_fewer_entries_than_quota_sends_all() -> None:
    entries = distinct_entries(2, group="平江县") + distinct_entries(9, group="汨罗市")
    outcome = recommend_by_quota(entries, {"平江县": 5, "汨罗市": 5}, label="推荐市级")
    assert Counter(outcome.values()) == {"推荐市级": 7, None: 4}


def test_entry_without_quota_row_is_an_error() -> None:
    with pytest.raises(AwardSchemeError) as err:
        recommend_by_quota(distinct_entries(2, group="未知县"), {"平江县": 5})
    assert "未知县" in err.value.zh and "no recommendation quota" in err.value.en


def test_sixty_to_province_with_at_least_ten_per_section() -> None:
    # 高中 entries all score below everyone else, so only the minimum protects them.
    entries = (
        [entry(f"小学{i}", 900 - i, i, "小学") for i in range(40)]
        + [entry(f"初中{i}", 800 - i, i, "初中") for i in range(40)]
        + [entry(f"高中{i}", 100 - i, i, "高中") for i in range(40)]
    )
    outcome = recommend_with_minimums(entries, 60, {"小学": 10, "初中": 10, "高中": 10})
    chosen = {sid for sid, label in outcome.items() if label}
    assert len(chosen) == 60
    assert Counter(sid[:2] for sid in chosen) == {"小学": 40, "初中": 10, "高中": 10}
    assert {f"高中{i}" for i in range(10)} <= chosen and "高中10" not in chosen
    assert {f"初中{i}" for i in range(10)} <= chosen and "初中10" not in chosen


def test_minimums_already_met_by_rank_change_nothing() -> None:
    entries = [entry(f"{g}{i}", 100 - i * 3 - j, i, g) for i in range(10) for j, g in enumerate("AB")]
    outcome = recommend_with_minimums(entries, 6, {"A": 2, "B": 2})
    assert [sid for sid, label in outcome.items() if label] == ["A0", "B0", "A1", "B1", "A2", "B2"]


def test_a_section_with_fewer_than_its_minimum_sends_all_it_has_and_the_chair_is_told() -> None:
    entries = distinct_entries(5, group="高中") + distinct_entries(30, group="小学")
    outcome = recommend_with_minimums(entries, 20, {"小学": 10, "高中": 10})
    chosen = [sid for sid, label in outcome.items() if label]
    assert len(chosen) == 20 and {e.submission_id for e in entries if e.group == "高中"} <= set(chosen)
    assert short_groups(entries, {"小学": 10, "高中": 10}) == [
        ("高中 至少应推荐 10 件，但仅有 5 件：全部推荐", "高中 needs 10 but has 5: all go up")
    ]


def test_minimums_past_the_total_raise() -> None:
    entries = distinct_entries(5, group="高中") + distinct_entries(30, group="小学")
    with pytest.raises(AwardSchemeError, match="more than the total"):
        recommend_with_minimums(entries, 15, {"小学": 10, "高中": 10})


# --- organising units -------------------------------------------------------------------------


def yanbian() -> tuple[list[RankedEntry], dict[str, str | None]]:
    entries = [
        entry("a1", 99, 0, unit="延吉市"),
        entry("a2", 98, 1, unit="延吉市"),
        entry("a3", 60, 2, unit="延吉市"),
        entry("b1", 97, 3, unit="珲春市"),
        entry("b2", 70, 4, unit="珲春市"),
        entry("c1", 50, 5, unit="图们市"),
        entry("c2", 96, 6, unit="图们市"),
        entry("d1", 40, 7, unit="龙井市"),
    ]
    outcome: dict[str, str | None] = {"a1": "一等奖", "a2": "三等奖", "a3": "三等奖", "b1": "一等奖"}
    outcome |= {"b2": "二等奖", "c1": "二等奖", "c2": "一等奖", "d1": None}
    return entries, outcome


def test_organising_units_ranked_by_awarded_count_then_tier_profile() -> None:
    entries, outcome = yanbian()
    units = organising_units(entries, outcome, tier_order=["一等奖", "二等奖", "三等奖"], top_k=2)
    # 延吉 has 3 awards; 珲春 and 图们 tie on 2 and on the profile (1,1,0) -> unit code decides
    # (图 U+56FE sorts before 珲 U+73F2), and top_k is never exceeded.
    assert [u.unit_code for u in units] == ["延吉市", "图们市"]
    assert units[0].awarded == 3 and units[0].by_tier == (1, 0, 2)


def test_organising_units_by_threshold_never_includes_units_without_awards() -> None:
    entries, outcome = yanbian()
    with_awards = {"延吉市", "珲春市", "图们市"}  # 龙井市 has nothing awarded
    assert {u.unit_code for u in organising_units(entries, outcome, min_awarded=2)} == with_awards
    assert {u.unit_code for u in organising_units(entries, outcome, min_awarded=0)} == with_awards
    assert [u.unit_code for u in organising_units(entries, outcome, min_awarded=3)] == ["延吉市"]


def test_organising_unit_profile_breaks_count_ties() -> None:
    entries, outcome = yanbian()
    outcome["c1"] = "一等奖"  # 图们 now has two first prizes, 珲春 one
    units = organising_units(entries, outcome, tier_order=["一等奖", "二等奖", "三等奖"], top_k=3)
    assert [u.unit_code for u in units] == ["延吉市", "图们市", "珲春市"]


# --- impossible schemes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "zh_fragment", "en_fragment"),
    [
        (lambda: ratio_quotas(10, [("一", 0), ("二", 0)]), "之和不能为零", "sum to zero"),
        (lambda: ratio_quotas(10, HUNAN, "1.2"), "0 到 1", "between 0 and 1"),
        (lambda: ratio_quotas(10, HUNAN, -1), "0 到 1", "between 0 and 1"),
        (lambda: ratio_quotas(10, [("一", -1), ("二", 2)]), "不能为负数", "negative"),
        (lambda: ratio_quotas(10, []), "至少需要", "at least one"),
        (lambda: ratio_quotas(10, [("一", 1), ("一", 1)]), "重复", "unique"),
        (lambda: ratio_quotas(10, HUNAN, "abc"), "无法识别", "not a number"),
        (lambda: award_fixed_counts([], [("一", 5), ("二", -1)]), "不能为负数", "negative"),
        (lambda: recommend_by_quota([], {"平江县": -1}), "不能为负数", "negative"),
        (lambda: recommend_with_minimums([], 5, {"A": 3, "B": 3}), "超过推荐总数", "more than the total"),
        (lambda: award_by_ratio([entry("x", 1), entry("x", 2)], HUNAN), "作品编号重复", "duplicate"),
        (lambda: organising_units([], {}), "须指定", "top_k"),
        (lambda: organising_units([], {}, top_k=-1), "不能为负数", "negative"),
    ],
)
def test_impossible_schemes_raise_bilingual_errors(call, zh_fragment: str, en_fragment: str) -> None:
    with pytest.raises(AwardSchemeError) as err:
        call()
    assert zh_fragment in err.value.zh and en_fragment in err.value.en
    assert err.value.status == 422, "the scheme is the campaign's to fix, not a crash"
