"""The Kafka side: the broker factory and subscribing (topics: ``topic_plan``, ``topic_admin``).

Every subscriber is created through ``subscribe`` so the delivery policy is
set in one place (see ``consumer.py`` for why it is NACK_ON_ERROR)."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from aiokafka import TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.security import BaseSecurity

from services.common.consumer_batches import Delivery, OnBatch
from services.common.tracing import headers_of, mark_consumer

# A handler never holds the poll loop for long: media work runs in the job
# table (jobs.py), so a generous poll interval only covers a slow store.
MAX_POLL_INTERVAL_MS = 300_000


def make_broker(
    bootstrap: str,
    client_id: str,
    idempotent: bool = False,
    security: BaseSecurity | None = None,
    middlewares: Sequence[Any] = (),  # tracing.kafka_middlewares: none when tracing is off
) -> KafkaBroker:
    return KafkaBroker(
        bootstrap,
        client_id=client_id,
        # Consumers deduplicate by event_id (which also covers outbox re-sends); the idempotent
        # producer adds no duplicates from the producer's own retries where the broker has it.
        acks="all",
        enable_idempotence=idempotent,
        security=security,
        logger=None,
        request_timeout_ms=15_000,
        middlewares=middlewares,
    )


Receive = Callable[[KafkaMessage], Awaitable[None]]


def _subscriber(
    broker: KafkaBroker, topics: list[str], group_id: str, session_timeout_ms: int, **batch: Any
) -> Callable[[Receive], object]:
    """How every consumer group of zhengji consumes: from the start, committing after handling
    (a poison message is the DLQ's, consumer.py), with the deliberate poll and session bounds."""
    options: dict[str, Any] = {
        "group_id": group_id,
        "auto_offset_reset": "earliest",
        "ack_policy": AckPolicy.NACK_ON_ERROR,
        "max_poll_interval_ms": MAX_POLL_INTERVAL_MS,
        "session_timeout_ms": session_timeout_ms,
        "heartbeat_interval_ms": max(100, session_timeout_ms // 4),
        "title": group_id,
    }
    return cast(Callable[[Receive], object], broker.subscriber(*topics, **options, **batch))


def subscribe(
    broker: KafkaBroker,
    topics: list[str],
    group_id: str,
    on_message: Callable[[str, bytes, dict[str, Any]], Awaitable[None]],
    session_timeout_ms: int = 10_000,
) -> None:
    """One raw-bytes subscriber (one consumer group) over all of a service's topics.

    Parsing is ours, so a bad payload is a DLQ entry, not a crash; see consumer.py."""

    @_subscriber(broker, topics, group_id, session_timeout_ms)
    async def _on_raw(message: KafkaMessage) -> None:
        where = _where(message.raw_message, group_id)
        mark_consumer(group_id)
        await on_message(str(where["topic"]), message.body, where)


def subscribe_batches(
    broker: KafkaBroker,
    topics: list[str],
    group_id: str,
    on_batch: OnBatch,
    session_timeout_ms: int = 10_000,
    max_records: int = 500,
    wait_ms: int = 20,
) -> None:
    """As ``subscribe``, a poll at a time: up to ``max_records`` records (whatever the fetcher holds;
    a poll waits for more only when it holds none). ``wait_ms`` is how long an idle poll waits,
    and FastStream sleeps as long again after an empty one: what a lone event can wait.

    ``on_batch`` returns the deliveries that must come again; each of their partitions is rewound
    to its first one, so the commit after the batch covers only what was done."""

    batch = {"batch": True, "max_records": max_records, "batch_timeout_ms": wait_ms}

    @_subscriber(broker, topics, group_id, session_timeout_ms, **batch)
    async def _on_records(message: KafkaMessage) -> None:
        records = message.raw_message if isinstance(message.raw_message, tuple) else (message.raw_message,)
        # Each event gets its own process span, in its producer's trace (consumer_batches.py): a
        # batch's span would join many traces into one.
        again = await on_batch(
            [Delivery(record.value, _where(record, group_id), headers_of(record)) for record in records]
        )
        earliest: dict[TopicPartition, int] = {}
        for delivery in again:
            partition = TopicPartition(delivery.topic, delivery.where["partition"])
            offset = delivery.where["offset"]
            earliest[partition] = min(earliest.get(partition, offset), offset)
        for partition, offset in earliest.items():
            message.consumer.seek(partition, offset)


def _where(record: object, group_id: str) -> dict[str, Any]:
    """Where a record came from: what a dead letter's headers and the rewind after a batch say."""
    return {
        "topic": str(getattr(record, "topic", "")),
        "partition": getattr(record, "partition", None),
        "offset": getattr(record, "offset", None),
        "group": group_id,
    }


async def start_broker(broker: KafkaBroker) -> None:
    """Start the broker with its subscribers joining their groups at once, not one after another.

    FastStream's ``broker.start()`` starts subscribers sequentially, and each group join
    waits out the broker's rebalance delay; five services would wait five times."""
    await broker.connect()
    await asyncio.gather(*(sub.start() for sub in broker.subscribers))
    broker.running = True
