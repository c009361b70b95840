"""How the statistics name a finding and order award tiers (pure)."""

from services.intake.presets import load_preset
from services.intake.statistics import problem_of, tier_order


def test_a_value_rule_reads_as_a_bureaus_guide_and_others_name_what_was_required() -> None:
    assert problem_of("video.frame_rate", "25 帧/秒")[0] == "帧率不是25帧/秒"
    assert problem_of("video.resolution", "1920×1080")[0] == "分辨率不是1920×1080"
    assert problem_of("audio.present", "有声音")[0] == "声音不符合要求（要求：有声音）"
    assert problem_of("some.new_rule", "x") == (
        "some.new_rule不符合要求（要求：x）",
        "some.new_rule does not meet the rule (x)",
    )


def test_award_tiers_are_ordered_highest_first_once_each_across_levels_and_series() -> None:
    shanxi = load_preset("shanxi-xuexi-2019")  # its series have tiers of their own, named alike
    assert tier_order(shanxi) == ["特等奖", "一等奖", "二等奖", "三等奖", "优秀奖"]
    assert tier_order(load_preset("yanbian-2024")) == ["优秀资源奖"]
