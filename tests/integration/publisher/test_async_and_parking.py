"""Asynchronous platforms (polled until done or failed) and deliveries parked for an admin."""

import httpx

from services.common.settings import Settings
from tests.integration.publisher.harness import (
    campaign_with,
    delivery,
    parked_after_three_tries,
    produce,
    read_published,
    reviewed,
    settled,
    target,
)
from zhengji.standin import StandIn, serving


async def test_an_asynchronous_platform_is_polled_until_it_reports_done(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(async_polls=2)) as platform:
        cid = await campaign_with(
            kafka, [target("alpha", platform.url("/alpha"), poll_url_field="status_url")]
        )
        work = reviewed(cid, 1)
        await produce(kafka, work)
        pubs = await settled(api, work.submission_id, {"alpha": "published"})

    assert [(r["method"], r["status"]) for r in platform.log] == [
        ("POST", 202),
        ("GET", 200),
        ("GET", 200),
        ("GET", 200),
    ]
    assert pubs["alpha"]["remote_id"] == "alpha-1" and pubs["alpha"]["url"].endswith("/works/alpha-1")
    job = await delivery(api, f"{work.submission_id}:alpha")
    assert [t["what"] for t in job["tries"]] == ["send", "poll", "poll", "poll"]
    events = await read_published(kafka, 1)
    assert [(e["status"], e["url"]) for e in events] == [("published", pubs["alpha"]["url"])]


async def test_accepted_then_failed_is_parked_and_an_admin_retry_publishes_it_with_a_new_key(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(async_polls=1, async_result="failed")) as platform:
        cid = await campaign_with(
            kafka, [target("alpha", platform.url("/alpha"), poll_url_field="status_url")]
        )
        work = reviewed(cid, 1)
        delivery_id = f"{work.submission_id}:alpha"
        await produce(kafka, work)
        pubs = await settled(api, work.submission_id, {"alpha": "failed"})
        assert "transcoding failed on the platform" in pubs["alpha"]["reason"]
        parked = (await api.get("/api/publisher/deliveries", params={"state": "failed"})).json()
        assert [d["id"] for d in parked] == [delivery_id]

        platform.async_result = "done"  # the platform fixed its side
        retried = await api.post(f"/api/publisher/deliveries/{delivery_id}/retry")
        assert retried.status_code == 202, retried.text
        pubs = await settled(api, work.submission_id, {"alpha": "published"})
        again = await api.post(f"/api/publisher/deliveries/{delivery_id}/retry")

    assert again.status_code == 409 and "只有" in again.json()["detail"]["message_zh"]
    # The platform had dropped the first copy, so the retry was a new request (a new key), not a replay.
    assert [r["key"] for r in platform.received] == [delivery_id, f"{delivery_id}#2"]
    assert pubs["alpha"]["remote_id"] == "alpha-2"
    events = await read_published(kafka, 2)
    assert [e["status"] for e in events] == ["failed", "published"]
    assert events[0]["remote_id"] is None and "failure" in events[0]["reason"]
    assert (await api.post("/api/publisher/deliveries/nope/retry")).status_code == 404


async def test_after_the_last_try_a_delivery_is_parked_visible_and_retried_by_an_admin(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn(fail_first=3, fail_status=502)) as platform:
        delivery_id = await parked_after_three_tries(api, kafka, platform.url("/alpha"))
        sid = delivery_id.split(":")[0]
        parked = (await api.get("/api/publisher/deliveries?state=failed")).json()
        assert [(d["id"], d["total_tries"]) for d in parked] == [(delivery_id, 3)]
        assert "gave up after 3 tries" in parked[0]["reason"]
        assert (await api.post(f"/api/publisher/deliveries/{delivery_id}/retry")).status_code == 202
        await settled(api, sid, {"alpha": "published"})

    assert [r["status"] for r in platform.log] == [502, 502, 502, 201]
    assert len(platform.received) == 1
    assert (await api.get("/api/publisher/deliveries?state=failed")).json() == []
    assert (await api.get("/api/publisher/deliveries?state=bogus")).status_code == 422
    events = await read_published(kafka, 2)
    assert [(e["status"], e["attempts"]) for e in events] == [("failed", 3), ("published", 4)]
