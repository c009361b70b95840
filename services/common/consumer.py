"""Consuming an event: parse, deduplicate, handle, store effect and outbox atomically.

Delivery policy (see docs/decisions/0002-delivery.md):
- the offset is committed only after this returns (FastStream NACK_ON_ERROR);
- a payload that is not a valid event goes straight to ``<topic>.dlq``: retrying cannot fix it;
- a handler error is retried ``attempts`` times with exponential backoff, then the
  event goes to the DLQ with the error, and the consumer moves on;
- each attempt is counted in the store before the handler runs (not in the effect's
  transaction), so an event whose handling kills the process (a crash, the OOM killer) spends
  its attempts across restarts too, and the next delivery past them parks it in the DLQ;
- an event that comes before what it needs (``NotReady``), or that meets a store or broker
  outage, raises, so it is redelivered rather than dead-lettered;
- the same ``event_id`` twice has one effect; the duplicate re-arms the outbox
  entries it caused, which heals a broker that lost them.

The policy is here; the parts it drives are two small protocols, ``InboxStore`` and
``DeadLetters``. Production uses Mongo and Kafka (``consumer_adapters.py``); the unit tier
uses in-memory fakes (``tests/unit/fakes.py``), so every path above runs without a broker.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol

import structlog
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from pydantic import BaseModel, ValidationError
from pymongo import DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import ConnectionFailure, PyMongoError

# A type variable with a default (PEP 696) so that handlers keep writing plain ``Effect``
# for a Mongo session; typing_extensions comes with pydantic.
from typing_extensions import TypeVar

from contracts import BaseEvent, dlq_topic
from services.common.log import get_logger
from services.common.metrics import EVENTS_CONSUMED, HANDLER_SECONDS

log = get_logger("consumer")
E = TypeVar("E", bound=BaseEvent)
# What a handler's writes receive: the store's transaction (a Mongo session in production).
S = TypeVar("S", default=AsyncClientSession)


# One write a batch can group with other events' writes: (collection name, a pymongo InsertOne,
# UpdateOne, ReplaceOne or DeleteOne).
BulkWrite = tuple[str, InsertOne[Any] | UpdateOne | ReplaceOne[Any] | DeleteOne]


@dataclass
class Effect(Generic[S]):
    """What handling an event decided: writes to apply and events to emit, atomically.

    ``writes`` runs in the transaction and may read there; ``bulk`` is for plain writes a hot
    handler opts into: the batch path sends a run's ``bulk`` writes as one bulk write per
    collection, instead of a round trip per event (applied after ``writes``). ``committed`` runs
    once the transaction has committed, never before: what must see the writes, such as waking a
    job runner for the job they queued (code that writes in a session itself, as ``writes`` does,
    says so with ``store.after_commit``)."""

    writes: Callable[[S], Awaitable[None]] | None = None
    emit: Sequence[BaseEvent] = field(default_factory=list)
    bulk: Sequence[BulkWrite] = ()
    committed: Callable[[], None] | None = None
    trace: dict[str, str] | None = None  # set by the batch path: the trace its events continue


Handler = Callable[[E], Awaitable[Effect[S]]]


class NotReady(Exception):
    """The event came before what it depends on (e.g. its campaign): deliver it again later.

    Not an error: the message is neither retried to exhaustion nor dead-lettered."""


class AlreadyApplied(Exception):
    """The inbox already holds this event: another delivery stored its effect first."""


class InboxStore(Protocol[S]):
    """The store the consumer writes to: its inbox, the effect's writes and its outbox."""

    async def seen(self, event_id: str) -> bool:
        """Whether the inbox holds ``event_id``."""
        ...

    async def apply(self, event_id: str, topic: str, effect: Effect[S]) -> None:
        """Store the inbox marker, ``effect.writes`` and ``effect.emit`` in one transaction:
        all of them or none. Raises ``AlreadyApplied`` when the inbox already holds it."""
        ...

    async def rearm(self, event_id: str) -> int:
        """Mark the events ``event_id`` caused as unsent again; how many there were."""
        ...

    async def count_attempt(self, event_id: str, topic: str) -> int:
        """Count one more attempt at ``event_id`` at once (it outlives a crash of this process);
        how many there have been, this one included."""
        ...

    async def uncount_attempt(self, event_id: str) -> None:
        """Take back an attempt that was not the event's fault (not ready, an outage)."""
        ...

    async def forget_attempts(self, event_id: str) -> None:
        """Drop the count of a parked event, so that a redrive from the DLQ starts afresh."""
        ...


class DeadLetters(Protocol):
    """Where a message the consumer gives up on is parked, with why in its headers."""

    async def park(self, raw: bytes, topic: str, headers: dict[str, str]) -> None: ...


