"""What an entrant's page is told about the files an entry is made of."""

from typing import Any

from services.intake.presets import load_preset
from services.intake.views import submission_view

SHANXI = load_preset("shanxi-xuexi-2019")


def bailing(**fields: Any) -> dict[str, Any]:
    return {
        "_id": "S1",
        "campaign_id": SHANXI.id,
        "stage": "registered",
        "series": "bailing",
        "form": {"series": "百灵短视频音频", "title": "塞上百灵"},
        **fields,
    }


def flags(view: dict[str, Any]) -> dict[str, tuple[bool, bool, bool]]:
    return {m["key"]: (m["required"], m["one_of"], m["uploaded"]) for m in view["required_materials"]}


def test_a_video_or_an_audio_work_is_asked_for_as_one_of_two_and_the_synopsis_as_required() -> None:
    # (required, one of several, uploaded)
    assert flags(submission_view(bailing(), SHANXI)) == {
        "video": (False, True, False),
        "audio": (False, True, False),
        "synopsis": (True, False, False),
    }


def test_an_entry_sent_as_audio_does_not_show_the_video_as_uploaded() -> None:
    held = {"audio": {"files": [{"blob": {}, "filename": "百灵.m4a"}]}}
    sent = bailing(stage="validating", version=1, work="audio", materials=held)
    assert flags(submission_view(sent, SHANXI))["video"] == (False, True, False)
    assert flags(submission_view(sent, SHANXI))["audio"] == (False, True, True)


def test_a_series_whose_work_is_required_asks_for_it_alone() -> None:
    quiz = bailing(series="quiz", form={"series": "强国问答", "title": "党史知识问答"})
    assert flags(submission_view(quiz, SHANXI)) == {"questions": (True, False, False)}
