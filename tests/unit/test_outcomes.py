"""Finalising a Yanbian review level: county recommendations and the prefecture's 优秀资源奖."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from contracts.campaign import Campaign, ReviewLevel
from services.intake.presets import load_preset
from services.review.outcomes import Decision, Scored, pool_key, propose

T0 = datetime(2024, 11, 20, 8, 0, tzinfo=UTC)
YANJI, LONGJING = "222401", "222405"  # county codes: the third element of a unit path


@pytest.fixture(scope="module")
def yanbian() -> Campaign:
    return load_preset("yanbian-2024")


@pytest.fixture(scope="module")
def county(yanbian: Campaign) -> ReviewLevel:
    (level,) = (lv for lv in yanbian.review_levels if lv.key == "county")
    return level


@pytest.fixture(scope="module")
def prefecture(yanbian: Campaign) -> ReviewLevel:
    (level,) = (lv for lv in yanbian.review_levels if lv.key == "prefecture")
    return level


def scored(
    sid: str, score: float, county_code: str = YANJI, school: int = 1, group: str = "小学组", minute: int = 0
) -> Scored:
    unit = f"{county_code}{school:03d}"
    return Scored(
        submission_id=sid,
        score=score,
        submitted_at=T0 + timedelta(minutes=minute),
        unit_path=("22", "2224", county_code, unit),
        unit_code=unit,
        group=group,
        category="英雄故事",
        subcolumn=None,
    )


def test_the_preset_levels_are_what_these_tests_assume(county: ReviewLevel, prefecture: ReviewLevel) -> None:
    assert county.outcome.recommend_top == 3 and county.outcome.pool_by == ["unit", "group"]
    assert [t.name for t in prefecture.outcome.tiers] == ["优秀资源奖"]
    assert prefecture.outcome.award_cap == 0.5 and prefecture.outcome.pool_by == ["group"]


def test_county_recommends_its_top_three_of_a_group(county: ReviewLevel) -> None:
    # five entries from different schools of one county's 小学组, given in no particular order
    entries = [
        scored("S-c", 84.0, school=3),
        scored("S-a", 95.5, school=1),
        scored("S-e", 61.0, school=5),
        scored("S-b", 90.0, school=2),
        scored("S-d", 72.25, school=4),
    ]
    decisions = propose(county, entries).decisions
    assert {sid: d.outcome for sid, d in decisions.items()} == {
        "S-a": "recommended",
        "S-b": "recommended",
        "S-c": "recommended",
        "S-d": "not_recommended",
        "S-e": "not_recommended",
    }
    assert {sid: d.rank for sid, d in decisions.items()} == {"S-a": 1, "S-b": 2, "S-c": 3, "S-d": 4, "S-e": 5}
    assert decisions["S-d"] == Decision("not_recommended", None, 4, 72.25)
    assert all(d.award_tier is None for d in decisions.values())


def test_each_county_and_group_is_its_own_pool(county: ReviewLevel) -> None:
    entries = [scored(f"Y{i}", 90.0 - i, YANJI, school=i) for i in range(5)]
    entries += [scored("L1", 50.0, LONGJING), scored("L2", 40.0, LONGJING, school=2)]
    entries += [scored("M1", 30.0, YANJI, group="中学组")]
    decisions = propose(county, entries).decisions
    recommended = sorted(sid for sid, d in decisions.items() if d.outcome == "recommended")
    # Longjing's two weaker entries and Yanji's only 中学组 entry go up; Yanji 小学组 sends three
    assert recommended == ["L1", "L2", "M1", "Y0", "Y1", "Y2"]
    assert (decisions["L1"].rank, decisions["L2"].rank, decisions["M1"].rank) == (1, 2, 1)


def test_equal_scores_the_earlier_submission_goes_up(county: ReviewLevel) -> None:
    entries = [
        scored("S1", 90.0, minute=0),
        scored("S2", 88.0, minute=1),
        scored("late", 80.0, minute=30),
        scored("early", 80.0, minute=5),
    ]
    decisions = propose(county, entries).decisions
    assert decisions["early"].outcome == "recommended" and decisions["early"].rank == 3
    assert decisions["late"].outcome == "not_recommended" and decisions["late"].rank == 4


def test_prefecture_awards_half_of_a_group(prefecture: ReviewLevel) -> None:
    # 4 entries in 小学组 from two counties: floor(4 x 0.5) = 2 优秀资源奖
    entries = [
        scored("P1", 88.0, YANJI, 1),
        scored("P2", 93.0, LONGJING, 1),
        scored("P3", 79.5, YANJI, 2),
        scored("P4", 91.0, LONGJING, 2),
    ]
    decisions = propose(prefecture, entries).decisions
    assert {sid: (d.outcome, d.award_tier) for sid, d in decisions.items()} == {
        "P2": ("awarded", "优秀资源奖"),
        "P4": ("awarded", "优秀资源奖"),
        "P1": ("not_recommended", None),
        "P3": ("not_recommended", None),
    }
    assert [decisions[s].rank for s in ("P2", "P4", "P1", "P3")] == [1, 2, 3, 4]


def test_prefecture_single_entry_in_a_group_gets_no_award(prefecture: ReviewLevel) -> None:
    entries = [scored(f"P{i}", 90.0 - i, YANJI, i) for i in range(4)]
    entries.append(scored("Z", 99.0, LONGJING, group="中学组"))
    decisions = propose(prefecture, entries).decisions
    # the cap applies per group: floor(1 x 0.5) = 0, however high the lone entry scored
    assert decisions["Z"] == Decision("not_recommended", None, 1, 99.0)
    assert sum(d.outcome == "awarded" for d in decisions.values()) == 2


def test_pool_key_uses_the_county_of_the_unit_path(county: ReviewLevel, prefecture: ReviewLevel) -> None:
    a, b = scored("A", 1.0, YANJI, school=1), scored("B", 1.0, YANJI, school=7)
    c = scored("C", 1.0, LONGJING, school=1)
    assert pool_key(county, a) == pool_key(county, b) == f"{YANJI}/小学组"
    assert pool_key(county, c) == f"{LONGJING}/小学组"
    assert pool_key(county, scored("D", 1.0, YANJI, group="中学组")) == f"{YANJI}/中学组"
    # the prefecture pools every county's entries of a group together
    assert pool_key(prefecture, a) == pool_key(prefecture, c) == "小学组"


def test_pool_key_without_a_group(prefecture: ReviewLevel) -> None:
    entry = scored("A", 1.0)
    assert pool_key(prefecture, replace(entry, group=None)) == "-"
