"""Benchmark of the event path: `.venv/bin/python bench/bench_bus.py [--events N]`.

On one embedded Tansu + SecantusDB started here, the same N real ``SubmissionSubmitted`` events are
produced once to ``zhengji.submission.submitted.v1`` (6 partitions) and consumed three times, each by
its own consumer group, from the first message consumed to the last one done:

(a) raw aiokafka: ``getone()`` + ``json.loads`` + ``commit()`` per message (our at-least-once policy);
(b0) FastStream no-op: ``bus.subscribe`` with an empty callback (NACK_ON_ERROR: offset commit per
    message), to separate the framework's cost from the store's;
(b) zhengji: ``bus.subscribe`` + ``consumer.Consumer`` as every service registers it: pydantic parse,
    inbox lookup, a handler returning ``Effect(one small write, one emitted event)``, and ONE MongoDB
    transaction per event (inbox marker + write + outbox entry); the outbox relay runs alongside and
    publishes the emitted events, as in a real service.

The outbox gets the index on ``{sent, created_at}`` that ``Service.start`` creates; ``--no-outbox-index``
leaves it out, to show what the relay's unindexed ``{sent: false}`` query costs.

Prints the rates, the ratio zhengji/raw and a per-event breakdown. No thresholds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import shutil
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo import monitoring
from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import (
    TOPICS,
    Attribution,
    BlobRef,
    EntryInfo,
    SubmissionSubmitted,
    SubmissionValidated,
    dlq_topic,
)
from services.common.bus import make_broker, start_broker, subscribe
from services.common.consumer import Consumer, Effect
from services.common.consumer_adapters import KafkaDeadLetters, MongoInbox
from services.common.log import configure_logging
from services.common.outbox import Outbox
from services.common.store import connect, service_db
from services.common.topic_admin import apply
from services.common.topic_plan import TopicSpec
from zhengji.embedded import EmbeddedServers

TOPIC = TOPICS["submitted"]
EMIT_TOPIC = TOPICS["validated"]
DEADLINE_S = 90.0
PARTITIONS = 6  # as the services' topics (ZHENGJI_KAFKA_PARTITIONS)


def make_events(n: int) -> list[SubmissionSubmitted]:
    """Events shaped like the ones intake emits for a real upload."""
    events = []
    for i in range(n):
        sid = f"S{i:016X}"
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


async def produce(bootstrap: str, events: list[SubmissionSubmitted]) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=False)
    await producer.start()
    try:
        start = time.perf_counter()
        futures = [
            await producer.send(TOPIC, e.model_dump_json().encode(), key=e.partition_key().encode())
            for e in events
        ]
        await asyncio.gather(*futures)
        return time.perf_counter() - start
    finally:
        await producer.stop()


async def consume_raw(bootstrap: str, n: int) -> tuple[float, float]:
    """(a): returns (first message received, last message committed) as perf_counter times."""
    consumer = AIOKafkaConsumer(
        TOPIC,
        bootstrap_servers=bootstrap,
        group_id="bench-raw",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=300_000,
    )
    await consumer.start()
    first = last = 0.0
    try:
        for i in range(n):
            msg = await asyncio.wait_for(consumer.getone(), timeout=DEADLINE_S)
            if i == 0:
                first = time.perf_counter()
            json.loads(msg.value)
            await consumer.commit()
        last = time.perf_counter()
    finally:
        await consumer.stop()
    return first, last


async def wait_until(probe: Callable[[], Awaitable[bool]], what: str, every_s: float = 0.05) -> float:
    deadline = time.monotonic() + DEADLINE_S
    while not await probe():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(every_s)
    return time.perf_counter()


async def consume_faststream_noop(bootstrap: str, n: int) -> tuple[float, float]:
    """(b0): the same subscriber set-up as every service, with a callback that does nothing."""
    broker = make_broker(bootstrap, client_id="bench-noop")
    times: list[float] = []

    async def noop(topic: str, raw: bytes, where: dict[str, Any]) -> None:
        times.append(time.perf_counter())

    subscribe(broker, [TOPIC], "bench-noop", noop)
    await start_broker(broker)
    try:

        async def done() -> bool:
            return len(times) >= n

        # The offset of the last message is committed right after the callback returns.
        await wait_until(done, "the no-op subscriber", every_s=0.01)
        return times[0], times[-1]
    finally:
        await broker.stop()


class CommandTimes(monitoring.CommandListener):
    """Round trips to the store, by command and collection (e.g. ``insert outbox``)."""

    def __init__(self) -> None:
        self.enabled = False
        self.pending: dict[int, str] = {}
        self.count: dict[str, int] = defaultdict(int)
        self.seconds: dict[str, float] = defaultdict(float)

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


class TimedConsumer(Consumer[SubmissionSubmitted]):
    """The real Consumer, with timestamps around its steps (parse, inbox lookup, handler, transaction)."""

    def __init__(self, steps: dict[str, list[float]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.calls: list[tuple[float, float]] = []  # (start, end) of each __call__
        self.steps = steps
        self._call_start = self._process_start = 0.0
        inner = self.handler

        async def timed_handler(event: SubmissionSubmitted) -> Effect:
            started = time.perf_counter()
            self.steps["inbox lookup (find inbox)"].append(started - self._process_start)
            try:
                return await inner(event)
            finally:
                self.steps["handler (build the effect)"].append(time.perf_counter() - started)

        self.handler = timed_handler

    async def __call__(self, raw: bytes, where: dict[str, Any]) -> None:
        self._call_start = time.perf_counter()
        await super().__call__(raw, where)
        self.calls.append((self._call_start, time.perf_counter()))

    async def _process(self, event: SubmissionSubmitted, raw: bytes, where: dict[str, Any]) -> None:
        self._process_start = time.perf_counter()
        self.steps["parse (pydantic, model_validate_json)"].append(self._process_start - self._call_start)
        await super()._process(event, raw, where)


class TimedInbox(MongoInbox):
    """The real inbox transaction, timed into the consumer's steps."""

    def __init__(self, steps: dict[str, list[float]], *args: Any) -> None:
        super().__init__(*args)
        self.steps = steps

    async def apply(self, event_id: str, topic: str, effect: Effect) -> None:
        started = time.perf_counter()
        await super().apply(event_id, topic, effect)
        self.steps["transaction (inbox + write + outbox, commit)"].append(time.perf_counter() - started)


