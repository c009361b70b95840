"""Platforms that misbehave: 500s, 429 with Retry-After, time-outs, answering twice, async failure.

Each test asserts what reached the stand-in (one copy per work), the tries the
publisher recorded, and the ``published`` events on the topic."""

import itertools
from datetime import datetime
from uuid import uuid4

import httpx

from services.common.settings import Settings
from tests.integration.publisher.harness import (
    campaign_with,
    delivery,
    produce,
    read_published,
    reviewed,
    settled,
    target,
)
from zhengji.standin import StandIn, serving


async def test_500s_are_retried_until_the_platform_takes_the_work_once(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(fail_first=2, fail_status=500)) as platform:
        cid = await campaign_with(kafka, [target("alpha", platform.url("/alpha"))])
        work = reviewed(cid, 1)
        await produce(kafka, work)
        pubs = await settled(api, work.submission_id, {"alpha": "published"})

    assert [r["status"] for r in platform.log] == [500, 500, 201]
    assert len(platform.received) == 1 and {r["key"] for r in platform.log} == {f"{work.submission_id}:alpha"}
    assert pubs["alpha"]["remote_id"] == "alpha-1"
    job = await delivery(api, f"{work.submission_id}:alpha")
    assert [t["status"] for t in job["tries"]] == [500, 500, 201] and job["state"] == "done"
    (event,) = await read_published(kafka, 1)
    assert event["status"] == "published" and event["attempts"] == 3 and event["remote_id"] == "alpha-1"
    assert event["target_name"] == "平台alpha" and event["causation_id"] == str(work.event_id)


async def test_429_waits_as_long_as_retry_after_says_and_does_not_trip_the_circuit(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(script=["429", "429"], retry_after="1")) as platform:
        cid = await campaign_with(kafka, [target("alpha", platform.url("/alpha"))])
        work = reviewed(cid, 1)
        await produce(kafka, work)
        await settled(api, work.submission_id, {"alpha": "published"})

    job = await delivery(api, f"{work.submission_id}:alpha")
    assert [t["status"] for t in job["tries"]] == [429, 429, 201]
    at = [datetime.fromisoformat(t["at"]) for t in job["tries"]]
    # Backoff alone is capped at 0.3 s here: these gaps are the platform's Retry-After.
    assert all((b - a).total_seconds() >= 1 for a, b in itertools.pairwise(at))
    assert len(platform.received) == 1
    circuits = (await api.get("/api/publisher/circuits")).json()
    assert all(c["state"] == "closed" and not c.get("times_opened") for c in circuits)
    (event,) = await read_published(kafka, 1)
    assert event["status"] == "published" and event["attempts"] == 3


async def test_a_time_out_after_the_platform_stored_the_work_makes_no_second_copy(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(script=["hang"], hang_s=2)) as platform:
        cid = await campaign_with(kafka, [target("alpha", platform.url("/alpha"), timeout_s=0.5)])
        work = reviewed(cid, 1)
        await produce(kafka, work)
        pubs = await settled(api, work.submission_id, {"alpha": "published"})

    job = await delivery(api, f"{work.submission_id}:alpha")
    assert job["tries"][0]["status"] is None and "timed out" in job["tries"][0]["error"]
    assert job["tries"][-1]["status"] == 201
    # The retry carried the same Idempotency-Key: the platform answered with the work it already had.
    assert len(platform.received) == 1 and len(platform.works) == 1
    assert pubs["alpha"]["remote_id"] == "alpha-1"
    events = await read_published(kafka, 1)
    assert [e["status"] for e in events] == ["published"]


async def test_a_platform_that_answers_twice_with_409_the_second_time_has_the_work_once(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(script=["hang"], hang_s=2, conflict_on_repeat=True)) as platform:
        cid = await campaign_with(kafka, [target("alpha", platform.url("/alpha"), timeout_s=0.5)])
        work = reviewed(cid, 1)
        await produce(kafka, work)
        pubs = await settled(api, work.submission_id, {"alpha": "published"})
        statuses = [r["status"] for r in platform.log]

    assert 409 in statuses and len(platform.received) == 1
    assert pubs["alpha"]["remote_id"] == "alpha-1"
    events = await read_published(kafka, 1)
    assert [(e["status"], e["remote_id"]) for e in events] == [("published", "alpha-1")]


async def test_the_same_review_twice_and_a_changed_award_send_one_copy_and_one_update(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn()) as platform:
        cid = await campaign_with(kafka, [target("alpha", platform.url("/alpha"))])
        work = reviewed(cid, 1)
        await produce(kafka, work, work)  # redelivered by the broker: same event_id
        await settled(api, work.submission_id, {"alpha": "published"})
        await produce(kafka, work)  # and again after its events went out: they go out again, same ids
        changed = work.model_copy(update={"event_id": uuid4(), "award_tier": "一等奖"})
        await produce(kafka, changed)
        events = await read_published(kafka, 2)

    assert platform.requests == 1 and len(platform.received) == 1
    assert [(u["id"], u["body"].get("metadata", {}).get("award_tier")) for u in platform.updated] == [
        ("alpha-1", "一等奖")
    ]
    assert [(e["status"], e["award_tier"]) for e in events] == [
        ("published", "优秀资源奖"),
        ("published", "一等奖"),
    ]
    pubs = (await api.get(f"/api/publisher/submissions/{work.submission_id}/publications")).json()
    assert [p["award_tier"] for p in pubs] == ["一等奖"]
