"""The consumer's production adapters: the inbox transaction in Mongo, dead letters on Kafka.

The policy they serve is in ``consumer.py``; the integration tests
(``tests/integration/test_delivery.py``) prove these on the real store and broker."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient, DeleteOne, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from services.common.consumer import AlreadyApplied, BulkWrite, Effect
from services.common.outbox import Outbox
from services.common.pruning import RECEIVED_AT
from services.common.store import in_transaction

DUPLICATE_KEY = 11000


class MongoInbox:
    """A service's ``inbox`` (``{_id: event_id, topic, received_at}``) beside its writes and outbox,
    and its ``attempts`` (``{_id: event_id, topic, count, received_at}``: the latest attempt's time)."""

    def __init__(
        self,
        client: AsyncMongoClient[dict[str, Any]],
        db: AsyncDatabase[dict[str, Any]],
        outbox: Outbox,
        publisher: KafkaBroker | None = None,
    ) -> None:
        self.client, self.db, self.inbox, self.outbox = client, db, db["inbox"], outbox
        self.attempts = db["attempts"]
        # Given: the events a transaction stored are published right after its commit (before the
        # offsets are), not by the relay; see Outbox.publish_committed.
        self.publisher = publisher

    async def seen(self, event_id: str) -> bool:
        return await self.inbox.find_one({"_id": event_id}, {"_id": 1}) is not None

    async def apply(self, event_id: str, topic: str, effect: Effect[AsyncClientSession]) -> None:
        await self.apply_many(topic, [(event_id, effect)])

    async def rearm(self, event_id: str) -> int:
        return await self.outbox.rearm(event_id)

    async def count_attempt(self, event_id: str, topic: str) -> int:
        counted = await self.attempts.find_one_and_update(
            {"_id": event_id},
            {"$inc": {"count": 1}, "$set": {"topic": topic, RECEIVED_AT: datetime.now(UTC)}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(counted["count"]) if counted else 1  # an upsert with AFTER always returns one

    async def uncount_attempt(self, event_id: str) -> None:
        await self.attempts.update_one({"_id": event_id, "count": {"$gt": 0}}, {"$inc": {"count": -1}})

    async def forget_attempts(self, event_id: str) -> None:
        await self.attempts.delete_one({"_id": event_id})

    # -- the same for a batch: a few round trips for the whole batch, whatever its size ----------

    async def count_first_attempts(self, event_ids: Sequence[str], topic: str) -> set[str]:
        now = datetime.now(UTC)
        firsts = [{"_id": i, "topic": topic, "count": 1, RECEIVED_AT: now} for i in event_ids]
        try:
            await self.attempts.insert_many(firsts, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            before = {firsts[error["index"]]["_id"] for error in errors}
            return {i for i in event_ids if i not in before}
        return set(event_ids)

    async def uncount_first_attempts(self, event_ids: Sequence[str]) -> None:
        # One delete per id in one bulk write: SecantusDB's $in costs more per id as the list grows.
        await self.attempts.bulk_write([DeleteOne({"_id": i, "count": {"$lte": 1}}) for i in event_ids])

    async def apply_many(self, topic: str, effects: Sequence[tuple[str, Effect[AsyncClientSession]]]) -> None:
        """Every event's inbox marker, writes and outbox entries in ONE transaction, in order: a
        handler's ``writes`` see what the events before it wrote, their ``bulk`` writes included."""
        now = datetime.now(UTC)

        async def work(session: AsyncClientSession) -> list[dict[str, Any]]:
            markers = [{"_id": event_id, "topic": topic, RECEIVED_AT: now} for event_id, _ in effects]
            await self.inbox.insert_many(markers, session=session)
            bulk: list[BulkWrite] = []
            for _, effect in effects:
                if effect.writes is not None:
                    await self._bulk_write(bulk, session)
                    await effect.writes(session)
                bulk.extend(effect.bulk)
            await self._bulk_write(bulk, session)
            caused = [(event_id, effect.emit) for event_id, effect in effects]
            traces = {event_id: effect.trace for event_id, effect in effects if effect.trace}
            return await self.outbox.add_caused(
                caused, session, publisher=self.publisher is not None, traces=traces
            )

        try:
            stored = await in_transaction(self.client, work)
        except (DuplicateKeyError, BulkWriteError):
            # Another delivery of one of them committed first (an inbox marker's _id clashed)?
            if await self.inbox.find_one({"_id": {"$in": [event_id for event_id, _ in effects]}}):
                raise AlreadyApplied(effects[0][0]) from None
            raise
        if self.publisher is not None and stored:
            await self.outbox.publish_committed(self.publisher, stored)

    async def _bulk_write(self, pending: list[BulkWrite], session: AsyncClientSession) -> None:
        """Send what is pending, one bulk write per collection (each in its order), and clear it."""
        by_collection: dict[str, list[Any]] = {}
        for collection, write in pending:
            by_collection.setdefault(collection, []).append(write)
        for collection, writes in by_collection.items():
            await self.db[collection].bulk_write(writes, ordered=True, session=session)
        pending.clear()


class KafkaDeadLetters:
    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker

    async def park(self, raw: bytes, topic: str, headers: dict[str, str]) -> None:
        await self.broker.publish(raw, topic=topic, headers=headers)
