"""The batch path's policy on in-memory fakes: one transaction per run, duplicates, a failing
event inside a batch, a batch that killed its process, an event not ready yet.

The same policy runs on the real broker and store in tests/integration/test_batch_delivery.py."""

import pytest
from pymongo import UpdateOne

from contracts import dlq_topic
from services.common.consumer import Consumer, Effect, NotReady
from services.common.consumer_batches import BatchConsumer, Delivery
from tests.integration.batch_consumer import TOPIC, Acknowledged, Filed
from tests.unit.fakes import FakeInbox, FakeTransaction, RecordingBus, RecordingSleep


class Desk:
    """Counts each note it applies and emits an acknowledgement; ``failures`` lists, per note, what
    its next handler calls raise; ``saw`` what count a note had when its handler ran. Each note
    also queues a job by a bulk write and, once committed, wakes its runner: ``woken`` lists the
    notes whose wake ran and whether their job was stored by then."""

    def __init__(self, store: FakeInbox) -> None:
        self.store = store
        self.calls: list[str] = []
        self.failures: dict[str, list[BaseException]] = {}
        self.saw: list[int] = []
        self.bad_writes: set[str] = set()
        self.woken: list[tuple[str, bool]] = []

    async def handle(self, event: Filed) -> Effect[FakeTransaction]:
        self.calls.append(event.note)
        self.saw.append(count(self.store, event.note))
        pending = self.failures.get(event.note)
        if pending:
            raise pending.pop(0)

        async def writes(txn: FakeTransaction) -> None:
            if event.note in self.bad_writes:
                raise ValueError(f"cannot store {event.note}")
            counted = txn.table("notes").setdefault(event.note, {"count": 0})
            counted["count"] += 1

        def wake() -> None:
            self.woken.append((event.note, job(event.note) in [op for _, op in self.store.bulk]))

        ack = Acknowledged(
            campaign_id=event.campaign_id, producer="test", submission_id=event.submission_id, note=event.note
        )
        return Effect(writes=writes, emit=[ack], bulk=[("jobs", job(event.note))], committed=wake)


def job(note: str) -> UpdateOne:
    return UpdateOne({"_id": note}, {"$setOnInsert": {"state": "queued"}}, upsert=True)


def count(store: FakeInbox, note: str) -> int:
    return int(store.table("notes").get(note, {"count": 0})["count"])


def filed(note: str, key: str | None = None) -> Filed:
    return Filed(campaign_id="c1", producer="test", submission_id=key or note, note=note)


def deliveries(*events: Filed) -> list[Delivery]:
    where = {"topic": TOPIC, "partition": 0, "group": "zhengji-test"}
    return [Delivery(e.model_dump_json().encode(), {**where, "offset": i}) for i, e in enumerate(events)]


store = pytest.fixture(name="store")(lambda: FakeInbox())
bus = pytest.fixture(name="bus")(lambda: RecordingBus())
sleep = pytest.fixture(name="sleep")(lambda: RecordingSleep())


@pytest.fixture
def desk(store: FakeInbox) -> Desk:
    return Desk(store)


@pytest.fixture
def batch(
    desk: Desk, store: FakeInbox, bus: RecordingBus, sleep: RecordingSleep
) -> BatchConsumer[Filed, FakeTransaction]:
    consumer = Consumer(
        service="test",
        topic=TOPIC,
        model=Filed,
        handler=desk.handle,
        store=store,
        dead_letters=bus,
        attempts=3,
        backoff_s=0.5,
        not_ready_limit=3,
        sleep=sleep,
    )
    return BatchConsumer(consumer, store, max_events=100)


async def test_a_batch_is_stored_in_one_transaction_and_each_effect_once(
    batch: BatchConsumer[Filed, FakeTransaction], store: FakeInbox
) -> None:
    notes = [filed(f"n{i}") for i in range(10)]
    assert await batch(deliveries(*notes)) == 10

    assert store.transactions == 1
    assert all(count(store, f"n{i}") == 1 for i in range(10))
    assert len(store.relay()) == 10


async def test_the_same_event_twice_in_one_batch_and_in_the_next_has_one_effect(
    batch: BatchConsumer[Filed, FakeTransaction], store: FakeInbox, desk: Desk
) -> None:
    a, b = filed("a"), filed("b")
    assert await batch(deliveries(a, b, a)) == 3
    sent = store.relay()
    assert await batch(deliveries(b, a, filed("c"))) == 3

    assert (count(store, "a"), count(store, "b"), count(store, "c")) == (1, 1, 1)
    assert desk.calls == ["a", "b", "c"]
    # The duplicates re-arm what they caused: the broker may have lost it.
    again = store.relay()
    assert set(sent) <= set(again)
    assert len(again) == 3


async def test_a_second_event_for_the_same_key_is_handled_after_the_first_is_stored(
    batch: BatchConsumer[Filed, FakeTransaction], store: FakeInbox, desk: Desk
) -> None:
    first, second = filed("x", key="s1"), filed("x", key="s1")
    assert await batch(deliveries(filed("y"), first, second)) == 3

    assert desk.saw == [0, 0, 1], "the second handler saw the first one's effect"
    assert count(store, "x") == 2