async def consume_zhengji(
    bootstrap: str, mongodb_uri: str, n: int, commands: CommandTimes, outbox_index: bool
) -> dict[str, Any]:
    """(b): one real stage; returns its timings."""
    client = connect(mongodb_uri)
    db = service_db(client, "bench", "stage")
    outbox = Outbox(db)
    broker = make_broker(bootstrap, client_id="bench-zhengji")
    effects = db["effects"]

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

        async def writes(session: AsyncClientSession) -> None:
            await effects.insert_one(
                {"_id": event.submission_id, "stage": "validated", "at": datetime.now(UTC)}, session=session
            )

        return Effect(writes=writes, emit=[validated])

    steps: dict[str, list[float]] = defaultdict(list)
    consumer = TimedConsumer(
        steps,
        service="bench",
        topic=TOPIC,
        model=SubmissionSubmitted,
        handler=handle,
        store=TimedInbox(steps, client, db, outbox),
        dead_letters=KafkaDeadLetters(broker),
    )

    async def dispatch(topic: str, raw: bytes, where: dict[str, Any]) -> None:
        await consumer(raw, where)  # as Service._dispatch: one group per service, a Consumer per topic

    subscribe(broker, [TOPIC], "bench-zhengji", dispatch)
    await client.admin.command("ping")
    await db.create_collection("effects")  # so that the first transactions do not create them
    await db.create_collection("inbox")
    await db.create_collection("outbox")
    if outbox_index:  # what the relay's query {sent: false} sorted by created_at would use
        await outbox.collection.create_index([("sent", 1), ("created_at", 1)])
    await start_broker(broker)
    relay = asyncio.create_task(outbox.relay_forever(broker, poll_s=0.5))
    commands.enabled = True
    try:
        # Polled once a second: on SecantusDB a count scans the collection, and a busier poll
        # would compete with the stage for the store. The rate is taken at the end of the
        # last transaction (when the last effect was stored); the poll confirms it and bounds the wait.
        async def stored() -> bool:
            return await effects.count_documents({}) >= n

        stored_at = await wait_until(stored, "the effects to be stored", every_s=1.0)

        async def drained() -> bool:
            return await outbox.pending() == 0 and await outbox.collection.count_documents({}) >= n

        drained_at = await wait_until(drained, "the outbox to drain", every_s=0.2)
        commands.enabled = False
        first = consumer.calls[0][0]
        return {
            "first": first,
            "stored_at": stored_at,
            "last_commit": max(end for _, end in consumer.calls),
            "drained_at": drained_at,
            "calls": consumer.calls,
            "steps": consumer.steps,
            "inbox": await db["inbox"].count_documents({}),
        }
    finally:
        commands.enabled = False
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        await broker.stop()
        await client.close()


