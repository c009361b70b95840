"""The transactional outbox and its relay.

A service stores the events it wants to emit in its own ``outbox`` collection,
in the same transaction as the state change that causes them. The relay
publishes what is unsent and marks it sent. A crash between the two publishes
again on restart; consumers deduplicate by ``event_id``, so nothing visible is
duplicated and nothing is lost."""

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaBroker
from pymongo import UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contracts import BaseEvent, topic_for
from services.common.log import get_logger
from services.common.loops import LoopState
from services.common.metrics import EVENTS_PUBLISHED, OUTBOX_OLDEST_AGE, OUTBOX_REFRESHED, OUTBOX_UNSENT
from services.common.store import after_commit
from services.common.tracing import continued, trace_fields

log = get_logger("outbox")
Doc = dict[str, Any]
# Entries published per relay round: one store query, one pipelined send and one update each.
RELAY_BATCH = 500


class Outbox:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.collection = db["outbox"]
        self._wake = asyncio.Event()

    async def add(
        self, events: Sequence[BaseEvent], session: AsyncClientSession | None, causation: str | None = None
    ) -> None:
        await self.add_caused([(causation, events)], session)

    async def add_caused(
        self,
        caused: Sequence[tuple[str | None, Sequence[BaseEvent]]],
        session: AsyncClientSession | None,
        publisher: bool = False,
        traces: Mapping[str, dict[str, str]] | None = None,
    ) -> list[Doc]:
        """Store what each cause emits, in one insert (a batch's outbox entries are one round trip).

        ``publisher``: the caller publishes them itself once committed (``publish_committed``), so
        they are stored as sent and the relay leaves them alone. ``traces``: per cause, the trace its
        events continue (a batch handles many traces at once); else the current one."""
        now = datetime.now(UTC)
        traced = trace_fields()  # the request or event being handled: the relay publishes in its trace
        docs: list[Doc] = [
            {
                "_id": str(e.event_id),
                "topic": topic_for(e.event_type),
                "key": e.partition_key(),
                "payload": e.model_dump_json(),
                "causation": causation,
                "sent": publisher,
                "created_at": now,
                **({"trace": traces[causation]} if traces and causation and causation in traces else traced),
            }
            | ({"sent_at": now} if publisher else {})
            for causation, events in caused
            for e in events
        ]
        if docs:
            await self.collection.insert_many(docs, session=session)
            if not publisher:
                after_commit(session, self._wake.set)
        return docs

    async def publish_committed(self, broker: KafkaBroker, docs: Sequence[Doc]) -> None:
        """Publish entries a consumer stored as sent, right after their commit and before its offsets
        are committed: a crash in between brings its events again, and their duplicates re-arm these.
        The broker away: re-armed here, for the relay. Saves the relay's find and update per entry."""
        try:
            await self._publish(broker, docs)
        except Exception as exc:
            log.warning("publish_after_commit_failed", error=str(exc)[:300], entries=len(docs))
            unsent = {"$set": {"sent": False}}
            await self.collection.bulk_write([UpdateOne({"_id": doc["_id"]}, unsent) for doc in docs])
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

    async def relay_once(self, broker: KafkaBroker, batch: int = RELAY_BATCH) -> int:
        """Publish up to ``batch`` unsent entries, pipelined; marked sent once all are confirmed."""
        docs = await self.collection.find({"sent": False}).sort("created_at", 1).limit(batch).to_list()
        await self._publish(broker, docs)
        # Kept after sending (with sent_at): a duplicate delivery may re-arm them until pruning.py
        # deletes them. One update per entry in one bulk write: SecantusDB's $in costs more per id
        # as the list grows.
        sent = {"$set": {"sent": True, "sent_at": datetime.now(UTC)}}
        if docs:
            await self.collection.bulk_write([UpdateOne({"_id": doc["_id"]}, sent) for doc in docs])
        return len(docs)

    async def _publish(self, broker: KafkaBroker, docs: Sequence[Doc]) -> None:
        """Each send handed to the producer in order (aiokafka keeps a partition's order), all
        confirmed together: one wait for the broker, not one per entry."""
        confirmations = []
        for doc in docs:
            with continued(doc.get("trace")):  # the trace of the request or event that caused it
                confirmations.append(
                    await broker.publish(
                        doc["payload"].encode(),
                        topic=doc["topic"],
                        key=doc["key"].encode(),
                        headers={"content-type": "application/json"},
                        no_confirm=True,
                    )
                )
        await asyncio.gather(*confirmations)
        for doc in docs:
            EVENTS_PUBLISHED.labels(topic=doc["topic"]).inc()

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
            if relayed == RELAY_BATCH:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll_s)