async def test_a_failing_event_inside_a_batch_is_dead_lettered_and_the_rest_applied(
    batch: BatchConsumer[Filed, FakeTransaction], store: FakeInbox, desk: Desk, bus: RecordingBus
) -> None:
    desk.failures["poison"] = [KeyError("rubric")] * 10
    poison = filed("poison")
    assert await batch(deliveries(filed("a"), poison, filed("b"), filed("c"))) == 4

    assert desk.calls == ["a", "poison", "poison", "poison", "b", "c"], "3 attempts, the batch one included"
    [letter] = bus.parked
    assert (letter.topic, letter.headers["x-error-kind"], letter.headers["x-attempts"]) == (
        dlq_topic(TOPIC),
        "handler_failed",
        "3",
    )
    assert letter.raw == poison.model_dump_json().encode()
    assert [count(store, n) for n in ("a", "poison", "b", "c")] == [1, 0, 1, 1]


async def test_one_events_failing_writes_do_not_lose_the_others_in_its_transaction(
    batch: BatchConsumer[Filed, FakeTransaction], store: FakeInbox, desk: Desk, bus: RecordingBus
) -> None:
    desk.bad_writes.add("bad")
    assert await batch(deliveries(filed("a"), filed("bad"), filed("b"))) == 3

    assert [count(store, n) for n in ("a", "bad", "b")] == [1, 0, 1]
    [letter] = bus.parked
    assert letter.headers["x-error"] == "ValueError: cannot store bad"
    assert len(store.relay()) == 2
    # The jobs of a and b were queued, once each, and their runners woken only once they were.
    assert store.bulk == [("jobs", job("a")), ("jobs", job("b"))]
    assert desk.woken == [("a", True), ("b", True)]


async def test_a_batch_that_killed_its_process_is_taken_one_at_a_time_and_its_killer_parked(
    batch: BatchConsumer[Filed, FakeTransaction], store: FakeInbox, desk: Desk, bus: RecordingBus
) -> None:
    killer = filed("killer")
    notes = [filed("a"), killer, filed("b")]
    # Each delivery before this one counted its attempts and then died in the killer's handler.
    store.attempts = {str(e.event_id): 1 for e in notes}
    store.attempts[str(killer.event_id)] = 3

    assert await batch(deliveries(*notes)) == 3

    assert desk.calls == ["a", "b"], "the killer is not run again"
    [letter] = bus.parked
    assert letter.headers["x-error-kind"] == "attempts_exhausted"
    assert [count(store, n) for n in ("a", "killer", "b")] == [1, 0, 1]


async def test_an_event_not_ready_stops_the_batch_there_without_spending_attempts(
    batch: BatchConsumer[Filed, FakeTransaction], store: FakeInbox, desk: Desk, bus: RecordingBus
) -> None:
    early = filed("early")
    desk.failures["early"] = [NotReady("campaign c1 not known yet"), NotReady("still not")]
    assert await batch(deliveries(filed("a"), early, filed("b"))) == 1, "delivered again from the early one"

    assert count(store, "a") == 1 and count(store, "b") == 0
    assert store.attempts.get(str(early.event_id), 0) == 0
    assert bus.parked == []


async def test_slow_handlers_get_small_transactions(
    desk: Desk, store: FakeInbox, batch: BatchConsumer[Filed, FakeTransaction]
) -> None:
    ticks = iter(range(100))
    batch.clock = lambda: float(next(ticks))  # every handler takes a second
    batch.max_work_s = 1.5
    assert await batch(deliveries(*[filed(f"n{i}") for i in range(6)])) == 6

    assert store.transactions == 3
    assert all(count(store, f"n{i}") == 1 for i in range(6))


async def test_a_payload_that_is_not_an_event_is_parked_in_its_place(
    batch: BatchConsumer[Filed, FakeTransaction], store: FakeInbox, bus: RecordingBus
) -> None:
    good = deliveries(filed("a"), filed("b"))
    junk = Delivery(b"{not json", {**good[0].where, "offset": 5})
    assert await batch([good[0], junk, good[1]]) == 3

    [letter] = bus.parked
    assert (letter.raw, letter.headers["x-error-kind"]) == (b"{not json", "invalid_event")
    assert count(store, "a") == count(store, "b") == 1


async def test_a_batch_our_own_code_fails_on_comes_again_after_a_pause_not_at_once(
    batch: BatchConsumer[Filed, FakeTransaction], store: FakeInbox, sleep: RecordingSleep
) -> None:
    # Not an event's fault nor an outage (a bug, a store answer we do not expect): the batch is
    # delivered again, and a tight redelivery loop would keep the store busy for everyone.
    async def broken(event_ids: object, topic: str) -> set[str]:
        raise RuntimeError("unexpected answer")

    store.count_first_attempts = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await batch(deliveries(filed("n1"), filed("n2")))
    assert sleep.waits == [0.5]
