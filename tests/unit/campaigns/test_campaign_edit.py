"""What saving the builder's edit of an existing campaign does: replaced whole before it opens;
once it runs, one live change when only what a live change may change differs, else refused with
the paths, and nothing saved."""

from datetime import UTC, datetime

from contracts.campaign import Campaign
from services.intake.campaign_edit import differences, plan_edit
from services.intake.live_changes import CampaignChange, Decided
from services.intake.presets import load_preset

NOTHING = Decided()  # no level finalised, nothing sent


def edited(campaign: Campaign, **changes: object) -> Campaign:
    return Campaign.model_validate({**campaign.model_dump(mode="json"), **changes})


def test_differences_are_named_by_path_and_a_resized_list_whole() -> None:
    before = {"a": {"b": 1, "c": [1, 2]}, "d": [1]}
    after = {"a": {"b": 2, "c": [1, 3]}, "d": [1, 2], "e": "new"}
    assert differences(before, after) == [
        {"path": "a.b", "before": 1, "after": 2},
        {"path": "a.c[1]", "before": 2, "after": 3},
        {"path": "d", "before": [1], "after": [1, 2]},
        {"path": "e", "before": None, "after": "new"},
    ]


def test_a_campaign_not_yet_open_is_replaced_whole() -> None:
    yanbian = load_preset("yanbian-2024")
    renamed = edited(yanbian, title="新名称", per_person_limit=3)
    plan = plan_edit(yanbian, renamed, running=False, decided=NOTHING)
    assert plan.road == "replace"
    assert [d["path"] for d in plan.diff] == ["title", "per_person_limit"]


def test_nothing_changed_is_said() -> None:
    yanbian = load_preset("yanbian-2024")
    assert plan_edit(yanbian, edited(yanbian), running=True, decided=NOTHING).road == "unchanged"


def test_a_running_campaigns_dates_and_award_settings_go_as_one_live_change() -> None:
    yanbian = load_preset("yanbian-2024")
    spec = yanbian.model_dump(mode="json")
    spec["upload_window"]["ends"] = "2024-11-30"
    spec["review_levels"][-1]["outcome"]["award_cap"] = 0.45
    spec["publication_targets"][0]["url"] = "https://example.org/api"
    plan = plan_edit(yanbian, Campaign.model_validate(spec), running=True, decided=NOTHING)
    assert plan.road == "live" and plan.refused == []
    last = yanbian.review_levels[-1].key
    target = yanbian.publication_targets[0].key
    assert plan.change is not None
    assert plan.change["upload_window"] == {"starts": str(yanbian.upload_window.starts), "ends": "2024-11-30"}  # type: ignore[union-attr]
    assert plan.change["outcomes"][last]["award_cap"] == 0.45
    assert plan.change["targets"] == {target: {"url": "https://example.org/api"}}
    CampaignChange.model_validate({"reason": "通知更正", **plan.change})


def test_a_running_campaigns_media_rules_or_removed_window_are_refused_with_their_paths() -> None:
    yanbian = load_preset("yanbian-2024")
    spec = yanbian.model_dump(mode="json")
    primary = next(i for i, m in enumerate(spec["materials"]) if m["primary"])
    spec["materials"][primary]["video"]["frame_rate"] = 30
    spec["upload_window"] = None
    spec["showcase_from"] = "2025-01-01"
    plan = plan_edit(yanbian, Campaign.model_validate(spec), running=True, decided=NOTHING)
    assert plan.road == "refused" and plan.change is None
    refused = [r["path"] for r in plan.refused]
    assert refused == [f"materials[{primary}].video.frame_rate", "upload_window"]
    assert plan.refused[0]["message_zh"].startswith("活动已开放或已有作品，此项不能再改")


def test_a_live_edit_that_contradicts_a_finalised_level_or_a_sent_publication_is_refused_at_its_path() -> (
    None
):
    """As the live-change route refuses it (``live_changes.conflicts``): the plan never offers it."""
    yanbian = load_preset("yanbian-2024")
    first, last = yanbian.review_levels[0], yanbian.review_levels[-1]
    spec = yanbian.model_dump(mode="json")
    spec["upload_window"]["ends"] = "2024-11-30"
    spec["review_levels"][-1]["outcome"]["award_cap"] = 0.45
    plan = plan_edit(yanbian, Campaign.model_validate(spec), running=True, decided=Decided({first.key}))
    assert plan.road == "refused" and plan.change is None
    assert [r["path"] for r in plan.refused] == ["upload_window.ends"]
    assert plan.refused[0]["message_zh"] == f"{first.name}已定稿，之后上传的作品无法参评，上传时间不能再改"
    both = plan_edit(
        yanbian, Campaign.model_validate(spec), running=True, decided=Decided({first.key, last.key})
    )
    refused = [r["path"] for r in both.refused]
    assert refused == [
        "upload_window.ends",
        f"review_levels[{len(spec['review_levels']) - 1}].outcome.award_cap",
    ]
    assert both.refused[1]["message_zh"] == f"{last.name}已定稿，其评审时间和评奖设置不能再改"
    assert (
        plan_edit(yanbian, Campaign.model_validate(spec), running=True, decided=Decided({last.key})).road
        == "refused"
    )
    spec = yanbian.model_dump(mode="json")
    spec["publication_targets"][0]["publish_at"] = "2030-01-01"
    target = yanbian.publication_targets[0]
    sent = Decided(first_sent={target.key: datetime(2025, 1, 1, tzinfo=UTC)})
    late = plan_edit(yanbian, Campaign.model_validate(spec), running=True, decided=sent)
    assert [r["path"] for r in late.refused] == ["publication_targets[0].publish_at"]
    assert late.refused[0]["message_zh"] == f"已有作品于2025-01-01发布到“{target.name}”，发布日期不能改到其后"
    assert plan_edit(yanbian, Campaign.model_validate(spec), running=True, decided=NOTHING).road == "live"
