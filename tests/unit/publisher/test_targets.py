"""Which targets a review outcome qualifies for, from when, and which platform they are on."""

from datetime import UTC, date, datetime

from contracts import Attribution, EntryInfo, SubmissionReviewed
from contracts.campaign import PublicationTarget
from services.intake.presets import load_preset
from services.publisher.targets import not_before, platform_of, qualifying_targets


def reviewed(level: str, outcome: str) -> SubmissionReviewed:
    return SubmissionReviewed(
        submission_id="S1",
        campaign_id="c",
        correlation_id="S1:v1",
        producer="review",
        entry=EntryInfo(title="t"),
        attribution=Attribution(unit_code="1", unit_name="u"),
        level=level,
        outcome=outcome,
    )


def test_only_the_qualifying_outcome_at_the_qualifying_level() -> None:
    yanbian = load_preset("yanbian-2024")
    keys = {t.key for t in qualifying_targets(yanbian, reviewed("prefecture", "awarded"))}
    assert keys == {"yanbian_platform", "sizheng_library"}
    assert qualifying_targets(yanbian, reviewed("county", "awarded")) == []
    assert qualifying_targets(yanbian, reviewed("prefecture", "not_recommended")) == []


def test_a_target_without_a_level_takes_the_last_one() -> None:
    hunan = load_preset("hunan-smart-edu-2022")
    last = hunan.review_levels[-1].key
    unlevelled = [
        t.model_copy(update={"level": None, "qualifies": ["recommended"]}) for t in hunan.publication_targets
    ]
    spec = hunan.model_copy(update={"publication_targets": unlevelled})
    assert qualifying_targets(spec, reviewed(last, "recommended"))
    assert not qualifying_targets(spec, reviewed("__other__", "recommended"))


def test_publish_at_is_midnight_in_the_campaigns_calendar() -> None:
    yanbian = load_preset("yanbian-2024")
    target = PublicationTarget(key="p", name="p", publish_at=date(2024, 12, 15))
    assert not_before(yanbian, target) == datetime(2024, 12, 14, 16, 0, tzinfo=UTC), "Beijing by default"
    assert (
        not_before(yanbian.model_copy(update={"showcase_from": None}), PublicationTarget(key="p", name="p"))
        is None
    )
    # Xinjiang's schools keep Ürümqi time (UTC+6): the same date begins two hours later.
    urumqi = yanbian.model_copy(update={"time_zone": "Asia/Urumqi"})
    assert not_before(urumqi, target) == datetime(2024, 12, 14, 18, 0, tzinfo=UTC)


def test_nothing_goes_out_before_showcase_from_whatever_the_target_says() -> None:
    """Yanbian: 12-15 on. A target with no date of its own waits for it, and so does one whose
    own date is earlier; a later publish_at of its own is kept."""
    yanbian = load_preset("yanbian-2024")
    beijing_dec_15 = datetime(2024, 12, 14, 16, 0, tzinfo=UTC)
    assert not_before(yanbian, PublicationTarget(key="p", name="p")) == beijing_dec_15
    early = PublicationTarget(key="p", name="p", publish_at=date(2024, 12, 1))
    assert not_before(yanbian, early) == beijing_dec_15
    late = PublicationTarget(key="p", name="p", publish_at=date(2025, 1, 2))
    assert not_before(yanbian, late) == datetime(2025, 1, 1, 16, 0, tzinfo=UTC)


def test_targets_on_one_host_share_a_platform_and_its_circuit() -> None:
    assert platform_of("http://127.0.0.1:8001/yanbian") == platform_of("http://127.0.0.1:8001/sizheng/x")
    assert platform_of("http://127.0.0.1:8001/a") != platform_of("http://127.0.0.1:8002/a")
    assert platform_of("HTTPS://Platform.Example.cn/api") == "https://platform.example.cn"
