"""Reading a topic's dead letters (its ``.dlq`` topic) in a test: each record's body and headers."""

from aiokafka import AIOKafkaConsumer

from contracts import dlq_topic
from tests.conftest import eventually


async def read_dead_letters(bootstrap: str, topic: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
    """The first ``count`` dead letters of ``topic``, waiting up to a minute for them."""
    consumer = AIOKafkaConsumer(
        dlq_topic(topic),
        bootstrap_servers=bootstrap,
        group_id="test-dlq-reader",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        found: list[tuple[bytes, dict[str, str]]] = []

        async def more() -> bool:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                found.extend((r.value, {k: v.decode() for k, v in r.headers}) for r in records)
            return len(found) >= count

        await eventually(more, 60, "dead letters")
        return found
    finally:
        await consumer.stop()
