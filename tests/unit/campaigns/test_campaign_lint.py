"""``zhengji campaign lint``: every problem named by its YAML path, Chinese first; warnings for
valid but suspicious settings; exit 0/1/2 for clean, problems, unreadable."""

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from services.intake.campaign_lint import Problem, lint_definition, lint_yaml
from services.intake.presets import PRESET_DIR, InvalidCampaign, list_presets, load_campaign_yaml
from zhengji.campaign_cli import campaign_app

TODAY = date(2025, 3, 1)


def micro_lesson() -> dict[str, Any]:
    """A valid definition with nothing suspicious: a 2025 micro-lesson call, open today."""
    return {
        "id": "micro-lesson-2025",
        "title": "2025年微课征集",
        "issuer": "某市电教馆",
        "form": [{"key": "title", "label": "作品名称"}, {"key": "name", "label": "作者", "personal": True}],
        "materials": [
            {
                "key": "work",
                "label": "微课视频",
                "kind": "video",
                "primary": True,
                "video": {"width": 1280, "height": 720, "frame_rate": 30, "duration": {"max_s": 300}},
            }
        ],
        "naming_rule": "{title}—{name}",
        "upload_window": {"starts": "2025-03-01", "ends": "2025-04-30"},
        "review_levels": [
            {"key": "city", "name": "市级", "unit_level": "city", "outcome": {"recommend_top": 5}},
            {
                "key": "final",
                "name": "终评",
                "unit_level": "city",
                "window": {"starts": "2025-05-10", "ends": "2025-05-20"},
                "public_notice_days": 5,
                "outcome": {
                    "award_cap": 0.6,
                    "tiers": [
                        {"key": "first", "name": "一等奖", "ratio": 1},
                        {"key": "second", "name": "二等奖", "ratio": 2},
                        {"key": "third", "name": "三等奖", "ratio": 3},
                    ],
                },
            },
        ],
    }


def paths(found: list[Problem]) -> list[str]:
    return [p.path for p in found]


def test_a_clean_definition_has_no_problems() -> None:
    found = lint_definition(micro_lesson(), TODAY)
    assert found.problems == [] and found.campaign is not None


def test_every_error_is_named_by_its_yaml_path_chinese_first() -> None:
    spec = micro_lesson()
    levels = spec["review_levels"]
    levels[1]["outcome"]["award_cap"] = 60  # typed as a percentage
    levels[0]["unit_level"] = "town"
    spec["materials"][0]["video"]["frame_rate"] = "thirty"
    del spec["issuer"]
    found = lint_definition(spec, TODAY)
    by_path = {p.path: p for p in found.errors}
    assert set(by_path) == {
        "review_levels[1].outcome.award_cap",
        "review_levels[0].unit_level",
        "materials[0].video.frame_rate",
        "issuer",
    }
    assert by_path["review_levels[1].outcome.award_cap"].message_zh == "数值过大（须≤1）"
    assert by_path["issuer"].message_zh == "缺少必填项"
    assert by_path["materials[0].video.frame_rate"].message_zh == "类型不对"
    assert "less than or equal to 1" in by_path["review_levels[1].outcome.award_cap"].message_en


def test_a_rule_of_the_whole_campaign_is_named_where_it_applies() -> None:
    spec = micro_lesson()
    spec["upload_window"] = {"starts": "2025-04-30", "ends": "2025-03-01"}
    (window,) = lint_definition(spec, TODAY).errors
    assert window.path == "upload_window"
    assert window.message_zh == "窗口结束日期 2025-03-01 早于开始日期 2025-04-30"
    spec = micro_lesson()
    spec["publication_targets"] = [{"key": "site", "name": "市平台", "level": "county"}]
    (target,) = lint_definition(spec, TODAY).errors
    assert target.path == "publication_targets[0]"
    assert "没有评审级别“county”" in target.message_zh and "no review level 'county'" in target.message_en


def test_unknown_fields_and_private_fields_sent_out_are_errors() -> None:
    spec = micro_lesson()
    spec["titel"] = "typo"
    spec["materials"][0]["video"]["fps"] = 30
    assert paths(lint_definition(spec, TODAY).errors) == ["titel", "materials[0].video.fps"]
    spec = micro_lesson()
    spec["publication_targets"] = [{"key": "site", "name": "市平台", "fields": ["title", "name"]}]
    (problem,) = lint_definition(spec, TODAY).errors
    assert problem.path == "publication_targets[0].fields"
    assert problem.message_zh.startswith("“name”不是公开字段")


def test_suspicious_settings_are_warnings_not_errors() -> None:
    spec = micro_lesson()
    levels = spec["review_levels"]
    levels[1]["public_notice_days"] = 0
    levels[1]["outcome"].pop("award_cap")
    levels[1]["window"] = {"starts": "2025-04-01", "ends": "2025-04-10"}  # before uploads close
    levels[0]["reviewers_per_entry"] = 1
    spec["naming_rule"] = "{title}—{school}"
    spec["publication_targets"] = [{"key": "site", "name": "市平台"}]
    found = lint_definition(spec, date(2025, 5, 2))  # after the upload window closed
    assert found.errors == [] and found.campaign is not None
    assert paths(found.problems) == [
        "upload_window.ends",
        "naming_rule",
        "review_levels[0].reviewers_per_entry",
        "review_levels[1].public_notice_days",
        "review_levels[1].window.starts",
        "review_levels[1].outcome.award_cap",
        "publication_targets[0].url",
    ]
    assert "公示期为 0 天" in found.problems[3].message_zh
    assert "{school} 不是报名表字段" in found.problems[1].message_zh


