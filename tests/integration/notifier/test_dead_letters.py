"""Campaign admins hear of their campaign's messages parked in the dead-letter topics: one message
per campaign and sweep, saying how many and which services gave up on them; each dead letter is
told once, though the notifier sweeps again and again and is restarted; a dead letter of a
campaign the notifier does not know yet waits for its definition, and one that is no event tells
nobody."""

from collections import Counter
from typing import Any

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from contracts import TOPICS, dlq_topic
from services.common.settings import Settings
from tests.conftest import admin_client, eventually
from tests.integration.notifier.conftest import Entry, Feeder, Providers, agree, campaign, holds, served_apart
from zhengji.server import running

BUREAU = "bureau-ops@example.cn"


async def park(bootstrap: str, topic: str, values: list[bytes], group: str) -> None:
    """Dead letters as a service's consumer writes them (``consumer.py``): the bytes and why."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            headers = [
                ("x-error-kind", b"handler_failed"),
                ("x-error", b"RuntimeError: store unreachable"),
                ("x-original-topic", topic.encode()),
                ("x-consumer-group", group.encode()),
            ]
            await producer.send_and_wait(dlq_topic(topic), value, headers=headers)
    finally:
        await producer.stop()


async def test_campaign_admins_hear_of_parked_messages_once_each_across_a_restart(
    settings: Settings, providers: Providers, feeder: Feeder
) -> None:
    p = providers
    s = alone = served_apart(settings, p, notifier_dead_letters_every_s=0.3)
    bootstrap = settings.kafka_bootstrap_servers
    store = AsyncMongoClient[dict[str, Any]](s.mongodb_uri)[f"{s.db_prefix}_notifier"]
    entries = [Entry(f"DL{i}", "parked", "", title=f"作品{i}") for i in range(3)]
    subjects = "消息处理失败已搁置：{}条消息"

    def told() -> list[str]:
        return [str(m["Subject"]) for m in p.mail.to(BUREAU)]

    async with admin_client(settings, ["intake"]) as admin:
        async with running(alone, ["notifier"]):
            await agree(alone.base_url(), admin.headers, {"email": BUREAU})
            await feeder.define(campaign("parked"))

            async def known() -> bool:
                return await store["campaigns"].find_one({"_id": "parked"}) is not None

            await eventually(known, 60, "the campaign read")
        # Parked while the notifier is down, so that one sweep finds them all.
        validated = [e.failed_check().model_dump_json().encode() for e in entries[:2]]
        stranger = Entry("DLX", "late", "").submitted().model_dump_json().encode()
        poison = [*validated, b"\xff not json", stranger]
        await park(bootstrap, TOPICS["validated"], poison, "zhengji-transcoder")
        async with running(alone, ["notifier"]):
            await eventually(lambda: holds(bool(told())), 60, "the first message")
        # Stopped again; one more message is parked meanwhile, by another service.
        later = [entries[2].submitted().model_dump_json().encode()]
        await park(bootstrap, TOPICS["submitted"], later, "zhengji-validator")
        async with running(alone, ["notifier"]):
            await eventually(lambda: holds(len(told()) >= 2), 60, "the second message")
            await feeder.define(campaign("late"))  # the stranger's campaign is defined at last
            await eventually(lambda: holds(len(told()) >= 3), 60, "the late campaign's message")

            async def swept_again() -> bool:  # the marks moved past everything parked
                marks = [d["offset"] async for d in store["dead_letter_marks"].find()]
                return bool(sum(offset + 1 for offset in marks) >= 5)

            await eventually(swept_again, 60, "every dead letter read")

    assert Counter(told()) == {subjects.format(2): 1, subjects.format(1): 2}
    first, second, late = (m.get_content() for m in p.mail.to(BUREAU))
    assert "transcoder 1条" in late, late
    assert "transcoder 2条" in first and "zhengji admin dlq" in first and "/admin" in first, first
    assert "validator 1条" in second, second
