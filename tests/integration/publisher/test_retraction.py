"""Retracting a work: the platform's copy is deleted by its remote id, and everyone is told."""

from datetime import UTC, datetime, timedelta

import httpx

from services.common.settings import Settings
from tests.integration.publisher.harness import (
    campaign_with,
    produce,
    read_published,
    reviewed,
    settled,
    target,
)
from zhengji.standin import StandIn, serving


async def test_a_published_work_is_retracted_per_target_then_everywhere(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn()) as platform:
        cid = await campaign_with(kafka, [target("a", platform.url("/a")), target("b", platform.url("/b"))])
        work, kept = reviewed(cid, 1), reviewed(cid, 2)
        sid = work.submission_id
        await produce(kafka, work, kept)
        await settled(api, sid, {"a": "published", "b": "published"})
        await settled(api, kept.submission_id, {"a": "published", "b": "published"})

        one = await api.post(
            f"/api/publisher/submissions/{sid}/targets/b/retract", json={"reason": "版权投诉"}
        )
        assert one.status_code == 202, one.text
        await settled(api, sid, {"a": "published", "b": "retracted"})
        every = await api.post(f"/api/publisher/submissions/{sid}/retract", json={"reason": "奖项撤销"})
        assert every.status_code == 202
        pubs = await settled(api, sid, {"a": "retracted", "b": "retracted"})
        repeated = await api.post(f"/api/publisher/submissions/{sid}/retract", json={"reason": "奖项撤销"})
        events = await read_published(kafka, 6)

    assert repeated.status_code == 202
    remote = {t: p["remote_id"] for t, p in pubs.items()}
    # Exactly one DELETE per platform copy, by the id the platform gave, with the reason.
    assert sorted((r["id"], r["body"]["reason"]) for r in platform.retracted) == sorted(
        [(remote["b"], "版权投诉"), (remote["a"], "奖项撤销")]
    )
    assert pubs["b"]["retract_reason"] == "版权投诉"
    retracted = [(e["target"], e["remote_id"], e["reason"]) for e in events if e["status"] == "retracted"]
    assert sorted(retracted) == sorted([("b", remote["b"], "版权投诉"), ("a", remote["a"], "奖项撤销")])
    assert all(e["submission_id"] == sid for e in events if e["status"] == "retracted")
    assert len(platform.received) == 4  # two works on two targets, nothing sent again


async def test_a_scheduled_work_is_withdrawn_before_it_ever_reaches_the_platform(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    later = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    async with serving(StandIn()) as platform:
        cid = await campaign_with(kafka, [target("a", platform.url("/a"), publish_at=later)])
        work = reviewed(cid, 1)
        await produce(kafka, work)
        pubs = await settled(api, work.submission_id, {"a": "pending"})
        job = (await api.get(f"/api/publisher/deliveries/{work.submission_id}:a")).json()
        assert job["state"] == "queued" and job["not_before"].startswith(pubs["a"]["not_before"][:10])

        answer = await api.post(
            f"/api/publisher/submissions/{work.submission_id}/retract", json={"reason": "撤稿"}
        )
        assert answer.status_code == 202
        await settled(api, work.submission_id, {"a": "retracted"})
        (event,) = await read_published(kafka, 1)

    assert platform.requests == 0 and platform.retracted == []
    assert (await api.get(f"/api/publisher/deliveries/{work.submission_id}:a")).json()["state"] == "cancelled"
    assert event["status"] == "retracted" and event["remote_id"] is None and event["reason"] == "撤稿"


async def test_bad_retraction_requests_get_clear_errors(api: httpx.AsyncClient) -> None:
    missing = await api.post("/api/publisher/submissions/S404/retract", json={"reason": "x"})
    assert missing.status_code == 404 and "没有发布记录" in missing.json()["detail"]["message_zh"]
    assert (await api.post("/api/publisher/submissions/S404/retract", json={"reason": ""})).status_code == 422
    assert (await api.post("/api/publisher/submissions/S404/retract", json={})).status_code == 422
