"""Outcome rules of whole levels, on the notices' own numbers: awards and recommendations together
(Hunan's city), quota tables by county name as floors (Hunan's counties), panel-chosen tiers
(Ganzhou, Liaoning), series quotas (Shanxi), score thresholds, and the cap at tied boundaries."""

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from contracts.campaign import AwardTier, Campaign, Outcome, ReviewLevel
from services.intake.presets import load_preset
from services.review.awards import AwardSchemeError
from services.review.outcomes import Decision, Scored, propose
from services.review.series_rules import SeriesRules, series_rules

T0 = datetime(2022, 7, 1, 8, 0, tzinfo=UTC)
SECTIONS = ["德育", "劳动教育", "课后服务", "教师研修", "家庭教育", "教改经验"]
PINGJIANG, HUARONG, NANHU = "430626", "430623", "430699"  # 南湖新区 has no GB/T 2260 code


def level_of(campaign: Campaign, key: str) -> ReviewLevel:
    return next(lv for lv in campaign.review_levels if lv.key == key)


@pytest.fixture(scope="module")
def hunan() -> Campaign:
    return load_preset("hunan-smart-edu-2022")


def entry(
    sid: str,
    score: float,
    county: str = PINGJIANG,
    category: str = "德育",
    minute: int = 0,
    group: str | None = None,
    series: str | None = None,
) -> Scored:
    school = f"{county}{int(minute) % 97:03d}"
    return Scored(
        sid,
        score,
        T0 + timedelta(minutes=minute),
        ("43", "4306", county, school),
        school,
        group,
        category,
        None,
        series,
    )


def outcomes(decisions: dict[str, Decision]) -> Counter[tuple[str, str | None]]:
    return Counter((d.outcome, d.award_tier) for d in decisions.values())


def test_hunan_city_awards_and_recommends_as_two_decisions(hunan: Campaign) -> None:
    # 12 entries in each of the six sections: per section floor(12 x 0.8) = 9 awards, 3:3:4 -> 3/3/3
    # (shares 2.7/2.7/3.6; the two places left go to the largest remainders, ties to the higher tier);
    # 60 go to the province with at least 10 per section -> exactly the top 10 of each.
    city = level_of(hunan, "city")
    entries = [entry(f"{s}{i:02d}", 99.0 - i, category=s, minute=i) for s in SECTIONS for i in range(12)]
    decisions = propose(city, entries).decisions
    for s in SECTIONS:
        mine = [decisions[f"{s}{i:02d}"] for i in range(12)]
        assert [d.award_tier for d in mine] == ["一等奖"] * 3 + ["二等奖"] * 3 + ["三等奖"] * 3 + [None] * 3
        assert [d.outcome for d in mine] == ["recommended"] * 10 + ["not_recommended"] * 2
        assert [d.rank for d in mine] == list(range(1, 13))
    assert sum(d.outcome == "recommended" for d in decisions.values()) == 60


def test_hunan_city_47_entries_in_one_section(hunan: Campaign) -> None:
    # The notice's own numbers: 47 entries, 3:3:4, at most 80% -> 37 awards = 11/11/15.
    city = level_of(hunan, "city")
    one_section = city.model_copy(
        update={"outcome": city.outcome.model_copy(update={"recommend_total": None})}
    )
    decisions = propose(
        one_section, [entry(f"E{i:02d}", 90.0 - i * 0.5, minute=i) for i in range(47)]
    ).decisions
    assert outcomes(decisions) == {
        ("awarded", "一等奖"): 11,
        ("awarded", "二等奖"): 11,
        ("awarded", "三等奖"): 15,
        ("not_recommended", None): 10,
    }


def test_hunan_city_sends_all_of_a_short_section_and_tells_the_chair(hunan: Campaign) -> None:
    city = level_of(hunan, "city")
    entries = [
        entry(f"{s}{i}", 80.0 - i, category=s, minute=i)
        for s in SECTIONS
        for i in range(12 if s != "家庭教育" else 7)
    ]
    p = propose(city, entries)
    up = [sid for sid, d in p.decisions.items() if d.outcome == "recommended"]
    assert len(up) == 60 and {f"家庭教育{i}" for i in range(7)} <= set(up)
    assert [w[0] for w in p.warnings] == ["家庭教育 至少应推荐 10 件，但仅有 7 件：全部推荐"]