def rate(n: int, first: float, last: float) -> float:
    return n / (last - first)


async def main(n: int, outbox_index: bool) -> None:
    configure_logging(json=False, level="WARNING")
    commands = CommandTimes()
    monitoring.register(commands)
    events = make_events(n)
    sizes = [len(e.model_dump_json()) for e in events]
    data_dir = Path(tempfile.mkdtemp(prefix="zhengji-bench-bus-"))
    servers = EmbeddedServers(data_dir)
    try:
        started = time.perf_counter()
        await servers.astart()
        boot = time.perf_counter() - started
        names = [TOPIC, EMIT_TOPIC, dlq_topic(TOPIC), dlq_topic(EMIT_TOPIC)]
        await apply(servers.kafka_bootstrap, [TopicSpec(t, PARTITIONS, 1) for t in names], create_only=True)
        print(
            f"bench_bus: {n} SubmissionSubmitted events, JSON {statistics.mean(sizes):.0f} B mean, "
            f"on {TOPIC} ({PARTITIONS} partitions); embedded Tansu + SecantusDB up in {boot:.1f} s"
        )
        produced = await produce(servers.kafka_bootstrap, events)
        print(f"  produce (aiokafka, acks=all, pipelined)  {n / produced:8.0f} ev/s   ({produced:.2f} s)")

        first, last = await consume_raw(servers.kafka_bootstrap, n)
        raw = rate(n, first, last)
        print(f"  (a)  raw aiokafka                        {raw:8.0f} ev/s   ({last - first:.2f} s)")
        print("       getone() + json.loads + commit() per message; no store")

        first, last = await consume_faststream_noop(servers.kafka_bootstrap, n)
        noop = rate(n, first, last)
        print(f"  (b0) FastStream, no-op callback          {noop:8.0f} ev/s   ({last - first:.2f} s)")
        print("       bus.subscribe (NACK_ON_ERROR: getone + decode + commit per message); no store")

        z = await consume_zhengji(servers.kafka_bootstrap, servers.mongodb_uri, n, commands, outbox_index)
        zhengji = rate(n, z["first"], z["last_commit"])
        print(
            f"  (b)  zhengji Consumer, one stage         {zhengji:8.0f} ev/s   "
            f"({z['last_commit'] - z['first']:.2f} s to the last effect stored; "
            f"the 1 s store poll saw all {n} at {z['stored_at'] - z['first']:.2f} s)"
        )
        print(
            "       as (b0) + pydantic parse + inbox lookup + handler + ONE MongoDB transaction per event\n"
            "       (inbox marker + 1 write + 1 outbox entry + commitTransaction); outbox relay running, "
            + (
                "outbox indexed on {sent, created_at} as Service.start does"
                if outbox_index
                else "outbox UNindexed (--no-outbox-index)"
            )
        )
        print(
            f"       outbox drained (all {n} emitted events published) "
            f"{z['drained_at'] - z['first']:.2f} s after the first consumed; inbox markers: {z['inbox']}"
        )
        print(f"  ratio zhengji / raw = {zhengji / raw:.3f}   (FastStream no-op / raw = {noop / raw:.3f})")

        calls = z["calls"]
        wall = z["last_commit"] - z["first"]
        in_callback = sum(end - start for start, end in calls)
        print(f"\n  zhengji per event, mean of {len(calls)} (ms):")
        for name, values in z["steps"].items():
            print(f"    {name:<54} {statistics.mean(values) * 1000:7.2f}")
        print(f"    {'Consumer.__call__ total':<54} {in_callback / len(calls) * 1000:7.2f}")
        print(
            f"    {'outside it (poll, offset commit, FastStream, relay)':<54} "
            f"{(wall - in_callback) / len(calls) * 1000:7.2f}"
        )
        print(f"    {'wall time per event':<54} {wall / len(calls) * 1000:7.2f}")
        print("  store round trips during (b), per event (count, mean ms each):")
        for name in sorted(commands.count, key=lambda k: -commands.seconds[k]):
            count = commands.count[name]
            print(
                f"    {name:<54} {count / n:5.2f} x {commands.seconds[name] / count * 1000:6.2f} ms"
                f"   = {commands.seconds[name] / n * 1000:6.2f} ms"
            )
    finally:
        await servers.astop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000, help="how many events (default 2000)")
    parser.add_argument(
        "--no-outbox-index",
        action="store_true",
        help="leave out the outbox index on {sent, created_at} that Service.start creates",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    asyncio.run(main(args.events, not args.no_outbox_index))
    print(f"total bench time {time.perf_counter() - start:.1f} s")
