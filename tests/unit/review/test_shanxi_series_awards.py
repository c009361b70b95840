"""Shanxi's province awards each series as its own section of the notice states (seed 001, 一 … 十,
（四）征集数量及奖项设置): the counts below are copied from the notice's text, not from the preset,
so a preset that drifts from the notice fails here. One pool per series, more entries than places."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from contracts.campaign import Campaign, ReviewLevel
from services.intake.presets import load_preset
from services.review.outcomes import Scored, propose
from services.review.series_rules import series_rules

T0 = datetime(2019, 7, 31, 2, tzinfo=UTC)
FIVE = ("特等奖", "一等奖", "二等奖", "三等奖", "优秀奖")
NOTICE = {
    "优质慕课": dict(zip(FIVE, (5, 10, 15, 20, 30), strict=True)),  # 一: 名
    "大家讲堂": dict(zip(FIVE, (5, 10, 15, 20, 30), strict=True)),  # 二: 部
    "我和我的祖国": dict(zip(FIVE, (5, 10, 15, 20, 25), strict=True)),  # 三
    "来自脱贫攻坚一线的报告": dict(zip(FIVE, (5, 10, 15, 20, 25), strict=True)),  # 四
    "强国问答": {"特等奖": 5, "一等奖": 20, "二等奖": 30, "三等奖": 100},  # 五: 按人，不设优秀奖
    "百灵短视频音频": dict(zip(FIVE, (5, 10, 15, 20, 25), strict=True)),  # 六
    "展示山西优美风光的主题作品": dict(zip(FIVE, (5, 10, 15, 20, 100), strict=True)),  # 七: 件
    "优质音频作品": dict(zip(FIVE, (5, 10, 15, 20, 25), strict=True)),  # 八
    "国歌主题演唱": dict(zip(FIVE, (5, 10, 15, 20, 25), strict=True)),  # 九
    "11首歌曲快闪": dict(zip(FIVE, (5, 10, 15, 20, 25), strict=True)),  # 十
}


@pytest.fixture(scope="module")
def shanxi() -> Campaign:
    return load_preset("shanxi-xuexi-2019")


def province(campaign: Campaign) -> ReviewLevel:
    return next(lv for lv in campaign.review_levels if lv.key == "province")


def entries(series_key: str, n: int) -> list[Scored]:
    return [
        Scored(
            submission_id=f"{series_key}-{i:03d}",
            score=100 - i * 0.1,
            submitted_at=T0 + timedelta(minutes=i),
            unit_path=("14", "1406", "140602", f"140602{i:03d}"),
            unit_code=f"140602{i:03d}",
            group=None,
            category=None,
            subcolumn=None,
            series=series_key,
        )
        for i in range(n)
    ]


def test_the_preset_names_all_ten_series(shanxi: Campaign) -> None:
    assert [s.name for s in shanxi.series] == list(NOTICE)


@pytest.mark.parametrize("series_name", list(NOTICE))
def test_each_series_is_awarded_as_its_own_section_says(shanxi: Campaign, series_name: str) -> None:
    series = next(s for s in shanxi.series if s.name == series_name)
    places = sum(NOTICE[series_name].values())
    proposal = propose(
        province(shanxi),
        entries(series.key, places + 7),
        series=series_rules(shanxi, province(shanxi)),
    )
    given = Counter(d.award_tier for d in proposal.decisions.values())
    assert {tier: n for tier, n in given.items() if tier} == NOTICE[series_name]
    assert given[None] == 7  # past the places, nobody
    best = min(proposal.decisions.items(), key=lambda kv: kv[1].rank)
    assert best[1].award_tier == "特等奖"


def test_two_series_in_one_round_each_keep_their_own_scheme(shanxi: Campaign) -> None:
    """The 16th of 强国问答 is still 一等奖 (20 of them); the 16th 慕课 is 二等奖 (10 一等奖)."""
    proposal = propose(
        province(shanxi),
        entries("quiz", 16) + entries("mooc", 16),
        series=series_rules(shanxi, province(shanxi)),
    )
    assert proposal.decisions["quiz-015"].award_tier == "一等奖"
    assert proposal.decisions["mooc-015"].award_tier == "二等奖"