class Consumer(Generic[E, S]):
    def __init__(
        self,
        *,
        service: str,
        topic: str,
        model: type[E],
        handler: Handler[E, S],
        store: InboxStore[S],
        dead_letters: DeadLetters,
        attempts: int = 3,
        backoff_s: float = 0.5,
        not_ready_limit: int = 240,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.service, self.topic, self.model, self.handler = service, topic, model, handler
        self.store, self.dead_letters = store, dead_letters
        self.attempts, self.backoff_s = attempts, backoff_s
        self.not_ready_limit = not_ready_limit
        self.sleep = sleep  # injectable so the unit tier checks the backoff without waiting it out
        self._not_ready: dict[str, int] = {}

    async def __call__(self, raw: bytes, where: dict[str, Any]) -> None:
        try:
            event = self.model.model_validate_json(raw)
        except ValidationError as exc:
            await self._dead_letter(raw, where, "invalid_event", _short(exc), 0)
            return
        with self.log_context(event):
            await self._process(event, raw, where)

    def log_context(self, event: E) -> AbstractContextManager[None]:
        """What every log line about ``event`` carries (the batch path binds it around each handler)."""
        return structlog.contextvars.bound_contextvars(
            submission_id=getattr(event, "submission_id", None),
            correlation_id=getattr(event, "correlation_id", None),
            event_id=str(event.event_id),
            service=self.service,
        )

    def settled(self, event_id: str) -> None:
        """``event_id`` was applied elsewhere (a batch): stop counting its waits for NotReady."""
        self._not_ready.pop(event_id, None)

    async def _process(self, event: E, raw: bytes, where: dict[str, Any]) -> None:
        event_id = str(event.event_id)
        if await self.store.seen(event_id):
            await self._duplicate(event_id)
            return
        here = 0  # attempts in this process: the stored count includes them, unless it failed
        while True:
            started = time.perf_counter()
            here += 1
            attempt, counted = here, False
            try:
                attempt, counted = max(here, await self.store.count_attempt(event_id, self.topic)), True
                if attempt > self.attempts:
                    # Earlier attempts never finished: each took its process down with it.
                    why = "处理时进程中断（崩溃或内存耗尽）/ the consumer died while handling it"
                    await self._dead_letter(raw, where, "attempts_exhausted", why, attempt - 1, event_id)
                    return
                effect = await self.handler(event)
                await self.store.apply(event_id, self.topic, effect)
                if effect.committed is not None:
                    effect.committed()
            except AlreadyApplied:
                await self._duplicate(event_id)
                return
            except NotReady as exc:
                waited = self._not_ready[event_id] = self._not_ready.get(event_id, 0) + 1
                if waited >= self.not_ready_limit:
                    # What it waits for is not coming: park it rather than block the partition forever.
                    self._not_ready.pop(event_id, None)
                    await self._dead_letter(raw, where, "not_ready", str(exc), waited, event_id)
                    return
                # Raising makes FastStream nack: the offset is rewound and the event comes again.
                log.info("event_not_ready", reason=str(exc), waited=waited)
                await self._uncount(event_id, counted)
                await self.sleep(self.backoff_s)
                raise
            except Exception as exc:
                if is_outage(exc):
                    # Our infrastructure, not the message: wait and take it again, never dead-letter it.
                    log.warning("store_or_broker_unavailable", error=str(exc))
                    await self._uncount(event_id, counted)
                    await self.sleep(self.backoff_s * 4)
                    raise
                error = f"{type(exc).__name__}: {exc}"
                log.warning("handler_failed", attempt=attempt, error=error)
                if attempt >= self.attempts:
                    await self._dead_letter(raw, where, "handler_failed", error, attempt, event_id)
                    return
                await self.sleep(self.backoff_s * 2 ** (attempt - 1))
                continue
            self.settled(event_id)
            HANDLER_SECONDS.labels(self.service, self.topic).observe(time.perf_counter() - started)
            EVENTS_CONSUMED.labels(self.service, self.topic, "ok").inc()
            return

    async def _uncount(self, event_id: str, counted: bool) -> None:
        if not counted:
            return
        try:
            await self.store.uncount_attempt(event_id)
        except Exception as exc:  # the store is away: the attempt stays spent, one of several
            log.warning("attempt_uncount_failed", error=str(exc))

    async def _duplicate(self, event_id: str) -> None:
        rearmed = await self.store.rearm(event_id)
        EVENTS_CONSUMED.labels(self.service, self.topic, "duplicate").inc()
        log.info("duplicate_event", rearmed=rearmed)

    async def _dead_letter(
        self,
        raw: bytes,
        where: dict[str, Any],
        kind: str,
        error: str,
        attempts: int,
        event_id: str | None = None,
    ) -> None:
        headers = {
            "x-error-kind": kind,
            "x-error": error[:2000],
            "x-attempts": str(attempts),
            "x-original-topic": str(where.get("topic")),
            "x-original-partition": str(where.get("partition")),
            "x-original-offset": str(where.get("offset")),
            "x-consumer-group": str(where.get("group")),
        }
        while True:
            try:
                await self.dead_letters.park(raw, dlq_topic(self.topic), headers)
                break
            except Exception as exc:  # cannot park it: keep it, the offset stays uncommitted
                log.error("dead_letter_failed", error=str(exc))
                await self.sleep(self.backoff_s)
        EVENTS_CONSUMED.labels(self.service, self.topic, "dead_lettered").inc()
        log.error("event_dead_lettered", kind=kind, error=error[:500], **where)
        if event_id is not None:
            try:
                await self.store.forget_attempts(event_id)
            except Exception as exc:  # a redrive would be parked again at once; pruning drops it later
                log.warning("attempts_forget_failed", error=str(exc))


def is_outage(exc: BaseException) -> bool:
    """Errors that say the store or broker is unreachable, as opposed to this message being bad."""
    return isinstance(exc, ConnectionFailure | KafkaConnectionError | KafkaTimeoutError) or (
        isinstance(exc, PyMongoError) and exc.has_error_label("TransientTransactionError")
    )


def _short(exc: ValidationError | BaseModel | Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
    return str(exc)
