"""A level that both awards and recommends (Hunan's city level) still reaches award-only targets."""

from contracts import Attribution, EntryInfo, SubmissionReviewed
from services.intake.presets import load_preset
from services.publisher.targets import qualifying_targets


def _reviewed(outcome: str, tier: str | None) -> SubmissionReviewed:
    return SubmissionReviewed(
        submission_id="S1",
        campaign_id="yanbian-2024",
        correlation_id="S1:v1",
        producer="review",
        entry=EntryInfo(title="t"),
        attribution=Attribution(unit_code="u", unit_name="n"),
        level="prefecture",
        outcome=outcome,
        award_tier=tier,
    )


def test_an_entry_recommended_up_with_a_tier_counts_as_awarded() -> None:
    campaign = load_preset("yanbian-2024")
    keys = {t.key for t in qualifying_targets(campaign, _reviewed("recommended", "优秀资源奖"))}
    assert keys == {"yanbian_platform", "sizheng_library"}


def test_a_plain_recommendation_does_not_reach_award_only_targets() -> None:
    campaign = load_preset("yanbian-2024")
    assert qualifying_targets(campaign, _reviewed("recommended", None)) == []
