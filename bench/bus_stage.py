"""The parts of ``bench_bus.py``: the events, the raw aiokafka baselines and one zhengji stage.

``Stage`` is a stage as ``Service`` wires it (``bus.subscribe`` + ``Consumer`` one event at a time,
or ``bus.subscribe_batches`` + ``BatchConsumer``), on the real ``MongoInbox`` and ``Outbox`` with the
relay running, timed from outside: when each effect was committed and each emitted event published.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from faststream.kafka import KafkaBroker
from pymongo import InsertOne, monitoring
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import Attribution, BlobRef, EntryInfo, SubmissionSubmitted, SubmissionValidated
from services.common.bus import make_broker, start_broker, subscribe, subscribe_batches
from services.common.consumer import Consumer, Effect
from services.common.consumer_adapters import KafkaDeadLetters, MongoInbox
from services.common.consumer_batches import BatchConsumer, Delivery, by_topic
from services.common.outbox import Outbox
from services.common.store import connect, service_db

DEADLINE_S = 600.0  # the whole stage on a busy machine: a wait, never a threshold


def make_events(n: int, prefix: str = "S") -> list[SubmissionSubmitted]:
    """Events shaped like the ones intake emits for a real upload."""
    events = []
    for i in range(n):
        sid = f"{prefix}{i:016X}"
        digest = sha256(sid.encode()).hexdigest()
        events.append(
            SubmissionSubmitted(
                submission_id=sid,
                campaign_id="yanbian-2024",
                correlation_id=f"{sid}:v1",
                producer="intake",
                entry=EntryInfo(
                    title=f"杨靖宇将军的故事{i}",
                    group="小学组",
                    category="英雄故事",
                    summary="红色资源微视频",
                    version=1,
                ),
                attribution=Attribution(
                    unit_code="222401001",
                    unit_name="延吉市第一小学",
                    unit_path=["22", "2224", "222401", "222401001"],
                    author=f"教师{i}",
                ),
                media=BlobRef(
                    uri="blob://sha256/" + digest, sha256=digest, size=187_654_321, media_type="video/mp4"
                ),
            )
        )
    return events


async def produce(bootstrap: str, topic: str, events: Sequence[SubmissionSubmitted]) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        start = time.perf_counter()
        futures = [
            await producer.send(topic, e.model_dump_json().encode(), key=e.partition_key().encode())
            for e in events
        ]
        await asyncio.gather(*futures)
        return time.perf_counter() - start
    finally:
        await producer.stop()


async def consume_raw(bootstrap: str, topic: str, n: int, batched: bool) -> tuple[float, float]:
    """Raw aiokafka, our at-least-once policy: ``getone()`` + ``json.loads`` + ``commit()`` per
    message, or ``getmany()`` + ``json.loads`` each + one ``commit()`` per poll. Returns (first
    message received, last one committed) as perf_counter times."""
    group = "bench-raw-batched" if batched else "bench-raw"
    options = {"enable_auto_commit": False, "auto_offset_reset": "earliest"}
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, **options)
    await consumer.start()
    first, seen = 0.0, 0
    try:
        while seen < n:
            if batched:
                poll = consumer.getmany(timeout_ms=1000, max_records=500)
                polled = await asyncio.wait_for(poll, DEADLINE_S)
                records = [r for rs in polled.values() for r in rs]
            else:
                records = [await asyncio.wait_for(consumer.getone(), timeout=DEADLINE_S)]
            if records and not first:
                first = time.perf_counter()
            for record in records:
                json.loads(record.value)
            await consumer.commit()
            seen += len(records)
        return first, time.perf_counter()
    finally:
        await consumer.stop()


class CommandTimes(monitoring.CommandListener):
    """Round trips to the store, by command and collection (e.g. ``insert outbox``)."""

    def __init__(self) -> None:
        self.enabled = False
        self.pending: dict[int, str] = {}
        self.count: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)

    def reset(self) -> None:
        self.count.clear()
        self.seconds.clear()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.enabled:
            target = event.command.get(event.command_name)
            name = f"{event.command_name} {target}" if isinstance(target, str) else event.command_name
            self.pending[event.request_id] = name

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        name = self.pending.pop(event.request_id, None)
        if name is not None:
            self.count[name] += 1
            self.seconds[name] += event.duration_micros / 1e6

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        name = self.pending.pop(event.request_id, None)
        if name is not None:
            self.count[name + " (failed)"] += 1


class TimedOutbox(Outbox):
    """The real outbox, noting when a batch's transaction committed: its entries are published
    right after (``publish_committed``), before ``apply_many`` returns."""

    committed: dict[str, float]

    async def publish_committed(self, broker: KafkaBroker, docs: Sequence[dict[str, Any]]) -> None:
        now = time.perf_counter()
        self.committed.update((doc["causation"], now) for doc in docs if doc.get("causation"))
        await super().publish_committed(broker, docs)


class TimedInbox(MongoInbox):
    """The real inbox, noting when each event's transaction committed (the outbox noted it first
    where the events are published at commit)."""

    committed: dict[str, float]

    async def apply(self, event_id: str, topic: str, effect: Effect) -> None:
        await super().apply(event_id, topic, effect)
        self.committed.setdefault(event_id, time.perf_counter())

    async def apply_many(self, topic: str, effects: Sequence[tuple[str, Effect]]) -> None:
        await super().apply_many(topic, effects)
        now = time.perf_counter()
        for event_id, _ in effects:
            self.committed.setdefault(event_id, now)


class Stage:
    """One stage (consume ``topics``, store the effect, outbox, relay), one event or a batch at a time."""

    def __init__(
        self,
        bootstrap: str,
        mongodb_uri: str,
        name: str,
        topics: list[str],
        batched: bool,
        bulk: bool,
        most: int,
    ) -> None:
        self.client = connect(mongodb_uri)
        self.db = service_db(self.client, "bench", name)
        self.outbox = TimedOutbox(self.db)
        self.published: dict[str, float] = {}  # input event id -> its output confirmed by the broker
        self.broker = make_broker(bootstrap, client_id=f"bench-{name}")
        # One at a time as before (the relay publishes); batched as services run: published at commit.
        self.store = TimedInbox(self.client, self.db, self.outbox, self.broker if batched else None)
        self.store.committed = self.outbox.committed = {}
        self._time_publications()
        self.first = 0.0  # when the first delivery reached the stage
        consumers = {t: self._consumer(t, bulk) for t in topics}
        if batched:
            batches = by_topic(
                {t: BatchConsumer(c, self.store, max_events=most) for t, c in consumers.items()}
            )

            async def on_batch(deliveries: Sequence[Delivery]) -> Sequence[Delivery]:
                self.first = self.first or time.perf_counter()
                return await batches(deliveries)

            subscribe_batches(self.broker, topics, f"bench-{name}", on_batch, max_records=most)
        else:

            async def on_message(topic: str, raw: bytes, where: dict[str, Any]) -> None:
                self.first = self.first or time.perf_counter()
                await consumers[topic](raw, where)

            subscribe(self.broker, topics, f"bench-{name}", on_message)
        self._relay: asyncio.Task[None] | None = None

    def _time_publications(self) -> None:
        """Note when the broker confirms each emitted event (the relay publishes without waiting
        for each confirmation: ``no_confirm``), by the event that caused it."""
        publish = self.broker.publish

        async def timed(message: Any, topic: str = "", **kwargs: Any) -> Any:
            sent = await publish(message, topic, **kwargs)
            cause = json.loads(message).get("causation_id")
            if isinstance(sent, asyncio.Future) and cause:
                sent.add_done_callback(lambda _: self.published.__setitem__(cause, time.perf_counter()))
            return sent

        setattr(self.broker, "publish", timed)  # noqa: B010 (a method replaced on this instance only)

    def _consumer(self, topic: str, bulk: bool) -> Consumer[SubmissionSubmitted]:
        """The handler writes one document: in its ``writes`` (as the services' handlers do), or as
        a ``bulk`` write (the opt-in that lets a run's writes go as one bulk write)."""
        effects = self.db["effects"]

        async def handle(event: SubmissionSubmitted) -> Effect:
            validated = SubmissionValidated(
                submission_id=event.submission_id,
                campaign_id=event.campaign_id,
                correlation_id=event.correlation_id,
                causation_id=event.event_id,
                producer="bench",
                entry=event.entry,
                attribution=event.attribution,
                media=event.media,
                passed=True,
                findings=[],
            )

            doc = {"_id": event.submission_id, "stage": "validated", "at": datetime.now(UTC)}
            if bulk:
                return Effect(bulk=[("effects", InsertOne(doc))], emit=[validated])

            async def writes(session: AsyncClientSession) -> None:
                await effects.insert_one(doc, session=session)

            return Effect(writes=writes, emit=[validated])

        return Consumer(
            service="bench",
            topic=topic,
            model=SubmissionSubmitted,
            handler=handle,
            store=self.store,
            dead_letters=KafkaDeadLetters(self.broker),
        )

    async def start(self) -> None:
        for name in ("effects", "inbox", "outbox", "attempts"):  # so that no transaction creates them
            await self.db.create_collection(name)
        await self.outbox.collection.create_index([("sent", 1), ("created_at", 1)])  # as Service.start
        await start_broker(self.broker)
        self._relay = asyncio.create_task(self.outbox.relay_forever(self.broker, poll_s=0.5))

    async def wait_published(self, n: int) -> float:
        """When the n-th emitted event was confirmed by the broker (waits for it)."""
        deadline = time.monotonic() + DEADLINE_S
        while len(self.published) < n:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self.published)} of {n} published")
            await asyncio.sleep(0.01)
        return max(self.published.values())

    async def stop(self) -> None:
        if self._relay is not None:
            self._relay.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relay
        await self.broker.stop()
        await self.client.close()
