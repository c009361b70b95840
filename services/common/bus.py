"""The Kafka side: the broker factory, topic creation and publishing.

Every subscriber is created through ``subscribe`` so the delivery policy is
set in one place (see ``consumer.py`` for why it is NACK_ON_ERROR)."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import CAMPAIGN_TOPIC, TOPICS, dlq_topic

PARTITIONS = 6
# A handler never holds the poll loop for long: media work runs in the job
# table (jobs.py), so a generous poll interval only covers a slow store.
MAX_POLL_INTERVAL_MS = 300_000


def make_broker(bootstrap: str, client_id: str) -> KafkaBroker:
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        # No idempotent producer: Tansu does not implement InitProducerId, and consumers
        # deduplicate by event_id anyway, which also covers outbox re-sends.
        acks="all",
        logger=None,
        request_timeout_ms=15_000,
    )


def all_topics() -> list[str]:
    """Every topic the services use, with its dead-letter topic."""
    return [t for topic in [*TOPICS.values(), CAMPAIGN_TOPIC] for t in (topic, dlq_topic(topic))]


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int = PARTITIONS) -> None:
    """Create the topics if they are missing; a wiped broker gets them back at start-up."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="zhengji-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [NewTopic(t, partitions, 1) for t in topics if t not in existing]
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()


def subscribe(
    broker: KafkaBroker,
    topics: list[str],
    group_id: str,
    on_message: Callable[[str, bytes, dict[str, Any]], Awaitable[None]],
    session_timeout_ms: int = 10_000,
) -> None:
    """One raw-bytes subscriber (one consumer group) over all of a service's topics.

    Parsing is ours, so a bad payload is a DLQ entry, not a crash; see consumer.py."""

    @broker.subscriber(
        *topics,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        max_poll_interval_ms=MAX_POLL_INTERVAL_MS,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(100, session_timeout_ms // 4),
        title=group_id,
    )
    async def _on_raw(message: KafkaMessage) -> None:
        record = message.raw_message
        topic = str(getattr(record, "topic", ""))
        where = {
            "topic": topic,
            "partition": getattr(record, "partition", None),
            "offset": getattr(record, "offset", None),
            "group": group_id,
        }
        await on_message(topic, message.body, where)


async def start_broker(broker: KafkaBroker) -> None:
    """Start the broker with its subscribers joining their groups at once, not one after another.

    FastStream's ``broker.start()`` starts subscribers sequentially, and each group join
    waits out the broker's rebalance delay; five services would wait five times."""
    await broker.connect()
    await asyncio.gather(*(sub.start() for sub in broker.subscribers))
    broker.running = True
