"""The transactional outbox and its relay.

A service stores the events it wants to emit in its own ``outbox`` collection,
in the same transaction as the state change that causes them. The relay
publishes what is unsent and marks it sent. A crash between the two publishes
again on restart; consumers deduplicate by ``event_id``, so nothing visible is
duplicated and nothing is lost."""

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaBroker
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts import BaseEvent, topic_for
from services.common.loops import LoopState
from services.common.metrics import EVENTS_PUBLISHED, OUTBOX_OLDEST_AGE, OUTBOX_REFRESHED, OUTBOX_UNSENT
from services.common.tracing import continued, trace_fields


class Outbox:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = db["outbox"]
        self._wake = asyncio.Event()

    async def add(
        self, events: Sequence[BaseEvent], session: AsyncClientSession | None, causation: str | None = None
    ) -> None:
        if not events:
            return
        now = datetime.now(UTC)
        traced = trace_fields()  # the request or event being handled: the relay publishes in its trace
        docs = [
            {
                "_id": str(e.event_id),
                "topic": topic_for(e.event_type),
                "key": e.partition_key(),
                "payload": e.model_dump_json(),
                "causation": causation,
                "sent": False,
                "created_at": now,
                **traced,
            }
            for e in events
        ]
        await self.collection.insert_many(docs, session=session)
        self._wake.set()

    async def rearm(self, causation: str) -> int:
        """Publish again what a cause produced: a duplicate delivery may mean the broker lost it."""
        result = await self.collection.update_many({"causation": causation}, {"$set": {"sent": False}})
        if result.modified_count:
            self._wake.set()
        return result.modified_count

    async def pending(self) -> int:
        return await self.collection.count_documents({"sent": False})

    async def export_backlog(self, service: str) -> None:
        """Set the service's outbox gauges from the collection; run with ``Service.spawn_every``
        (not at scrape time: backlog.py says why). Uses the relay's (sent, created_at) index."""
        unsent = await self.pending()
        oldest = await self.collection.find_one({"sent": False}, {"created_at": 1}, sort=[("created_at", 1)])
        age = (datetime.now(UTC) - oldest["created_at"]).total_seconds() if oldest else 0.0
        OUTBOX_UNSENT.labels(service).set(unsent)
        OUTBOX_OLDEST_AGE.labels(service).set(max(0.0, age))
        OUTBOX_REFRESHED.labels(service).set_to_current_time()

    async def relay_once(self, broker: KafkaBroker, batch: int = 100) -> int:
        docs = await self.collection.find({"sent": False}).sort("created_at", 1).limit(batch).to_list()
        for doc in docs:
            with continued(doc.get("trace")):
                await broker.publish(
                    doc["payload"].encode(),
                    topic=doc["topic"],
                    key=doc["key"].encode(),
                    headers={"content-type": "application/json"},
                )
            EVENTS_PUBLISHED.labels(topic=doc["topic"]).inc()
        if docs:
            # Kept after sending (with sent_at): a duplicate delivery may re-arm them until pruning.py
            # deletes them.
            await self.collection.update_many(
                {"_id": {"$in": [d["_id"] for d in docs]}},
                {"$set": {"sent": True, "sent_at": datetime.now(UTC)}},
            )
        return len(docs)

    async def relay_forever(self, broker: KafkaBroker, poll_s: float, state: LoopState | None = None) -> None:
        """Publish as soon as something is added; poll too, for entries other processes wrote.

        The broker or store away: the entries stay, and the relay tries again after the backoff."""
        state = state or LoopState("outbox_relay")
        while True:
            self._wake.clear()
            try:
                relayed = await self.relay_once(broker)
            except Exception as exc:
                await state.failed(exc)
                continue
            state.ok()
            if relayed == 100:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_s)
