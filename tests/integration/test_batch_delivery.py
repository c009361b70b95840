"""Exactly-once effects on the batch path, on the real broker and store (``batch_consumer.py``, a
separate process): duplicates in one batch and across batches, a crash before a batch's
transaction and after it (before the offset commit), a failing event inside a batch, and an event
that kills its process inside a batch. After each: every effect once, every outbox entry once."""

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from pymongo.asynchronous.database import AsyncDatabase

from contracts import dlq_topic
from services.common.bus import make_broker
from services.common.consumer import Effect
from services.common.consumer_adapters import MongoInbox
from services.common.outbox import Outbox
from services.common.settings import Settings
from services.common.store import connect
from services.common.topic_admin import apply
from services.common.topic_plan import TopicSpec
from tests.conftest import eventually
from tests.integration.batch_consumer import ACK_TOPIC, DB, TOPIC, Acknowledged, Filed
from tests.integration.dead_letters import read_dead_letters

ATTEMPTS = 2


class Run:
    """The topics made, events produced, and consumer processes started and watched."""

    def __init__(self, settings: Settings, procs: list[subprocess.Popen[bytes]], tmp_path: Path) -> None:
        self.bootstrap, self.procs, self.tmp_path = settings.kafka_bootstrap_servers, procs, tmp_path
        self.client = connect(settings.mongodb_uri)
        self.db: AsyncDatabase[dict[str, object]] = self.client[DB]
        self.mongodb_uri = settings.mongodb_uri

    async def topics(self) -> None:
        names = [TOPIC, dlq_topic(TOPIC), ACK_TOPIC]
        await apply(self.bootstrap, [TopicSpec(t, 3, 1) for t in names], create_only=True)

    async def produce(self, *events: Filed, partition: int | None = None) -> None:
        """Keyed as the services key them; all in one ``partition`` when given, to fix their order."""
        producer = AIOKafkaProducer(bootstrap_servers=self.bootstrap)
        await producer.start()
        try:
            for e in events:
                raw, key = e.model_dump_json().encode(), e.partition_key().encode()
                await producer.send(TOPIC, raw, key=key, partition=partition)
            await producer.flush()
        finally:
            await producer.stop()

    def start(self, crash: str = "none") -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", "tests.integration.batch_consumer", self.bootstrap, self.mongodb_uri]
        argv += [str(ATTEMPTS), crash, str(self.tmp_path / "crashed")]
        with (self.tmp_path / "consumer.log").open("ab") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    async def counts(self) -> dict[str, int]:
        return {str(d["_id"]): int(str(d["count"])) for d in await self.db["notes"].find().to_list()}

    async def outbox_causes(self) -> list[str]:
        return [str(d["causation"]) for d in await self.db["outbox"].find({}, {"causation": 1}).to_list()]

    async def all_sent(self, n: int) -> bool:
        outbox = self.db["outbox"]
        return (
            await outbox.count_documents({"sent": True}) >= n
            and await outbox.count_documents({"sent": False}) == 0
        )

    async def acks(self, at_least: dict[str, int]) -> list[dict[str, str]]:
        """Read the acknowledgements topic until each note has ``at_least`` copies there."""
        reader = AIOKafkaConsumer(ACK_TOPIC, bootstrap_servers=self.bootstrap, auto_offset_reset="earliest")
        await reader.start()
        found: list[dict[str, str]] = []
        try:

            async def more() -> bool:
                polled = await reader.getmany(timeout_ms=500)
                found.extend(json.loads(r.value) for rs in polled.values() for r in rs)
                return all(sum(a["note"] == n for a in found) >= k for n, k in at_least.items())

            await eventually(more, 90, f"acknowledgements {at_least}")
            return found
        finally:
            await reader.stop()


def notes(*names: str) -> list[Filed]:
    return [Filed(campaign_id="c1", producer="test", submission_id=f"s-{name}", note=name) for name in names]


@pytest.fixture
async def run(settings: Settings, procs: list[subprocess.Popen[bytes]], tmp_path: Path) -> AsyncIterator[Run]:
    run = Run(settings, procs, tmp_path)
    await run.topics()
    yield run
    await run.client.close()


