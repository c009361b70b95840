"""Consuming in batches: the policy of ``consumer.py``, with one store transaction for many events.

What a poll returns is handled in *runs*: consecutive events of one topic, no two with the same
partition key (a handler reads its submission's state before the transaction, so a second event
for the same key waits for the first one's commit: the run ends before it), at most ``max_events``
of them, and closed early once their handlers have spent ``max_work_s`` (a slow handler, such as
the validator's ffprobe, gets small runs: a crash loses little work). For a run:

1. one insert counts a first attempt at every event, before any handler runs (as ``consumer.py``
   counts, outside the effect's transaction, so a crash still counts). An event that already has
   a count came before: it was applied (a duplicate) or its attempt never finished (its process
   died). Then the run is taken one event at a time through ``Consumer``, which re-arms the
   duplicates' outbox entries and whose count singles out the event that kills its process;
2. the handlers, in order; the first that fails ends the run there;
3. ONE transaction: every handled event's inbox marker, writes and outbox entries (``apply_many``);
   if it fails (another delivery stored one first, or one event's writes fail), those events are
   taken one at a time: whichever is at fault is retried, then parked, the others are applied;
4. the event whose handler failed goes through ``Consumer`` on its own: counted attempts with
   backoff, then the DLQ (its count from step 1 is its first attempt); the next run goes on after it.

An event not ready yet (``NotReady``) or a store or broker outage stops the batch: ``__call__``
says how many deliveries are done, and the caller rewinds each partition to its first one not done,
so the offsets committed after the batch cover exactly what was stored (decision 0024).
"""

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Generic, Protocol

from pydantic import ValidationError

from services.common.consumer import Consumer, E, Effect, InboxStore, NotReady, S, is_outage
from services.common.log import get_logger
from services.common.metrics import EVENTS_CONSUMED, HANDLER_SECONDS
from services.common.tracing import consumed, trace_fields

log = get_logger("consumer")


@dataclass(frozen=True)
class Delivery:
    """One record as the broker delivered it; ``where`` is what a dead letter's headers say."""

    raw: bytes
    where: dict[str, Any]  # topic, partition, offset, group
    headers: dict[str, str] = field(default_factory=dict)  # kept only when tracing is on

    @property
    def topic(self) -> str:
        return str(self.where["topic"])


class BatchStore(InboxStore[S], Protocol[S]):
    """``InboxStore`` with the batch's round trips: each call covers every event it is given."""

    async def count_first_attempts(self, event_ids: Sequence[str], topic: str) -> set[str]:
        """Count a first attempt at once at each event that has none; which ones were counted (the
        others were attempted, or applied, before: they are left as they are)."""
        ...

    async def uncount_first_attempts(self, event_ids: Sequence[str]) -> None:
        """Take back first attempts counted by ``count_first_attempts``."""
        ...

    async def apply_many(self, topic: str, effects: Sequence[tuple[str, Effect[S]]]) -> None:
        """Every event's inbox marker, writes and outbox entries in one transaction, in order;
        ``AlreadyApplied`` when the inbox already holds one of them."""
        ...


@dataclass
class _Run(Generic[E]):
    positions: list[int]  # where each event is in the batch
    items: list[tuple[Delivery, E]]

    @property
    def ids(self) -> list[str]:
        return [str(event.event_id) for _, event in self.items]