def test_hunan_county_quota_by_name_is_a_floor_per_section(hunan: Campaign) -> None:
    county = level_of(hunan, "county")
    entries = [entry(f"P{i}", 90.0 - i, PINGJIANG, "德育", minute=i) for i in range(7)]
    entries += [entry(f"L{i}", 80.0 - i, PINGJIANG, "劳动教育", minute=i) for i in range(6)]
    entries += [entry(f"H{i}", 70.0 - i, HUARONG, "德育", minute=i) for i in range(3)]
    p = propose(county, entries)
    up = sorted(sid for sid, d in p.decisions.items() if d.outcome == "recommended")
    # 平江县 5 per section: the top 5 of 德育 and of 劳动教育; 华容县 (5) has only 3 in 德育: all go up
    assert up == ["H0", "H1", "H2", "L0", "L1", "L2", "L3", "L4", "P0", "P1", "P2", "P3", "P4"]
    assert len(p.warnings) == 1 and "仅有 3 件" in p.warnings[0][0] and HUARONG in p.warnings[0][0]
    assert not p.pending
    # a floor: the chair may send more
    more = propose(county, entries, added=["P5"]).decisions
    assert more["P5"].outcome == "recommended" and more["P6"].outcome == "not_recommended"


def test_hunan_county_without_a_code_for_its_name_is_refused_not_pooled(hunan: Campaign) -> None:
    county = level_of(hunan, "county")
    with pytest.raises(AwardSchemeError) as info:
        propose(county, [entry("P", 90.0), entry("N", 80.0, NANHU)])
    assert NANHU in info.value.zh and "unit_codes" in info.value.zh


def test_ceilings_take_no_additions() -> None:
    yanbian = load_preset("yanbian-2024")
    county = level_of(yanbian, "county")
    entries = [entry(f"Y{i}", 90.0 - i, group="小学组", minute=i) for i in range(5)]
    with pytest.raises(AwardSchemeError, match="no additions"):
        propose(county, entries, added=["Y4"])


def test_ganzhou_excellent_is_the_panels_choice() -> None:
    expert = level_of(load_preset("ganzhou-party-courseware"), "expert")
    entries = [entry(f"G{i}", 80.0 + i, minute=i) for i in range(5)]
    before = propose(expert, entries)
    assert before.pending and "优秀等次" in before.pending[0][0]
    assert all(d.outcome == "not_recommended" for d in before.decisions.values())
    after = propose(expert, entries, chosen={"G1": "优秀等次", "G4": "优秀等次"}, confirmed=True)
    assert not after.pending
    assert {sid for sid, d in after.decisions.items() if d.award_tier} == {"G1", "G4"}
    assert after.decisions["G1"].outcome == "awarded"
    with pytest.raises(AwardSchemeError):
        propose(expert, entries, chosen={"G1": "一等奖"}, confirmed=True)


def test_a_panel_choice_past_the_cap_is_refused() -> None:
    tiers = [AwardTier(key="d", name="示范微党课")]
    level = ReviewLevel(
        key="p", name="省级", unit_level="province", outcome=Outcome(tiers=tiers, award_cap=0.5, pool_by=[])
    )
    entries = [entry(f"E{i}", 90.0 - i, minute=i) for i in range(4)]
    with pytest.raises(AwardSchemeError, match="exceed the cap"):
        propose(level, entries, chosen=dict.fromkeys(["E0", "E1", "E2"], "示范微党课"), confirmed=True)


def test_liaoning_college_sends_whom_the_panel_chooses() -> None:
    college = level_of(load_preset("liaoning-micro-party-lesson-2023"), "college")
    entries = [entry(f"L{i}", 85.0 - i, minute=i) for i in range(4)]
    assert propose(college, entries).pending
    chosen = propose(college, entries, added=["L0", "L2"], confirmed=True)
    assert {sid for sid, d in chosen.decisions.items() if d.outcome == "recommended"} == {"L0", "L2"}


