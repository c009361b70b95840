"""Webhook subscriptions: signed, delivered at least once, logged, replayable, filterable."""

from datetime import UTC, datetime, timedelta

import httpx

from contracts import SubmissionPublished
from services.common.settings import Settings
from tests.conftest import eventually
from tests.integration.publisher.harness import campaign_with, produce, reviewed, settled, target
from zhengji.standin import StandIn, WebhookReceiver, serving

SECRET = "subscriber-secret-0123456789"


async def test_subscriptions_are_managed_and_never_show_their_secret(api: httpx.AsyncClient) -> None:
    made = await api.post("/api/publisher/subscriptions", json={"url": "http://127.0.0.1:9/hook"})
    assert made.status_code == 201
    sub = made.json()
    assert sub["secret"].startswith("whsec_") and sub["events"] == ["failed", "published", "retracted"]
    listed = (await api.get("/api/publisher/subscriptions")).json()
    assert [s["id"] for s in listed] == [sub["id"]] and "secret" not in listed[0]
    assert "secret" not in (await api.get(f"/api/publisher/subscriptions/{sub['id']}")).json()

    assert (await api.post("/api/publisher/subscriptions", json={"url": "not a url"})).status_code == 422
    bad_event = {"url": "http://127.0.0.1:9/hook", "events": ["deleted"]}
    assert (await api.post("/api/publisher/subscriptions", json=bad_event)).status_code == 422
    short = {"url": "http://127.0.0.1:9/hook", "secret": "short"}
    assert (await api.post("/api/publisher/subscriptions", json=short)).status_code == 422

    assert (await api.delete(f"/api/publisher/subscriptions/{sub['id']}")).status_code == 204
    assert (await api.delete(f"/api/publisher/subscriptions/{sub['id']}")).status_code == 404
    assert (await api.get("/api/publisher/subscriptions")).json() == []
    missing = await api.post(
        "/api/publisher/subscriptions/sub_x/replay",
        json={"from": "2024-01-01T00:00:00Z", "to": "2024-01-02T00:00:00Z"},
    )
    assert missing.status_code == 404


async def test_signed_events_reach_subscribers_at_least_once_and_can_be_replayed(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    started = datetime.now(UTC)
    async with (
        serving(StandIn()) as platform,
        serving(WebhookReceiver(secret=SECRET, fail_first=2)) as everything,
        serving(WebhookReceiver(secret=SECRET)) as retractions,
    ):
        all_sub = (
            await api.post("/api/publisher/subscriptions", json={"url": everything.url(), "secret": SECRET})
        ).json()
        only = {"url": retractions.url(), "secret": SECRET, "events": ["retracted"]}
        assert (await api.post("/api/publisher/subscriptions", json=only)).status_code == 201
        cid = await campaign_with(kafka, [target("alpha", platform.url("/alpha"))])
        one, two = reviewed(cid, 1), reviewed(cid, 2)
        await produce(kafka, one, two)
        await settled(api, one.submission_id, {"alpha": "published"})
        await settled(api, two.submission_id, {"alpha": "published"})
        await api.post(f"/api/publisher/submissions/{one.submission_id}/retract", json={"reason": "版权投诉"})
        await settled(api, one.submission_id, {"alpha": "retracted"})

        await eventually(lambda: _count(everything, 3), 30, "three events at the subscriber")
        await eventually(lambda: _count(retractions, 1), 30, "the retraction at its subscriber")
        # The subscriber sees a delivery before the publisher records its answer: wait for the log.
        deliveries = f"/api/publisher/subscriptions/{all_sub['id']}/deliveries"

        async def logged() -> bool:
            log = (await api.get(deliveries)).json()
            return len(log) == 3 and all(d["state"] == "done" for d in log)

        await eventually(logged, 30, "three deliveries logged as done")
        log = (await api.get(deliveries)).json()
        # The subscriber answered 503 twice: whichever deliveries met them were tried again.
        assert sorted(t["status"] for d in log for t in d["tries"]) == [200, 200, 200, 503, 503]
        assert all(d["state"] == "done" and d["tries"][-1]["status"] == 200 for d in log)

        span = {"from": (started - timedelta(minutes=1)).isoformat(), "to": datetime.now(UTC).isoformat()}
        replay = await api.post(f"/api/publisher/subscriptions/{all_sub['id']}/replay", json=span)
        assert replay.status_code == 202 and replay.json()["queued"] == 3
        await eventually(lambda: _count(everything, 6), 30, "the replayed events")
        before = {"from": "2020-01-01T00:00:00+08:00", "to": "2020-01-02T00:00:00+08:00"}
        empty = await api.post(f"/api/publisher/subscriptions/{all_sub['id']}/replay", json=before)
        assert empty.json()["queued"] == 0
        backwards = {"from": span["to"], "to": span["from"]}
        assert (
            await api.post(f"/api/publisher/subscriptions/{all_sub['id']}/replay", json=backwards)
        ).status_code == 422

    assert all(d["verified"] for d in everything.deliveries + retractions.deliveries)
    events = everything.events()
    assert len(events) == 3  # six deliveries (three replayed), three events by event_id
    parsed = [SubmissionPublished.model_validate(e) for e in events.values()]
    assert sorted(e.status for e in parsed) == ["published", "published", "retracted"]
    assert [e["status"] for e in retractions.events().values()] == ["retracted"]
    delivered_ids = [d["headers"]["zhengji-event-id"] for d in everything.deliveries if d["status"] == 200]
    assert sorted(delivered_ids) == sorted(list(events) * 2)


async def _count(receiver: WebhookReceiver, n: int) -> bool:
    return len([d for d in receiver.deliveries if d["status"] == 200]) >= n
