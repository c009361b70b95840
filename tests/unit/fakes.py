"""In-memory stand-ins for the parts the consumer drives, so the unit tier runs its paths.

``FakeInbox`` keeps its tables in dicts and honours the transaction as Mongo does: a handler's
writes, the inbox marker and the outbox entries land together or not at all.
``RecordingBus`` records what was dead-lettered instead of publishing it."""

import copy
from dataclasses import dataclass, field
from typing import Any

from contracts import topic_for
from services.common.consumer import AlreadyApplied, Effect

Doc = dict[str, Any]


class FakeTransaction:
    """What a handler's writes receive from ``FakeInbox``: a private copy of the tables."""

    def __init__(self, tables: dict[str, dict[str, Doc]]) -> None:
        self.tables = copy.deepcopy(tables)

    def table(self, name: str) -> dict[str, Doc]:
        return self.tables.setdefault(name, {})


class FakeInbox:
    def __init__(self) -> None:
        self.tables: dict[str, dict[str, Doc]] = {"inbox": {}, "outbox": {}}
        # Raised once between the effect's writes and the outbox insert, as a crash would be.
        self.crash_before_outbox: Exception | None = None

    def table(self, name: str) -> dict[str, Doc]:
        return self.tables.get(name, {})

    async def seen(self, event_id: str) -> bool:
        return event_id in self.tables["inbox"]

    async def apply(self, event_id: str, topic: str, effect: Effect[FakeTransaction]) -> None:
        txn = FakeTransaction(self.tables)
        if event_id in txn.table("inbox"):
            raise AlreadyApplied(event_id)
        txn.table("inbox")[event_id] = {"_id": event_id, "topic": topic}
        if effect.writes is not None:
            await effect.writes(txn)
        if self.crash_before_outbox is not None:
            crash, self.crash_before_outbox = self.crash_before_outbox, None
            raise crash
        for event in effect.emit:
            txn.table("outbox")[str(event.event_id)] = {
                "topic": topic_for(event.event_type),
                "payload": event.model_dump_json(),
                "causation": event_id,
                "sent": False,
            }
        self.tables = txn.tables  # the commit: one assignment, so nothing is ever half-written

    async def rearm(self, event_id: str) -> int:
        caused = [doc for doc in self.tables["outbox"].values() if doc["causation"] == event_id]
        for doc in caused:
            doc["sent"] = False
        return len(caused)

    def relay(self) -> list[str]:
        """Mark every unsent outbox entry sent, as the relay does; their payloads."""
        unsent = [doc for doc in self.tables["outbox"].values() if not doc["sent"]]
        for doc in unsent:
            doc["sent"] = True
        return [doc["payload"] for doc in unsent]


@dataclass
class Parked:
    raw: bytes
    topic: str
    headers: dict[str, str]


@dataclass
class RecordingBus:
    parked: list[Parked] = field(default_factory=list)
    # How many publishes fail before one goes through (a broker that is away for a moment).
    failures: int = 0

    async def park(self, raw: bytes, topic: str, headers: dict[str, str]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker away")
        self.parked.append(Parked(raw, topic, headers))


@dataclass
class RecordingSleep:
    """Stands in for ``asyncio.sleep``: records the backoff instead of waiting it out."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