def test_score_thresholds_under_a_cap() -> None:
    tiers = [AwardTier(key="a", name="一等奖", min_score=90), AwardTier(key="b", name="二等奖", min_score=80)]
    level = ReviewLevel(
        key="x", name="评审", unit_level="city", outcome=Outcome(tiers=tiers, award_cap=0.6, pool_by=[])
    )
    scores = [95.0, 91.0, 85.0, 81.0, 79.0]
    decisions = propose(level, [entry(f"E{i}", s, minute=i) for i, s in enumerate(scores)]).decisions
    # floor(5 x 0.6) = 3 awards at most: E3 meets 80 but the cap stops it
    assert [decisions[f"E{i}"].award_tier for i in range(5)] == ["一等奖", "一等奖", "二等奖", None, None]


def test_mixed_tier_kinds_are_refused() -> None:
    tiers = [AwardTier(key="a", name="一等奖", count=1), AwardTier(key="b", name="二等奖", ratio=1)]
    level = ReviewLevel(key="x", name="评审", unit_level="city", outcome=Outcome(tiers=tiers, pool_by=[]))
    with pytest.raises(AwardSchemeError, match="mix kinds"):
        propose(level, [entry("E", 90.0)])


def test_fixed_counts_never_exceed_the_cap() -> None:
    tiers = [AwardTier(key="a", name="一等奖", count=2), AwardTier(key="b", name="二等奖", count=3)]
    level = ReviewLevel(
        key="x", name="评审", unit_level="city", outcome=Outcome(tiers=tiers, award_cap=0.5, pool_by=[])
    )
    decisions = propose(level, [entry(f"E{i}", 90.0 - i, minute=i) for i in range(6)]).decisions
    assert [decisions[f"E{i}"].award_tier for i in range(6)] == [
        "一等奖",
        "一等奖",
        "二等奖",
        None,
        None,
        None,
    ]


def test_tied_scores_at_the_cap_boundary_never_exceed_it() -> None:
    prefecture = level_of(load_preset("yanbian-2024"), "prefecture")
    # 5 entries in 小学组, cap 0.5 -> 2 awards; three share 88 across the boundary: the earlier wins
    entries = [entry("A", 95.0, group="小学组", minute=0)]
    entries += [entry(f"T{m}", 88.0, group="小学组", minute=m) for m in (9, 3, 6)]
    entries.append(entry("Z", 70.0, group="小学组", minute=1))
    p = propose(prefecture, entries)
    assert {sid for sid, d in p.decisions.items() if d.award_tier} == {"A", "T3"}
    assert p.ties == [["T3", "T6", "T9"]]


def test_shanxi_city_sends_each_series_quota() -> None:
    city = level_of(load_preset("shanxi-xuexi-2019"), "city")
    entries = [entry(f"M{i}", 90.0 - i, minute=i, series="mooc") for i in range(4)]
    entries += [entry(f"Q{i}", 90.0 - i, minute=i, series="quiz") for i in range(3)]
    decisions = propose(city, entries, series=SeriesRules(quotas={"mooc": 2, "quiz": 5})).decisions
    assert sorted(s for s, d in decisions.items() if d.outcome == "recommended") == [
        "M0",
        "M1",
        "Q0",
        "Q1",
        "Q2",
    ]
    with pytest.raises(AwardSchemeError, match="has no quota at"):
        propose(city, entries, series=SeriesRules(quotas={"mooc": 2}))


def test_shanxi_quiz_quotas_count_questions_not_sets() -> None:
    """强国问答: 各市委宣传部征集1000题. Sets go up in rank order while their questions fit."""
    shanxi = load_preset("shanxi-xuexi-2019")
    city = level_of(shanxi, "city")
    sizes = [600, 300, 200, 50]
    entries = [
        replace(entry(f"Q{i}", 90.0 - i, minute=i, series="quiz"), questions=n) for i, n in enumerate(sizes)
    ]
    p = propose(city, entries, series=series_rules(shanxi, city))
    assert sorted(s for s, d in p.decisions.items() if d.outcome == "recommended") == ["Q0", "Q1"]
    assert any("按题计名额1000题，已推荐900题" in zh for zh, _ in p.warnings)
