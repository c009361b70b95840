"""Consuming an event: parse, deduplicate, handle, store effect and outbox atomically.

Delivery policy (see docs/decisions/0002-delivery.md):
- the offset is committed only after this returns (FastStream NACK_ON_ERROR);
- a payload that is not a valid event goes straight to ``<topic>.dlq``: retrying cannot fix it;
- a handler error is retried ``attempts`` times with exponential backoff, then the
  event goes to the DLQ with the error, and the consumer moves on;
- an event that comes before what it needs (``NotReady``), or that meets a store or broker
  outage, raises, so it is redelivered rather than dead-lettered;
- the same ``event_id`` twice has one effect; the duplicate re-arms the outbox
  entries it caused, which heals a broker that lost them.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import structlog
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from faststream.kafka import KafkaBroker
from pydantic import BaseModel, ValidationError
from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, DuplicateKeyError, PyMongoError

from contracts import BaseEvent, dlq_topic
from services.common.log import get_logger
from services.common.metrics import EVENTS_CONSUMED, HANDLER_SECONDS
from services.common.outbox import Outbox

log = get_logger("consumer")
E = TypeVar("E", bound=BaseEvent)
Writes = Callable[[AsyncClientSession], Awaitable[None]]


@dataclass
class Effect:
    """What handling an event decided: writes to apply and events to emit, atomically."""

    writes: Writes | None = None
    emit: Sequence[BaseEvent] = field(default_factory=list)


Handler = Callable[[E], Awaitable[Effect]]


class NotReady(Exception):
    """The event came before what it depends on (e.g. its campaign): deliver it again later.

    Not an error: the message is neither retried to exhaustion nor dead-lettered."""


class Consumer(Generic[E]):
    def __init__(
        self,
        *,
        service: str,
        topic: str,
        model: type[E],
        handler: Handler[E],
        client: AsyncMongoClient[dict[str, Any]],
        db: AsyncDatabase[dict[str, Any]],
        outbox: Outbox,
        broker: KafkaBroker,
        attempts: int = 3,
        backoff_s: float = 0.5,
        not_ready_limit: int = 240,
    ) -> None:
        self.service, self.topic, self.model, self.handler = service, topic, model, handler
        self.client, self.inbox, self.outbox, self.broker = client, db["inbox"], outbox, broker
        self.attempts, self.backoff_s = attempts, backoff_s
        self.not_ready_limit = not_ready_limit
        self._not_ready: dict[str, int] = {}

    async def __call__(self, raw: bytes, where: dict[str, Any]) -> None:
        try:
            event = self.model.model_validate_json(raw)
        except ValidationError as exc:
            await self._dead_letter(raw, where, "invalid_event", _short(exc), attempts=0)
            return
        with structlog.contextvars.bound_contextvars(
            submission_id=getattr(event, "submission_id", None),
            event_id=str(event.event_id),
            service=self.service,
        ):
            await self._process(event, raw, where)

    async def _process(self, event: E, raw: bytes, where: dict[str, Any]) -> None:
        event_id = str(event.event_id)
        if await self.inbox.find_one({"_id": event_id}, {"_id": 1}):
            await self._duplicate(event_id)
            return
        error = ""
        for attempt in range(1, self.attempts + 1):
            started = time.perf_counter()
            try:
                effect = await self.handler(event)
                await self._commit(event_id, effect)
            except DuplicateKeyError:
                await self._duplicate(event_id)
                return
            except NotReady as exc:
                waited = self._not_ready[event_id] = self._not_ready.get(event_id, 0) + 1
                if waited >= self.not_ready_limit:
                    # What it waits for is not coming: park it rather than block the partition forever.
                    self._not_ready.pop(event_id, None)
                    await self._dead_letter(raw, where, "not_ready", str(exc), attempts=waited)
                    return
                # Raising makes FastStream nack: the offset is rewound and the event comes again.
                log.info("event_not_ready", reason=str(exc), waited=waited)
                await asyncio.sleep(self.backoff_s)
                raise
            except Exception as exc:
                if is_outage(exc):
                    # Our infrastructure, not the message: wait and take it again, never dead-letter it.
                    log.warning("store_or_broker_unavailable", error=str(exc))
                    await asyncio.sleep(self.backoff_s * 4)
                    raise
                error = f"{type(exc).__name__}: {exc}"
                log.warning("handler_failed", attempt=attempt, error=error)
                if attempt < self.attempts:
                    await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))
                continue
            self._not_ready.pop(event_id, None)
            HANDLER_SECONDS.labels(self.service, self.topic).observe(time.perf_counter() - started)
            EVENTS_CONSUMED.labels(self.service, self.topic, "ok").inc()
            return
        await self._dead_letter(raw, where, "handler_failed", error, attempts=self.attempts)

    async def _commit(self, event_id: str, effect: Effect) -> None:
        async def work(session: AsyncClientSession) -> None:
            await self.inbox.insert_one({"_id": event_id, "topic": self.topic}, session=session)
            if effect.writes is not None:
                await effect.writes(session)
            await self.outbox.add(effect.emit, session, causation=event_id)

        async with self.client.start_session() as session:
            await session.with_transaction(work)

    async def _duplicate(self, event_id: str) -> None:
        rearmed = await self.outbox.rearm(event_id)
        EVENTS_CONSUMED.labels(self.service, self.topic, "duplicate").inc()
        log.info("duplicate_event", rearmed=rearmed)

    async def _dead_letter(
        self, raw: bytes, where: dict[str, Any], kind: str, error: str, attempts: int
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
                await self.broker.publish(raw, topic=dlq_topic(self.topic), headers=headers)
                break
            except Exception as exc:  # cannot park it: keep it, the offset stays uncommitted
                log.error("dead_letter_failed", error=str(exc))
                await asyncio.sleep(self.backoff_s)
        EVENTS_CONSUMED.labels(self.service, self.topic, "dead_lettered").inc()
        log.error("event_dead_lettered", kind=kind, error=error[:500], **where)


def is_outage(exc: BaseException) -> bool:
    """Errors that say the store or broker is unreachable, as opposed to this message being bad."""
    return isinstance(exc, ConnectionFailure | KafkaConnectionError | KafkaTimeoutError) or (
        isinstance(exc, PyMongoError) and exc.has_error_label("TransientTransactionError")
    )


def _short(exc: ValidationError | BaseModel | Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
    return str(exc)
