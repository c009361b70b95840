"""Delivery guarantees on the real broker and store: DLQ, duplicates, outbox re-arming."""

import json
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts import TOPICS
from services.common.settings import Settings
from services.common.store import connect
from tests.conftest import UNIT, create_campaign, eventually
from tests.integration.dead_letters import read_dead_letters
from zhengji import samples
from zhengji.samples import yanbian_form


async def _read_topic(bootstrap: str, topic: str, key: str, count: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"test-reader-{key}", auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        found: list[bytes] = []

        async def more() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            found.extend(r.value for records in batch.values() for r in records if r.key == key.encode())
            return len(found) >= count

        await eventually(more, 60, f"{count} messages on {topic}")
        return found
    finally:
        await consumer.stop()


async def _campaign(api: httpx.AsyncClient) -> str:
    return await create_campaign(api)


async def test_poison_messages_go_to_the_dlq_and_the_consumer_goes_on(
    system: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await _campaign(system)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(TOPICS["submitted"], b"{not json", key=b"x")
        await producer.send_and_wait(
            TOPICS["submitted"], json.dumps({"event_type": "submission.submitted"}).encode(), key=b"y"
        )
    finally:
        await producer.stop()
    # The validator and the notifier read this topic (not intake, which writes it): each group
    # parks its own copy.
    readers = {"zhengji-validator", "zhengji-notifier"}
    letters = await read_dead_letters(settings.kafka_bootstrap_servers, TOPICS["submitted"], 2 * len(readers))
    assert {h["x-error-kind"] for _, h in letters} == {"invalid_event"}
    assert {h["x-consumer-group"] for _, h in letters} == readers
    assert {body for body, _ in letters} == {b"{not json", b'{"event_type": "submission.submitted"}'}
    assert all("submission_id" in h["x-error"] for body, h in letters if body.startswith(b'{"'))

    # The consumer is still healthy: a real upload after the poison is validated.
    reg = await system.post(
        f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(), "unit": UNIT, "group": "小学组"}
    )
    sid = reg.json()["submission_id"]
    media = samples.not_media(tmp_path / "x.mp4")
    assert (await system.put(f"/api/submissions/{sid}/media", content=media.read_bytes())).status_code == 202

    async def failed() -> bool:
        return bool((await system.get(f"/api/submissions/{sid}")).json()["stage"] == "failed_validation")

    await eventually(failed, 60, "validation after poison messages")


async def test_the_same_event_twice_has_one_effect_and_re_emits_its_output(
    system: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await _campaign(system)
    reg = await system.post(
        f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(), "unit": UNIT, "group": "小学组"}
    )
    sid = reg.json()["submission_id"]
    media = samples.not_media(tmp_path / "x.mp4")
    await system.put(f"/api/submissions/{sid}/media", content=media.read_bytes())
    client = connect(settings.mongodb_uri)
    validator = client[f"{settings.db_prefix}_validator"]
    intake = client[f"{settings.db_prefix}_intake"]
    try:
        submitted = await eventually(
            lambda: intake["outbox"].find_one({"key": sid, "topic": TOPICS["submitted"]}),
            30,
            "submitted event",
        )
        await eventually(lambda: validator["reports"].find_one({"submission_id": sid}), 60, "first report")
        out = await eventually(
            lambda: validator["outbox"].find_one({"causation": submitted["_id"], "sent": True}),
            30,
            "validated event sent",
        )

        # Deliver the very same event again, as a broker redelivery or the reconciler would.
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
        await producer.start()
        await producer.send_and_wait(TOPICS["submitted"], submitted["payload"].encode(), key=sid.encode())
        await producer.stop()

        copies = await _read_topic(settings.kafka_bootstrap_servers, TOPICS["validated"], sid, 2)
        assert {json.loads(c)["event_id"] for c in copies} == {out["_id"]}, "re-sent with the same event_id"
        assert await validator["inbox"].count_documents({"_id": submitted["_id"]}) == 1
        assert await validator["reports"].count_documents({"submission_id": sid}) == 1
        assert await validator["outbox"].count_documents({"causation": submitted["_id"]}) == 1
        timeline = (await system.get(f"/api/submissions/{sid}")).json()["timeline"]
        assert len([e for e in timeline if e["event_type"] == "submission.validated"]) == 1
    finally:
        await client.close()
