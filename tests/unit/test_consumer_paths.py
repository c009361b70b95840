"""The consumer's delivery paths on in-memory fakes: duplicates, retries, dead letters, crashes.

The same policy runs on the real broker and store in tests/integration/test_delivery.py."""

import asyncio
import copy
from dataclasses import replace
from typing import Literal

import pytest
from pymongo import UpdateOne
from pymongo.errors import AutoReconnect, OperationFailure

from contracts import BaseEvent, dlq_topic
from services.common.consumer import Consumer, Effect, NotReady
from tests.unit.fakes import FakeInbox, FakeTransaction, RecordingBus, RecordingSleep

TOPIC = "zhengji.test.noted.v1"
WHERE = {"topic": TOPIC, "partition": 0, "offset": 7, "group": "zhengji-test"}


class Noted(BaseEvent):
    event_type: Literal["test.noted"] = "test.noted"
    note: str


class Acknowledged(BaseEvent):
    event_type: Literal["test.acknowledged"] = "test.acknowledged"
    note: str


class Desk:
    """A service under test: counts each note it applies and emits an acknowledgement.

    ``failures`` lists, per note, the errors its next handler calls raise, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failures: dict[str, list[BaseException]] = {}

    async def handle(self, event: Noted) -> Effect[FakeTransaction]:
        self.calls.append(event.note)
        pending = self.failures.get(event.note)
        if pending:
            raise pending.pop(0)

        async def writes(txn: FakeTransaction) -> None:
            counted = txn.table("notes").setdefault(event.note, {"count": 0})
            counted["count"] += 1

        ack = Acknowledged(campaign_id=event.campaign_id, producer="test", note=event.note)
        return Effect(writes=writes, emit=[ack])


def noted(note: str) -> bytes:
    return Noted(campaign_id="c1", producer="test", note=note).model_dump_json().encode()


# Each test gets fresh parts; the consumer fixture below wires them together.
desk = pytest.fixture(name="desk")(lambda: Desk())
store = pytest.fixture(name="store")(lambda: FakeInbox())
bus = pytest.fixture(name="bus")(lambda: RecordingBus())
sleep = pytest.fixture(name="sleep")(lambda: RecordingSleep())


@pytest.fixture
def consumer(
    desk: Desk, store: FakeInbox, bus: RecordingBus, sleep: RecordingSleep
) -> Consumer[Noted, FakeTransaction]:
    return Consumer(
        service="test",
        topic=TOPIC,
        model=Noted,
        handler=desk.handle,
        store=store,
        dead_letters=bus,
        attempts=4,
        backoff_s=0.5,
        not_ready_limit=3,
        sleep=sleep,
    )


def restarted(consumer: Consumer[Noted, FakeTransaction]) -> Consumer[Noted, FakeTransaction]:
    """A fresh consumer (a restarted process) on the same store: nothing in memory survives."""
    fresh = copy.copy(consumer)
    fresh._not_ready = {}
    return fresh


def count(store: FakeInbox, note: str) -> int:
    return int(store.table("notes").get(note, {"count": 0})["count"])


async def test_a_duplicate_event_is_applied_once_and_rearms_what_it_caused(
    consumer: Consumer[Noted, FakeTransaction], store: FakeInbox, desk: Desk
) -> None:
    raw = noted("a")
    await consumer(raw, WHERE)
    sent = store.relay()
    await consumer(raw, WHERE)

    assert count(store, "a") == 1
    assert desk.calls == ["a"]
    assert len(sent) == 1
    # The broker may have lost the acknowledgement: the duplicate makes the relay send it again.
    assert store.relay() == sent


async def test_two_deliveries_racing_store_one_effect(
    consumer: Consumer[Noted, FakeTransaction], store: FakeInbox, desk: Desk
) -> None:
    raw = noted("a")
    first_handling = asyncio.Event()
    second_applied = asyncio.Event()
    handle = desk.handle

    async def slow_then_fast(event: Noted) -> Effect[FakeTransaction]:
        effect = await handle(event)
        if len(desk.calls) == 1:  # the first delivery stalls until the second has stored its effect
            first_handling.set()
            await second_applied.wait()
        return effect

    consumer.handler = slow_then_fast

    async def second() -> None:
        await first_handling.wait()
        await consumer(raw, WHERE)
        second_applied.set()

    await asyncio.wait_for(asyncio.gather(consumer(raw, WHERE), second()), timeout=5)

    assert desk.calls == ["a", "a"]
    assert count(store, "a") == 1
    assert len(store.relay()) == 1


async def test_a_transient_failure_is_retried_with_backoff_and_has_one_effect(
    consumer: Consumer[Noted, FakeTransaction],
    store: FakeInbox,
    desk: Desk,
    bus: RecordingBus,
    sleep: RecordingSleep,
) -> None:
    desk.failures["a"] = [ValueError("thumbnail not ready"), ValueError("thumbnail not ready")]
    await consumer(noted("a"), WHERE)

    assert desk.calls == ["a", "a", "a"]
    assert count(store, "a") == 1
    assert len(store.relay()) == 1
    assert sleep.waits == [0.5, 1.0]
    assert bus.parked == []


async def test_a_poison_message_is_dead_lettered_after_the_attempts_and_the_next_one_goes_through(
    consumer: Consumer[Noted, FakeTransaction], store: FakeInbox, desk: Desk, bus: RecordingBus
) -> None:
    desk.failures["poison"] = [KeyError("rubric")] * 10
    poison = noted("poison")
    await consumer(poison, WHERE)
    await consumer(noted("b"), {**WHERE, "offset": 8})

    assert desk.calls == ["poison"] * 4 + ["b"]
    [letter] = bus.parked
    assert letter.raw == poison
    assert letter.topic == dlq_topic(TOPIC)
    assert letter.headers["x-error-kind"] == "handler_failed"
    assert letter.headers["x-attempts"] == "4"
    assert letter.headers["x-error"] == "KeyError: 'rubric'"
    assert letter.headers["x-original-offset"] == "7"
    assert letter.headers["x-consumer-group"] == "zhengji-test"
    # Nothing of the poison message is stored, so a redrive from the DLQ applies it afresh.
    assert not await store.seen(str(Noted.model_validate_json(poison).event_id))
    assert count(store, "poison") == 0
    assert count(store, "b") == 1


async def test_a_payload_that_is_not_an_event_is_dead_lettered_without_handling(
    consumer: Consumer[Noted, FakeTransaction], desk: Desk, bus: RecordingBus
) -> None:
    await consumer(b"{not json", WHERE)

    assert desk.calls == []
    [letter] = bus.parked
    assert (letter.raw, letter.headers["x-error-kind"], letter.headers["x-attempts"]) == (
        b"{not json",
        "invalid_event",
        "0",
    )


async def test_a_crash_between_effect_and_outbox_leaves_nothing_half_written(
    consumer: Consumer[Noted, FakeTransaction], store: FakeInbox, bus: RecordingBus
) -> None:
    raw = noted("a")
    store.crash_before_outbox = AutoReconnect("store went away mid-transaction")
    with pytest.raises(AutoReconnect):
        await consumer(raw, WHERE)  # raising: the offset stays uncommitted and the event comes again

    assert store.table("inbox") == {}
    assert count(store, "a") == 0
    assert store.relay() == []

    await consumer(raw, WHERE)
    assert count(store, "a") == 1
    assert len(store.relay()) == 1
    assert bus.parked == []


async def test_an_event_that_comes_too_early_waits_then_is_parked_when_it_never_gets_ready(
    consumer: Consumer[Noted, FakeTransaction], store: FakeInbox, desk: Desk, bus: RecordingBus
) -> None:
    raw = noted("early")
    desk.failures["early"] = [NotReady("campaign c1 not known yet")] * 3
    for _ in range(2):
        with pytest.raises(NotReady):
            await consumer(raw, WHERE)
        assert bus.parked == []
    await consumer(raw, WHERE)

    [letter] = bus.parked
    assert (letter.headers["x-error-kind"], letter.headers["x-attempts"]) == ("not_ready", "3")
    assert count(store, "early") == 0


async def test_an_event_that_is_ready_on_redelivery_is_applied(
    consumer: Consumer[Noted, FakeTransaction], store: FakeInbox, desk: Desk, bus: RecordingBus
) -> None:
    raw = noted("early")
    desk.failures["early"] = [NotReady("campaign c1 not known yet")]
    with pytest.raises(NotReady):
        await consumer(raw, WHERE)
    await consumer(raw, WHERE)

    assert count(store, "early") == 1
    assert bus.parked == []


async def test_an_outage_is_redelivered_never_dead_lettered(
    consumer: Consumer[Noted, FakeTransaction], desk: Desk, bus: RecordingBus
) -> None:
    desk.failures["a"] = [AutoReconnect("connection reset")]
    with pytest.raises(AutoReconnect):
        await consumer(noted("a"), WHERE)

    assert desk.calls == ["a"]  # not retried in place: the broker redelivers it
    assert bus.parked == []


async def test_a_dead_letter_waits_for_the_broker_rather_than_being_lost(
    consumer: Consumer[Noted, FakeTransaction], bus: RecordingBus, sleep: RecordingSleep
) -> None:
    bus.failures = 2
    await consumer(b"{not json", WHERE)

    assert [letter.raw for letter in bus.parked] == [b"{not json"]
    assert sleep.waits == [0.5, 0.5]


class Killed(BaseException):
    """What the process dying mid-handling looks like from inside: nothing of ours catches it."""


async def test_a_message_that_kills_its_consumer_is_parked_after_the_attempts_and_the_next_goes_through(
    consumer: Consumer[Noted, FakeTransaction], store: FakeInbox, desk: Desk, bus: RecordingBus
) -> None:
    desk.failures["poison"] = [Killed()] * 10
    poison = noted("poison")
    for _ in range(4):  # each delivery takes the process down; the broker redelivers after a restart
        with pytest.raises(Killed):
            await consumer(poison, WHERE)
        consumer = restarted(consumer)
    await consumer(poison, WHERE)
    await consumer(noted("b"), {**WHERE, "offset": 8})

    assert desk.calls == ["poison"] * 4 + ["b"]
    [letter] = bus.parked
    assert (letter.raw, letter.topic) == (poison, dlq_topic(TOPIC))
    assert (letter.headers["x-error-kind"], letter.headers["x-attempts"]) == ("attempts_exhausted", "4")
    assert "died while handling" in letter.headers["x-error"]
    assert count(store, "b") == 1
    # The count went with the letter: a redrive from the DLQ is handled afresh.
    desk.failures["poison"] = []
    await consumer(poison, WHERE)
    assert count(store, "poison") == 1


async def test_attempts_spent_before_a_crash_count_against_the_retries_after_it(
    consumer: Consumer[Noted, FakeTransaction], desk: Desk, bus: RecordingBus
) -> None:
    desk.failures["a"] = [Killed(), Killed(), ValueError("bad rubric"), ValueError("bad rubric")]
    raw = noted("a")
    for _ in range(2):
        with pytest.raises(Killed):
            await consumer(raw, WHERE)
        consumer = restarted(consumer)
    await consumer(raw, WHERE)

    assert desk.calls == ["a"] * 4
    [letter] = bus.parked
    assert (letter.headers["x-error-kind"], letter.headers["x-attempts"]) == ("handler_failed", "4")
    assert letter.headers["x-error"] == "ValueError: bad rubric"


async def test_waiting_and_outages_spend_no_attempts(
    consumer: Consumer[Noted, FakeTransaction], store: FakeInbox, desk: Desk, bus: RecordingBus
) -> None:
    desk.failures["a"] = [NotReady("campaign c1 not known yet"), AutoReconnect("reset")] * 3
    raw = noted("a")
    for _ in range(6):
        with pytest.raises((NotReady, AutoReconnect)):
            await consumer(raw, WHERE)
        consumer = restarted(consumer)
    await consumer(raw, WHERE)

    assert desk.calls == ["a"] * 7
    assert count(store, "a") == 1
    assert bus.parked == []


class UncountableInbox(FakeInbox):
    """A store that refuses the count (not an outage: e.g. a missing permission)."""

    async def count_attempt(self, event_id: str, topic: str) -> int:
        raise OperationFailure("not authorized on attempts", code=13)


async def test_a_store_that_cannot_count_still_gives_up_after_the_attempts(
    consumer: Consumer[Noted, FakeTransaction], desk: Desk, bus: RecordingBus
) -> None:
    consumer.store = UncountableInbox()
    await consumer(noted("a"), WHERE)

    assert desk.calls == []
    [letter] = bus.parked
    assert (letter.headers["x-error-kind"], letter.headers["x-attempts"]) == ("handler_failed", "4")
    assert letter.headers["x-error"].startswith("OperationFailure: not authorized")


async def test_a_queued_job_wakes_its_runner_once_after_the_commit_and_never_for_a_crashed_try(
    consumer: Consumer[Noted, FakeTransaction], store: FakeInbox, desk: Desk
) -> None:
    """A runner woken before its job is stored finds nothing and sleeps until its next poll."""
    job = ("jobs", UpdateOne({"_id": "a"}, {"$setOnInsert": {"state": "queued"}}, upsert=True))
    stored_at_wake: list[bool] = []
    handle = desk.handle

    async def queue_job(event: Noted) -> Effect[FakeTransaction]:
        effect = await handle(event)
        return replace(effect, bulk=[job], committed=lambda: stored_at_wake.append(job in store.bulk))

    consumer.handler = queue_job
    raw = noted("a")
    store.crash_before_outbox = AutoReconnect("store went away mid-transaction")
    with pytest.raises(AutoReconnect):
        await consumer(raw, WHERE)
    assert (store.bulk, stored_at_wake) == ([], [])

    await consumer(raw, WHERE)  # delivered again
    await consumer(raw, WHERE)  # and once more: a duplicate
    assert store.bulk == [job]
    assert stored_at_wake == [True]
