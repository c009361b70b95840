"""A consumer that is not part of zhengji reads ``published`` events and validates them.

The reading side below is what a downstream platform would write: plain
aiokafka and jsonschema against the exported JSON Schema file, no zhengji
import. The publishing side is zhengji's publisher on the embedded broker and
store, fed a campaign and review outcomes as intake and review would."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import jsonschema
import pytest
from aiokafka import AIOKafkaConsumer

from services.common.settings import Settings
from tests.conftest import admin_client, eventually
from tests.integration.publisher.conftest import FAST
from tests.integration.publisher.harness import campaign_with, produce, reviewed, settled, target
from zhengji.standin import StandIn, serving

SCHEMA = Path(__file__).resolve().parents[2] / "contracts" / "schemas" / "submission.published.v1.json"
TOPIC = "zhengji.submission.published.v1"


async def read_and_validate(bootstrap: str, count: int) -> list[dict[str, Any]]:
    """The subscriber's own code: read the topic from the start, validate every message."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id=f"downstream-{uuid4().hex[:6]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    events: list[dict[str, Any]] = []
    try:

        async def more() -> bool:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                for record in records:
                    event = json.loads(record.value)
                    validator.validate(event)  # raises on the first message that does not conform
                    assert record.key == event["submission_id"].encode()
                    events.append(event)
            return len(events) >= count

        await eventually(more, 60, f"{count} published events")
    finally:
        await consumer.stop()
    return events


@pytest.fixture
async def publisher(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    async with admin_client(settings, ["publisher"]) as api:
        yield api


async def test_a_plain_kafka_consumer_validates_every_published_event_against_the_schema(
    publisher: httpx.AsyncClient, settings: Settings
) -> None:
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn()) as good, serving(StandIn(script=["fail"], fail_status=400)) as refusing:
        cid = await campaign_with(
            kafka, [target("good", good.url("/good")), target("picky", refusing.url("/p"))]
        )
        kept, withdrawn = reviewed(cid, 1), reviewed(cid, 2)
        # "picky" refuses the first work it is sent (400: parked at once) and takes the next.
        await produce(kafka, kept)
        await settled(publisher, kept.submission_id, {"good": "published", "picky": "failed"})
        await produce(kafka, withdrawn)
        await settled(publisher, withdrawn.submission_id, {"good": "published", "picky": "published"})
        retract = await publisher.post(
            f"/api/publisher/submissions/{withdrawn.submission_id}/retract", json={"reason": "奖项撤销"}
        )
        assert retract.status_code == 202
        await settled(publisher, withdrawn.submission_id, {"good": "retracted", "picky": "retracted"})
        events = await read_and_validate(kafka, 6)

    assert sorted(
        (e["submission_id"] == kept.submission_id, e["target"], e["status"]) for e in events
    ) == sorted(
        [
            (True, "good", "published"),
            (True, "picky", "failed"),
            (False, "good", "published"),
            (False, "picky", "published"),
            (False, "good", "retracted"),
            (False, "picky", "retracted"),
        ]
    )
    # The schema is not vacuous: a message without a status, or with one it does not know, is refused.
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {k: v for k, v in events[0].items() if k != "status"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**events[0], "status": "deleted"}, schema)
