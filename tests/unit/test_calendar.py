"""The campaign calendar: every date a notice names is a day in the campaign's zone, not UTC's."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from contracts.calendar import campaign_today, day_starts, to_campaign_time, window_state
from contracts.campaign import Campaign, ReviewLevel, Window
from services.intake.presets import load_preset
from services.intake.window import upload_refusal
from services.review.rounds import open_level
from tests.unit.fakes import FakeRoundStore, RecordingAudit

# 01:00 on 1 March in Beijing is still 28 February in UTC.
BEIJING_1AM_MARCH_1 = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def liaoning() -> Campaign:
    return load_preset("liaoning-micro-party-lesson-2023")


def opening_on_march_1(level: ReviewLevel) -> ReviewLevel:
    return level.model_copy(update={"window": Window(starts=date(2026, 3, 1), ends=date(2026, 3, 10))})


async def opening_warnings(campaign: Campaign, now: datetime) -> list[dict[str, str]]:
    """The warnings of opening the campaign's first level at ``now``, on a fake store."""
    level = opening_on_march_1(campaign.review_levels[0])
    shifted = campaign.model_copy(update={"review_levels": [level, *campaign.review_levels[1:]]})
    answer = await open_level(
        FakeRoundStore([]), RecordingAudit(), shifted, level.key, {"role": "chair"}, now
    )
    warnings: list[dict[str, str]] = answer["warnings"]
    return warnings


async def test_a_review_window_is_open_at_1am_beijing_on_its_first_day(liaoning: Campaign) -> None:
    assert campaign_today(liaoning, BEIJING_1AM_MARCH_1) == date(2026, 3, 1)
    assert await opening_warnings(liaoning, BEIJING_1AM_MARCH_1) == [], "not judged by the UTC date"


async def test_a_review_window_not_yet_open_is_warned_about(liaoning: Campaign) -> None:
    beijing_11pm_feb_28 = datetime(2026, 2, 28, 15, 0, tzinfo=UTC)
    (warning,) = await opening_warnings(liaoning, beijing_11pm_feb_28)
    assert "2026-03-01" in warning["message_zh"] and warning["message_en"].startswith("today is outside")


def test_the_zone_comes_from_the_campaign() -> None:
    yanbian = Campaign.model_validate(
        {**load_preset("yanbian-2024").model_dump(), "time_zone": "Asia/Urumqi"}
    )
    window = Window(starts=date(2026, 3, 1))
    # 17:00 UTC is 23:00 in Ürümqi (UTC+6): still 28 February there, though 1 March in Beijing.
    assert window_state(window, yanbian, BEIJING_1AM_MARCH_1) == "before"
    assert window_state(window, None, BEIJING_1AM_MARCH_1) == "open", "no campaign: Asia/Shanghai"
    assert day_starts(date(2026, 3, 1), yanbian) == datetime(2026, 2, 28, 18, 0, tzinfo=UTC)
    shifted = yanbian.model_copy(update={"upload_window": window})
    refusal = upload_refusal(shifted, BEIJING_1AM_MARCH_1)
    assert refusal is not None and "（Asia/Urumqi时间）" in refusal.zh, "the page names the zone it means"


def test_the_default_zone_is_beijing_and_says_so() -> None:
    yanbian = load_preset("yanbian-2024")
    assert yanbian.time_zone == "Asia/Shanghai"
    closed = yanbian.model_copy(
        update={"upload_window": Window(starts=date(2026, 1, 1), ends=date(2026, 2, 28))}
    )
    refusal = upload_refusal(closed, BEIJING_1AM_MARCH_1)
    assert refusal is not None and refusal.zh.endswith("（北京时间）")


def test_stored_naive_times_are_utc_and_shown_on_the_campaigns_clock() -> None:
    shown = to_campaign_time(datetime(2026, 2, 28, 17, 0))
    assert (shown.date(), shown.hour) == (date(2026, 3, 1), 1)


@pytest.mark.parametrize("zone", ["Beijing", "CST+8", "Asia/Nowhere", "../etc/passwd"])
def test_a_time_zone_that_is_not_an_iana_name_is_refused(zone: str) -> None:
    spec = {**load_preset("yanbian-2024").model_dump(), "time_zone": zone}
    with pytest.raises(ValidationError, match="未知时区"):
        Campaign.model_validate(spec)