class BatchConsumer(Generic[E, S]):
    def __init__(
        self,
        consumer: Consumer[E, S],
        store: BatchStore[S],
        *,
        max_events: int = 500,
        max_work_s: float = 0.5,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.consumer, self.store = consumer, store
        self.max_events, self.max_work_s, self.clock = max_events, max_work_s, clock

    async def __call__(self, deliveries: Sequence[Delivery]) -> int:
        """Handle ``deliveries`` (one topic, in the order of the poll); how many are done, from the
        first: the rest must be delivered again."""
        events = [self._parse(d) for d in deliveries]
        position = 0
        while position < len(deliveries):
            if events[position] is None:  # not an event at all: the one-by-one path parks it
                if (await self._one_by_one([deliveries[position]]))[1]:
                    return position
                position += 1
                continue
            run, after = self._gather(deliveries, events, position)
            try:
                done, stop = await self._run(run)
            except Exception as exc:
                if not is_outage(exc):
                    # Ours, not an event's: the batch comes again, after a pause (never a tight loop).
                    log.error("batch_failed", error=f"{type(exc).__name__}: {exc}"[:500])
                    await self.consumer.sleep(self.consumer.backoff_s)
                    raise
                log.warning("store_or_broker_unavailable", error=str(exc))
                await self.consumer.sleep(self.consumer.backoff_s * 4)
                done, stop = 0, True
            if done < len(run.items):
                # Stopped (not ready, an outage): delivered again from there; or cut by the work budget.
                if stop:
                    return run.positions[done]
                position = run.positions[done]
                continue
            position = after
        return len(deliveries)

    def _parse(self, delivery: Delivery) -> E | None:
        try:
            return self.consumer.model.model_validate_json(delivery.raw)
        except ValidationError:
            return None

    def _gather(
        self, deliveries: Sequence[Delivery], events: Sequence[E | None], start: int
    ) -> tuple[_Run[E], int]:
        """The next run from ``start``, and the position after it."""
        run: _Run[E] = _Run([], [])
        keys: set[str] = set()
        position = start
        while position < len(deliveries) and len(run.items) < self.max_events:
            event = events[position]
            if event is None:
                break
            key = event.partition_key()
            if key in keys:
                break
            keys.add(key)
            run.positions.append(position)
            run.items.append((deliveries[position], event))
            position += 1
        return run, position

    async def _run(self, run: _Run[E]) -> tuple[int, bool]:
        """Handle one run: how many of its events are done, and whether the rest must be delivered
        again (rather than taken in the next run)."""
        ids, topic = run.ids, self.consumer.topic
        firsts = await self.store.count_first_attempts(ids, topic)
        if len(firsts) < len(ids):
            # Some came before: applied (a duplicate), or an attempt that never finished (its process
            # died). One at a time, as consumer.py counts: that singles out the event that kills us.
            await self._uncount(list(firsts))
            return await self._one_by_one([delivery for delivery, _ in run.items])
        effects: list[tuple[str, Effect[S]]] = []
        failed: Exception | None = None
        started = self.clock()
        for delivery, event in run.items:
            try:
                with (
                    self.consumer.log_context(event),
                    consumed(delivery.headers, topic, delivery.where["group"]),
                ):
                    effect = await self.consumer.handler(event)
                    effects.append((str(event.event_id), replace(effect, trace=trace_fields().get("trace"))))
            except Exception as exc:
                failed = exc
                break
            if self.clock() - started > self.max_work_s:
                break
        spent = self.clock() - started
        # Attempts counted for events not run, or whose failure was not theirs: taken back.
        at_fault = failed is not None and not isinstance(failed, NotReady) and not is_outage(failed)
        await self._uncount(ids[len(effects) + at_fault :])
        if effects:
            try:
                await self.store.apply_many(topic, effects)
            except Exception as exc:
                await self._uncount([event_id for event_id, _ in effects])
                if is_outage(exc):
                    raise
                # Someone else stored one of them first, or one event's writes fail: one at a time.
                log.warning("batch_apply_failed", error=f"{type(exc).__name__}: {exc}"[:500])
                return await self._one_by_one([delivery for delivery, _ in run.items[: len(effects)]])
            for event_id, effect in effects:
                if effect.committed is not None:
                    effect.committed()
                self.consumer.settled(event_id)
            EVENTS_CONSUMED.labels(self.consumer.service, topic, "ok").inc(len(effects))
            HANDLER_SECONDS.labels(self.consumer.service, topic).observe(spent / len(effects))
        if failed is None:
            return len(effects), False
        # The one that failed, on its own: retried with backoff, then parked; or not ready yet.
        done, stop = await self._one_by_one([run.items[len(effects)][0]])
        return len(effects) + done, stop

    async def _one_by_one(self, deliveries: Sequence[Delivery]) -> tuple[int, bool]:
        """Through ``Consumer``, each on its own: how many are done, and whether it stopped
        (``Consumer`` raises only to say: deliver it again)."""
        for done, delivery in enumerate(deliveries):
            try:
                await self.consumer(delivery.raw, delivery.where)
            except Exception as exc:
                if not isinstance(exc, NotReady) and not is_outage(exc):
                    # Consumer paused before raising for those two; this one comes again after one too.
                    log.error("event_failed_to_settle", error=f"{type(exc).__name__}: {exc}"[:500])
                    await self.consumer.sleep(self.consumer.backoff_s)
                return done, True
        return len(deliveries), False

    async def _uncount(self, event_ids: Sequence[str]) -> None:
        if not event_ids:
            return
        try:
            await self.store.uncount_first_attempts(event_ids)
        except Exception as exc:  # the store is away: the attempts stay spent, one of several
            log.warning("attempt_uncount_failed", error=str(exc))


OnBatch = Callable[[Sequence[Delivery]], Awaitable[Sequence[Delivery]]]


def by_topic(consumers: Mapping[str, BatchConsumer[Any, Any]]) -> OnBatch:
    """A service's batch handler over all its topics: each topic's deliveries to its consumer
    (topics in the order they first appear); returns the deliveries that must come again."""

    async def on_batch(deliveries: Sequence[Delivery]) -> Sequence[Delivery]:
        topics: dict[str, list[Delivery]] = {}
        for delivery in deliveries:
            topics.setdefault(delivery.topic, []).append(delivery)
        again: list[Delivery] = []
        for topic, mine in topics.items():
            done = await consumers[topic](mine)
            again.extend(mine[done:])
        return again

    return on_batch
