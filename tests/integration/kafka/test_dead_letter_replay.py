"""An operator's day 2: a campaign definition was dead-lettered (its consumer failed: say the store
was down), the cause is fixed, and `zhengji admin dlq list` shows it with why, then
`zhengji admin dlq replay --event-id` sends it back keyed as before, and every service now knows
the campaign. A poison message beside it stays listed and is not replayed unasked."""

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx
from aiokafka import AIOKafkaProducer

from contracts import CAMPAIGN_TOPIC, CampaignDefined, dlq_topic
from services.common.settings import Settings
from services.common.store import connect, service_db
from services.intake.presets import load_preset
from tests.conftest import eventually
from zhengji.runtime import SERVICES

ZHENGJI = str(Path(sys.executable).with_name("zhengji"))
DLQ = dlq_topic(CAMPAIGN_TOPIC)


async def admin(settings: Settings, *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        ZHENGJI, "admin", "dlq", *args,
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def park(settings: Settings, value: bytes, kind: str) -> None:
    """As consumer.py parks a message: the bytes, no key, headers saying why."""
    headers = [
        ("x-error-kind", kind.encode()),
        ("x-error", b"ServerSelectionTimeoutError: store unreachable"),
        ("x-attempts", b"3"),
        ("x-original-topic", CAMPAIGN_TOPIC.encode()),
        ("x-consumer-group", b"zhengji-review"),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(DLQ, value, headers=headers)
    finally:
        await producer.stop()


async def test_a_dead_lettered_definition_is_listed_and_replayed_to_every_service(
    system: httpx.AsyncClient, settings: Settings
) -> None:
    spec = load_preset("yanbian-2024").model_copy(update={"id": "parked"})
    event = CampaignDefined(campaign_id="parked", producer="intake", spec=spec)
    await park(settings, event.model_dump_json().encode(), "handler_failed")
    await park(settings, b"\x00not json", "unparseable")

    code, out, _ = await admin(settings, "list", DLQ)
    assert code == 0
    # Unkeyed, as the consumer parks them: on any partition, so listed in no particular order.
    listed = sorted((json.loads(line) for line in out.splitlines()), key=lambda item: item["kind"])
    assert [(item["event_id"], item["kind"]) for item in listed] == [
        (str(event.event_id), "handler_failed"),
        (None, "unparseable"),
    ]
    assert listed[0]["key"] == "parked" and "store unreachable" in listed[0]["error"]

    code, out, _ = await admin(settings, "replay", DLQ, "--event-id", str(event.event_id))
    assert code == 0 and "replayed 1" in out
    client = connect(settings.mongodb_uri)
    try:

        async def everyone_knows() -> bool:
            for name in SERVICES:
                db = service_db(client, settings.db_prefix, name)
                if await db["campaigns"].find_one({"_id": "parked"}) is None:
                    return False
            return True

        await eventually(everyone_knows, 60, "the replayed definition at every service")
    finally:
        await client.close()
    # Naming nothing replays nothing; an id that is not there says so.
    assert (await admin(settings, "replay", DLQ))[0] == 2
    assert (await admin(settings, "replay", DLQ, "--event-id", "no-such-event"))[0] == 1
