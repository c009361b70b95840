"""Pruning what delivery keeps only for a while: sent outbox rows and inbox markers.

A sent outbox row stays so that a duplicate delivery of its cause can re-arm it (a broker that
lost it heals); an inbox marker (a consumed ``event_id``) stays so that a redelivered event has
no second effect. Both matter only while the broker may still redeliver: past the age
(``ZHENGJI_PRUNE_AFTER_DAYS``, longer than the topics' retention) they only fill the store.
Unsent rows are never pruned, however old: they are events not yet published.

The consumer stamps each inbox marker with ``received_at``; markers written before it did are
stamped by the first prune that sees them and deleted by a later one once past the age, so a
marker is kept at least the age after it was written, never less.

The consumer's count of attempts at an event (``attempts``, stamped at each attempt) matters only
while the event may still come again, too: it goes at the same age."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.common.log import get_logger

RECEIVED_AT = "received_at"
log = get_logger("pruning")


@dataclass(frozen=True)
class Pruned:
    outbox: int
    inbox: int
    attempts: int = 0


class Pruner:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], after: timedelta) -> None:
        self.outbox, self.inbox, self.attempts = db["outbox"], db["inbox"], db["attempts"]
        self.after = after

    async def create_indexes(self) -> None:
        await self.outbox.create_index([("sent", 1), ("sent_at", 1)])
        await self.inbox.create_index(RECEIVED_AT)
        await self.attempts.create_index(RECEIVED_AT)

    async def prune_once(self, now: datetime | None = None) -> Pruned:
        now = now or datetime.now(UTC)
        cutoff = now - self.after
        sent = await self.outbox.delete_many({"sent": True, "sent_at": {"$lt": cutoff}})
        await self.inbox.update_many({RECEIVED_AT: {"$exists": False}}, {"$set": {RECEIVED_AT: now}})
        seen = await self.inbox.delete_many({RECEIVED_AT: {"$lt": cutoff}})
        tried = await self.attempts.delete_many({RECEIVED_AT: {"$lt": cutoff}})
        pruned = Pruned(outbox=sent.deleted_count, inbox=seen.deleted_count, attempts=tried.deleted_count)
        if pruned.outbox or pruned.inbox or pruned.attempts:
            log.info("pruned", db=self.outbox.database.name, **vars(pruned))
        return pruned