async def test_the_same_event_twice_in_a_batch_and_across_batches_has_one_effect(run: Run) -> None:
    a, b, c = notes("a", "b", "c")
    await run.produce(a, b, a, c, a)  # all there before the consumer starts: its first poll holds them
    run.start()
    await eventually(lambda: run.all_sent(3), 90, "the first batch stored and relayed")
    await run.produce(b, a)  # again, as a redelivery or the reconciler would send them

    # The duplicates across batches re-arm what they caused: sent again, with the first ids.
    acks = await run.acks({"a": 2, "b": 2, "c": 1})
    assert await run.counts() == {"a": 1, "b": 1, "c": 1}
    causes = await run.outbox_causes()
    assert sorted(causes) == sorted(str(e.event_id) for e in (a, b, c))
    assert await run.db["inbox"].count_documents({}) == 3
    assert len({ack["event_id"] for ack in acks}) == 3, "the copies are re-sends of the same events"


@pytest.mark.parametrize(("crash", "exit_code"), [("before", 4), ("after", 5)])
async def test_a_crash_mid_batch_then_a_restart_leaves_every_effect_once(
    run: Run, crash: str, exit_code: int
) -> None:
    events = notes(*[f"n{i}" for i in range(12)], "crash", *[f"m{i}" for i in range(12)])
    await run.produce(*events)
    first = run.start(crash)

    async def crashed() -> bool:
        return first.poll() is not None

    await eventually(crashed, 90, "the consumer to crash at the marked batch")
    assert first.returncode == exit_code
    run.start(crash)  # the marker is there: this one does not crash

    await eventually(lambda: run.all_sent(len(events)), 120, "every event stored and relayed")
    assert await run.counts() == {e.note: 1 for e in events}
    assert sorted(await run.outbox_causes()) == sorted(str(e.event_id) for e in events)
    assert await run.db["inbox"].count_documents({}) == len(events)


async def test_a_failing_event_inside_a_batch_goes_to_the_dlq_and_the_others_are_applied(run: Run) -> None:
    events = notes("a", "poison", "b", "c")
    poison = events[1]
    await run.produce(*events, partition=0)
    run.start()

    await eventually(lambda: run.all_sent(3), 90, "the other three stored and relayed")
    [(body, headers)] = await read_dead_letters(run.bootstrap, TOPIC, 1)
    assert body == poison.model_dump_json().encode()
    assert (headers["x-error-kind"], headers["x-attempts"]) == ("handler_failed", str(ATTEMPTS))
    assert await run.counts() == {"a": 1, "b": 1, "c": 1}
    assert await run.db["attempts"].find_one({"_id": str(poison.event_id)}) is None


async def test_an_event_that_kills_its_consumer_inside_a_batch_ends_in_the_dlq(run: Run) -> None:
    events = notes("a", "killer", "b")
    await run.produce(*events, partition=0)  # in this order: "b" handled means the killer is behind
    for _ in range(ATTEMPTS + 2):  # one bounded restart more than needed
        proc = run.start()

        async def died_or_handled(proc: subprocess.Popen[bytes] = proc) -> bool:
            return proc.poll() is not None or (await run.counts()).get("b") == 1

        await eventually(died_or_handled, 90, "the consumer to die on the killer or get past it")
        if proc.poll() is None:
            break
        assert proc.returncode == 3, "killed by the killer event, not by something else"

    assert [p.returncode for p in run.procs[:-1]] == [3] * ATTEMPTS
    assert run.procs[-1].poll() is None, "the restart after the attempts is alive and moved on"
    [(body, headers)] = await read_dead_letters(run.bootstrap, TOPIC, 1)
    assert body == events[1].model_dump_json().encode()
    assert (headers["x-error-kind"], headers["x-attempts"]) == ("attempts_exhausted", str(ATTEMPTS))
    await eventually(lambda: run.all_sent(2), 60, "the other two relayed")
    assert await run.counts() == {"a": 1, "b": 1}


async def test_events_the_broker_did_not_take_at_commit_are_left_to_the_relay(run: Run) -> None:
    outbox = Outbox(run.db)
    away = make_broker("127.0.0.1:9", client_id="never-connected")  # the broker is away
    inbox = MongoInbox(run.client, run.db, outbox, publisher=away)
    [filed] = notes("a")
    ack = Acknowledged(campaign_id="c1", producer="test", submission_id=filed.submission_id, note="a")
    await inbox.apply_many(TOPIC, [(str(filed.event_id), Effect(emit=[ack]))])

    entry = await run.db["outbox"].find_one({"_id": str(ack.event_id)})
    assert entry is not None and entry["sent"] is False, "re-armed for the relay, not lost"
    broker = make_broker(run.bootstrap, client_id="relay")
    await broker.connect()
    try:
        assert await outbox.relay_once(broker) == 1
    finally:
        await broker.stop()
    [copy] = await run.acks({"a": 1})
    assert copy["event_id"] == str(ack.event_id)
