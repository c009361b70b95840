"""A consumer process for test_batch_delivery.py: the production batch path (``subscribe_batches``,
``BatchConsumer``, ``MongoInbox``, the outbox relay, dead letters) on the real broker and store.

Its handler counts each note in ``notes`` (``$inc``: a second effect would show as 2) and emits an
acknowledgement; a ``poison`` note fails in its handler, a ``killer`` note kills the process (a
crash, the OOM killer). ``CRASH`` (``before`` or ``after``) kills it once, at the first batch that
holds a ``crash`` note: before its transaction, or after the transaction and before its events are
published and its offsets committed; ``MARKER`` is the file that says it has crashed already.

Run as ``python -m tests.integration.batch_consumer BOOTSTRAP MONGODB_URI ATTEMPTS CRASH MARKER``."""

import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from faststream.kafka import KafkaBroker
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import BaseEvent
from services.common.bus import make_broker, start_broker, subscribe_batches
from services.common.consumer import Consumer, Effect
from services.common.consumer_adapters import KafkaDeadLetters, MongoInbox
from services.common.consumer_batches import BatchConsumer, by_topic
from services.common.outbox import Doc, Outbox
from services.common.store import connect

TOPIC = "zhengji.test.filed.v1"
ACK_TOPIC = "zhengji.test.acknowledged.v1"
GROUP = "zhengji-batch-test"
DB = "batch_test"


class Filed(BaseEvent):
    event_type: Literal["submission.filed"] = "submission.filed"
    submission_id: str
    note: str


class Acknowledged(BaseEvent):
    event_type: Literal["test.acknowledged"] = "test.acknowledged"
    submission_id: str
    note: str


class Crash:
    """Dies once, at the first batch holding a ``crash`` note, where ``mode`` says."""

    def __init__(self, mode: str, marker: Path) -> None:
        self.mode, self.marker = mode, marker

    def __call__(self, mode: str, payloads: list[str]) -> None:
        if self.mode == mode and not self.marker.exists() and any('"note":"crash"' in p for p in payloads):
            self.marker.touch()
            os._exit(4 if mode == "before" else 5)


class CrashingInbox(MongoInbox):
    """The real inbox; dies once before the transaction of the batch holding ``crash``."""

    crash: Crash

    async def apply_many(self, topic: str, effects: Sequence[tuple[str, Effect[AsyncClientSession]]]) -> None:
        self.crash("before", [e.model_dump_json() for _, effect in effects for e in effect.emit])
        await super().apply_many(topic, effects)


class CrashingOutbox(Outbox):
    """The real outbox; dies once after that transaction, before its events are published and its
    offsets committed: the whole batch comes again."""

    crash: Crash

    async def publish_committed(self, broker: KafkaBroker, docs: Sequence[Doc]) -> None:
        self.crash("after", [doc["payload"] for doc in docs])
        await super().publish_committed(broker, docs)


async def main(bootstrap: str, mongodb_uri: str, attempts: int, crash: str, marker: Path) -> None:
    client = connect(mongodb_uri)
    db = client[DB]
    broker = make_broker(bootstrap, client_id=GROUP)
    outbox = CrashingOutbox(db)
    store = CrashingInbox(client, db, outbox, publisher=broker)
    store.crash = outbox.crash = Crash(crash, marker)

    async def handle(event: Filed) -> Effect:
        if event.note == "killer":
            os._exit(3)  # no cleanup, no offset commit: the process is simply gone
        if event.note == "poison":
            raise ValueError("this note cannot be filed")

        async def writes(session: AsyncClientSession) -> None:
            await db["notes"].update_one(
                {"_id": event.note}, {"$inc": {"count": 1}}, upsert=True, session=session
            )

        ack = Acknowledged(
            campaign_id=event.campaign_id, producer="test", submission_id=event.submission_id, note=event.note
        )
        return Effect(writes=writes, emit=[ack])

    consumer = Consumer[Filed, AsyncClientSession](
        service="batch-test",
        topic=TOPIC,
        model=Filed,
        handler=handle,
        store=store,
        dead_letters=KafkaDeadLetters(broker),
        attempts=attempts,
        backoff_s=0.05,
    )
    subscribe_batches(broker, [TOPIC], GROUP, by_topic({TOPIC: BatchConsumer(consumer, store)}), 3000)
    await outbox.collection.create_index([("sent", 1), ("created_at", 1)])
    await start_broker(broker)
    await outbox.relay_forever(broker, poll_s=0.2)  # until the test terminates us


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], Path(sys.argv[5])))
