"""Live changes of a running campaign (decision 0027): a unit's extension, what a change may not
rewrite, review windows enforced in the campaign's own calendar, and showcase_from held."""

from datetime import UTC, date, datetime

import pytest

from contracts.campaign import Campaign
from services.common.errors import ServiceError
from services.intake.live_changes import CampaignChange, Dates, Decided, Extension, changed, refuse_conflicts
from services.intake.presets import load_preset
from services.intake.window import upload_refusal
from services.publisher.showcase_schedule import hold
from services.review.scoring_window import scoring_refusal

YANJI, TUMEN = ["22", "2224", "222401", "222401001"], ["22", "2224", "222402", "222402001"]
# 07:00 on 21 November in Beijing: still 20 November in UTC, the day after the window closed.
BEIJING_7AM_NOV_21 = datetime(2024, 11, 20, 23, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def yanbian() -> Campaign:
    return load_preset("yanbian-2024")  # uploads 2024-03-01 to 11-20, Beijing time


def extended(campaign: Campaign, unit: str, ends: date) -> Campaign:
    change = CampaignChange(reason="图们市网络故障", unit_extension=Extension(unit=unit, ends=ends))
    return changed(campaign, change)[0]


def test_a_countys_extension_opens_uploads_for_its_schools_only(yanbian: Campaign) -> None:
    later = extended(yanbian, "222402", date(2024, 11, 27))
    assert later.live.revision == 2
    assert upload_refusal(later, BEIJING_7AM_NOV_21, TUMEN) is None
    refused = upload_refusal(later, BEIJING_7AM_NOV_21, YANJI)
    assert refused is not None and refused.status == 403 and "上传已截止" in refused.zh
    after = datetime(2024, 11, 27, 16, 0, tzinfo=UTC)  # 28 November in Beijing
    assert upload_refusal(later, after, TUMEN) is not None


def test_a_change_records_what_it_changed_and_refuses_an_empty_one(yanbian: Campaign) -> None:
    change = CampaignChange(reason="延期", showcase_from=date(2024, 12, 20))
    after, diff = changed(yanbian, change)
    assert after.showcase_from == date(2024, 12, 20)
    assert diff == [{"field": "showcase_from", "before": "2024-12-15", "after": "2024-12-20"}]
    with pytest.raises(ServiceError) as nothing:
        changed(yanbian, CampaignChange(reason="无改动", showcase_from=yanbian.showcase_from))
    assert nothing.value.status == 422
    with pytest.raises(ServiceError) as unknown:
        changed(
            yanbian,
            CampaignChange(reason="写错级别", review_windows={"nation": Dates(starts=date(2024, 1, 1))}),
        )
    assert unknown.value.status == 422 and "nation" in unknown.value.zh


def test_a_finalised_level_keeps_its_award_settings_and_window(yanbian: Campaign) -> None:
    county = yanbian.review_levels[0]
    change = CampaignChange(reason="多推荐一件", outcomes={"county": {"recommend_top": 4}})
    after, _ = changed(yanbian, change)
    refuse_conflicts(yanbian, after, Decided())  # not final yet: allowed
    with pytest.raises(ServiceError) as refused:
        refuse_conflicts(yanbian, after, Decided(final_levels={county.key}))
    assert refused.value.status == 422 and "县区评审已定稿" in refused.value.zh
    # The upload window cannot move either: entries sent now could never be reviewed by the county.
    later = extended(yanbian, "222402", date(2024, 11, 27))
    with pytest.raises(ServiceError):
        refuse_conflicts(yanbian, later, Decided(final_levels={county.key}))


def test_a_sent_publication_keeps_its_date(yanbian: Campaign) -> None:
    sent = datetime(2024, 12, 15, 2, 0, tzinfo=UTC)
    decided = Decided(first_sent={"sizheng_library": sent})
    later, _ = changed(yanbian, CampaignChange(reason="推迟展示", showcase_from=date(2024, 12, 20)))
    with pytest.raises(ServiceError) as refused:
        refuse_conflicts(yanbian, later, decided)
    assert "已有作品于2024-12-15发布到“延边州思政教育资源库”" in refused.value.zh
    earlier, _ = changed(yanbian, CampaignChange(reason="提前展示", showcase_from=date(2024, 12, 10)))
    refuse_conflicts(yanbian, earlier, decided)  # what went out stays consistent with an earlier date


def test_scoring_is_refused_outside_the_window_in_the_campaigns_calendar(yanbian: Campaign) -> None:
    """The county window is 11-20 to 11-25: at 07:00 on 11-26 in Beijing (still 11-25 in UTC) it
    has closed, until the chair records a late-scoring override on the round."""
    rnd = {"level": "county"}
    assert scoring_refusal(yanbian, rnd, datetime(2024, 11, 24, 23, 0, tzinfo=UTC)) is None
    closed = scoring_refusal(yanbian, rnd, datetime(2024, 11, 25, 23, 0, tzinfo=UTC))
    assert closed is not None and closed.status == 403 and "已结束" in closed.zh and "北京时间" in closed.zh
    overridden = {**rnd, "late_scoring": {"reason": "专家因雪延误"}}
    assert scoring_refusal(yanbian, overridden, datetime(2024, 11, 25, 23, 0, tzinfo=UTC)) is None


def test_a_yanbian_work_waits_for_showcase_from_then_goes(yanbian: Campaign) -> None:
    library = next(t for t in yanbian.publication_targets if t.key == "sizheng_library")  # no date of its own
    waiting = hold(yanbian, library, datetime(2024, 12, 14, 15, 59, tzinfo=UTC))
    assert waiting is not None and waiting.at == datetime(2024, 12, 14, 16, 0, tzinfo=UTC)
    assert hold(yanbian, library, datetime(2024, 12, 14, 16, 0, tzinfo=UTC)) is None