def test_every_shipped_preset_lints_without_errors() -> None:
    for preset in list_presets():
        found = lint_yaml((PRESET_DIR / f"{preset}.yaml").read_text(encoding="utf-8"), TODAY)
        assert found.errors == [], preset


def test_the_command_exits_0_1_2_for_clean_problems_unreadable(tmp_path: Path) -> None:
    runner = CliRunner()
    clean, bad, broken = tmp_path / "clean.yaml", tmp_path / "bad.yaml", tmp_path / "broken.yaml"
    clean.write_text(yaml.safe_dump(micro_lesson() | {"upload_window": None}, allow_unicode=True))
    bad.write_text("id: Micro\ntitle: 微课\n", encoding="utf-8")
    broken.write_text("id: [\n", encoding="utf-8")
    assert runner.invoke(campaign_app, ["lint", str(clean)]).exit_code == 0
    problems = runner.invoke(campaign_app, ["lint", str(bad)])
    assert problems.exit_code == 1
    assert "issuer: [错误 error] 缺少必填项 / Field required" in problems.output
    assert "id: [错误 error] 格式不符" in problems.output
    assert "2 个错误" not in problems.output and "3 个错误" in problems.output
    assert runner.invoke(campaign_app, ["lint", str(broken)]).exit_code == 2
    assert runner.invoke(campaign_app, ["lint", str(tmp_path / "none.yaml")]).exit_code == 2


def test_lint_and_load_agree_on_notifications_and_on_every_preset() -> None:
    """One check for both: what the builder lints clean, intake saves; what intake refuses, lint names."""
    spec = micro_lesson() | {"notifications": {"sms_templates": {"no_such_kind": "SMS_1"}}}
    text = yaml.safe_dump(spec, allow_unicode=True)
    (problem,) = lint_yaml(text, TODAY).errors
    assert problem.path == "notifications.sms_templates" and "未知消息类型" in problem.message_zh
    with pytest.raises(InvalidCampaign) as refused:
        load_campaign_yaml(text)
    assert refused.value.problems == [problem.text()]
    for preset in list_presets():
        text = (PRESET_DIR / f"{preset}.yaml").read_text(encoding="utf-8")
        assert lint_yaml(text, TODAY).campaign == load_campaign_yaml(text), preset


def alias_bomb(levels: int = 7) -> str:
    """About 400 bytes whose aliases, expanded, are ten million nodes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (alias_bomb(), "YAML 展开别名后超过 50000 个节点"),
        ("id: " + "[" * 5000 + "]" * 5000 + "\n", "YAML 嵌套超过 64 层"),
        ("a: &a\n  b: *a\n", "YAML 别名引用了包含它自身的节点"),
    ],
    ids=["alias-bomb", "deep-nesting", "recursive-alias"],
)
def test_an_alias_bomb_or_deep_nesting_is_unreadable_yaml_for_lint_load_and_the_command(
    tmp_path: Path, text: str, said: str
) -> None:
    found = lint_yaml(text, TODAY)
    (problem,) = found.problems
    assert not found.readable and problem.path == "(yaml)" and problem.message_zh.startswith(said)
    with pytest.raises(InvalidCampaign) as refused:
        load_campaign_yaml(text)
    assert refused.value.problems == [problem.text()]
    path = tmp_path / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    printed = CliRunner().invoke(campaign_app, ["lint", str(path)])
    assert printed.exit_code == 2 and f"(yaml): [错误 error] {said}" in printed.output


def test_the_presets_aliases_still_read() -> None:
    """Shanxi's tiers are anchored once and aliased (&tiers30, *tiers25): aliases are not banned."""
    text = (PRESET_DIR / "shanxi-xuexi-2019.yaml").read_text(encoding="utf-8")
    assert "*tiers25" in text
    assert lint_yaml(text, TODAY).data == yaml.safe_load(text)


def test_nesting_reached_through_an_alias_counts_and_a_merge_key_still_reads() -> None:
    deep = "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n"
    (problem,) = lint_yaml(deep, TODAY).problems
    assert problem.path == "(yaml)" and problem.message_zh.startswith("YAML 嵌套超过 64 层")
    merged = lint_yaml("base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n", TODAY)
    assert merged.readable and merged.data["c"] == {"x": 1, "y": 2}


def test_a_forms_definition_nested_too_deep_is_refused_before_anything_recurses_into_it() -> None:
    from services.intake.builder_api import Definition, _checked

    deep: Any = []
    for _ in range(900):  # as deep as a JSON body reaches (FastAPI's parser stops near 1000)
        deep = [deep]
    checked = _checked(Definition(definition={**micro_lesson(), "extra": deep}))
    assert [(p.path, p.message_zh) for p in checked.problems] == [("(campaign)", "定义嵌套超过 64 层")]
    assert checked.definition is None and checked.definition_yaml is None
    assert lint_definition(micro_lesson(), TODAY).problems == []
