"""The entrant-facing status: which stage a submission shows, and that it never goes backwards."""

from datetime import UTC, datetime

import pytest

from contracts import (
    AnyEvent,
)
from services.intake.status import STAGE_LABELS, progress_key, stage_of, timeline_entry
from tests.unit.samples import published, reviewed, submitted, transcoded, validated


def fold(events: list[AnyEvent]) -> str:
    """What intake's on_event does with the events in arrival order: the stage shown to the entrant."""
    stage, current = "registered", None
    for event in events:
        key = list(progress_key(event))  # stored as a list; lists compare lexicographically
        if current is None or key > current:
            stage, current = stage_of(event), key
    return stage


@pytest.mark.parametrize(
    ("event", "stage"),
    [
        (submitted(), "validating"),
        (validated(passed=True), "transcoding"),
        (validated(passed=False), "failed_validation"),
        (transcoded(succeeded=True), "in_review"),
        (transcoded(succeeded=False), "transcode_failed"),
        (reviewed("recommended"), "recommended"),
        (reviewed("not_recommended"), "not_recommended"),
        (reviewed("awarded"), "awarded"),
        (published("published"), "published"),
        (published("retracted"), "retracted"),
        (published("failed"), "publish_failed"),
    ],
)
def test_stage_of_each_event(event: AnyEvent, stage: str) -> None:
    assert stage_of(event) == stage


def test_stages_in_order_move_forward() -> None:
    assert fold([submitted(), validated(), transcoded(), reviewed(), published()]) == "published"


def test_validated_arriving_after_transcoded_does_not_move_the_stage_back() -> None:
    # validated and transcoded come on different topics, so the later stage can arrive first
    assert fold([submitted(), transcoded(minute=2), validated(minute=1)]) == "in_review"


def test_stage_rank_wins_over_a_skewed_clock() -> None:
    # the validator's clock runs ahead of the transcoder's: the stage still does not go back
    assert fold([submitted(), transcoded(minute=2), validated(minute=9)]) == "in_review"


def test_a_resubmission_moves_past_the_earlier_versions_later_stages() -> None:
    v1: list[AnyEvent] = [submitted(1, 0), validated(True, 1, 1), transcoded(False, 1, 2)]
    assert fold(v1) == "transcode_failed"
    assert fold([*v1, submitted(2, 10)]) == "validating"
    assert fold([*v1, submitted(2, 10), validated(True, 2, 11)]) == "transcoding"


def test_a_late_event_of_the_old_version_does_not_override_the_new_one() -> None:
    events: list[AnyEvent] = [
        submitted(1, 0),
        validated(False, 1, 1),
        submitted(2, 10),
        transcoded(True, 1, 2),
    ]
    assert fold(events) == "validating"


def test_a_later_review_level_replaces_the_earlier_one() -> None:
    county, prefecture = reviewed("recommended", "county", 3), reviewed("awarded", "prefecture", 30)
    assert fold([submitted(), validated(), transcoded(), county, prefecture]) == "awarded"
    # a redriven county decision arriving again later keeps the prefecture's award
    assert fold([submitted(), validated(), transcoded(), county, prefecture, county]) == "awarded"


def test_progress_key_orders_version_then_stage_then_time() -> None:
    assert progress_key(submitted(2, 0)) > progress_key(published(minute=99))
    assert progress_key(transcoded(minute=2)) > progress_key(validated(minute=50))
    assert progress_key(reviewed(minute=30)) > progress_key(reviewed(minute=3))


def test_an_event_read_back_is_not_newer_than_the_key_stored_from_it() -> None:
    # Intake stores an upload's key, then reads the upload's event off the bus; the store keeps
    # its time to the millisecond.
    at = datetime(2026, 12, 8, 0, 39, 58, 868_731, tzinfo=UTC)
    event = submitted().model_copy(update={"occurred_at": at})
    stored = [event.entry.version, 1, datetime(2026, 12, 8, 0, 39, 58, 868_000, tzinfo=UTC)]

    assert list(progress_key(event)) == stored
    assert progress_key(validated()) > progress_key(event)


def test_timeline_entry_of_a_failed_check_carries_both_labels_and_the_findings() -> None:
    event = validated(passed=False)
    entry = timeline_entry(event)
    assert entry["stage"] == "failed_validation"
    assert entry["label_zh"] == "技术检测未通过"
    assert entry["label_en"] == "failed the technical check"
    assert entry["version"] == 1
    assert entry["event_id"] == str(event.event_id)
    assert entry["passed"] is False
    assert [f["message_zh"] for f in entry["findings"]] == ["帧率应为25帧/秒"]


def test_timeline_entry_of_an_award() -> None:
    entry = timeline_entry(reviewed("awarded", "prefecture"))
    assert (entry["label_zh"], entry["label_en"]) == ("获奖", "awarded")
    assert entry["award_tier"] == "优秀资源奖"
    assert entry["level"] == "prefecture"


@pytest.mark.parametrize(
    "event",
    [
        submitted(),
        validated(True),
        validated(False),
        transcoded(True),
        transcoded(False),
        reviewed("recommended"),
        reviewed("not_recommended"),
        reviewed("awarded"),
        published("published"),
        published("retracted"),
        published("failed"),
    ],
)
def test_every_stage_has_a_chinese_and_an_english_label(event: AnyEvent) -> None:
    entry = timeline_entry(event)
    assert entry["label_zh"] == STAGE_LABELS[stage_of(event)][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in entry["label_zh"])
    assert entry["label_en"].isascii() and entry["label_en"]
