"""What a ``reviewed`` event delivers: a record and a publish job per qualifying target, an update
of a copy already out when the award changed, and nothing twice; on a fake store."""

from datetime import UTC, datetime

import pytest

from contracts import Attribution, EntryInfo, SubmissionReviewed
from services.intake.presets import load_preset
from services.publisher.publications import PENDING, PUBLISHED, RETRACTED, queue_deliveries
from tests.unit.fakes import FakeDeliveryStore

YANBIAN = load_preset("yanbian-2024")  # two award-only targets at the prefecture; one from 2024-12-15


def reviewed(tier: str | None = "一等奖", level: str = "prefecture") -> SubmissionReviewed:
    return SubmissionReviewed(
        submission_id="S1",
        campaign_id=YANBIAN.id,
        correlation_id="S1:v1",
        producer="review",
        entry=EntryInfo(title="长白山的故事"),
        attribution=Attribution(unit_code="222401001", unit_name="延吉市第一小学", author="金英姬"),
        level=level,
        outcome="awarded" if tier else "recommended",
        award_tier=tier,
    )


@pytest.fixture
def store() -> FakeDeliveryStore:
    return FakeDeliveryStore()


async def test_an_award_queues_a_record_and_a_publish_job_per_target(store: FakeDeliveryStore) -> None:
    await queue_deliveries(store, YANBIAN, reviewed())

    assert set(store.publications) == {"S1:yanbian_platform", "S1:sizheng_library"}
    assert {p.status for p in store.publications.values()} == {PENDING}
    assert set(store.queued) == set(store.publications)
    assert {d.payload["action"] for d in store.queued.values()} == {"publish"}
    # Nothing goes out before the notice's showcase_from (12-15, midnight in China): not the platform
    # (its publish_at is that day too), and not the library, which names no date of its own.
    assert store.queued["S1:yanbian_platform"].not_before == datetime(2024, 12, 14, 16, tzinfo=UTC)
    assert store.queued["S1:sizheng_library"].not_before == datetime(2024, 12, 14, 16, tzinfo=UTC)


async def test_the_record_keeps_the_public_facts_of_the_event_that_queued_it(
    store: FakeDeliveryStore,
) -> None:
    event = reviewed()
    await queue_deliveries(store, YANBIAN, event)

    record = store.publications["S1:sizheng_library"]
    assert (record.entry["title"], record.award_tier, record.level) == (
        "长白山的故事",
        "一等奖",
        "prefecture",
    )
    assert record.review_event_id == str(event.event_id)
    assert record.target_name == "延边州思政教育资源库"


async def test_a_recommendation_without_an_award_or_at_a_lower_level_delivers_nothing(
    store: FakeDeliveryStore,
) -> None:
    await queue_deliveries(store, YANBIAN, reviewed(tier=None))
    await queue_deliveries(store, YANBIAN, reviewed(level="county"))

    assert store.publications == {} and store.queued == {}


async def test_the_same_event_again_queues_nothing_new(store: FakeDeliveryStore) -> None:
    event = reviewed()
    await queue_deliveries(store, YANBIAN, event)
    before = dict(store.queued)
    store.publications["S1:sizheng_library"].status = PUBLISHED

    await queue_deliveries(store, YANBIAN, event)

    assert store.queued == before


async def test_a_changed_award_updates_a_published_copy_and_leaves_the_rest(store: FakeDeliveryStore) -> None:
    await queue_deliveries(store, YANBIAN, reviewed("二等奖"))
    store.publications["S1:sizheng_library"].status = PUBLISHED
    store.publications["S1:yanbian_platform"].status = RETRACTED
    changed = reviewed("一等奖")

    await queue_deliveries(store, YANBIAN, changed)

    update_id = f"S1:sizheng_library:update:{changed.event_id}"
    assert set(store.queued) == {"S1:yanbian_platform", "S1:sizheng_library", update_id}
    update = store.queued[update_id].payload
    assert (update["action"], update["publication_id"]) == ("update", "S1:sizheng_library")
    assert SubmissionReviewed.model_validate_json(update["event"]).award_tier == "一等奖"
