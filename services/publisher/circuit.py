"""A circuit breaker per platform, kept in the store so every publisher replica sees it.

Closed: deliveries go out; failures in a row are counted. After ``failures`` in
a row the circuit opens: nothing goes to that platform until the cool-down has
passed, and its deliveries are re-scheduled for then (not tried, so their tries
are not burned). Then one delivery goes through as a probe (half-open): its
success closes the circuit, its failure opens it again. Other platforms are
not held up: each has its own circuit and no worker waits on an open one."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


@dataclass(frozen=True)
class Admission:
    allowed: bool
    retry_at: datetime | None = None
    probe: bool = False


def _now() -> datetime:
    return datetime.now(UTC)


class Circuits:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], failures: int, cooldown_s: float) -> None:
        self.circuits = db["circuits"]
        self.failures = failures
        self.cooldown = timedelta(seconds=cooldown_s)

    async def admit(self, platform: str, probe_s: float) -> Admission:
        """May a request go to ``platform`` now? If not, when to ask again."""
        doc = await self.circuits.find_one({"_id": platform})
        if doc is None or doc["state"] == CLOSED:
            return Admission(True)
        now = _now()
        # One probe at a time: taking the probe is a conditional write, so two workers cannot both win.
        # A probe whose worker died (probe_until passed) is taken over.
        taken = await self.circuits.find_one_and_update(
            {
                "_id": platform,
                "$or": [
                    {"state": OPEN, "open_until": {"$lte": now}},
                    {"state": HALF_OPEN, "probe_until": {"$lte": now}},
                ],
            },
            {"$set": {"state": HALF_OPEN, "probe_until": now + timedelta(seconds=probe_s)}},
        )
        if taken is not None:
            return Admission(True, probe=True)
        doc = await self.circuits.find_one({"_id": platform})
        if doc is None or doc["state"] == CLOSED:
            return Admission(True)
        return Admission(False, doc["open_until"] if doc["state"] == OPEN else doc["probe_until"])

    async def succeeded(self, platform: str) -> None:
        """The platform answered: whatever the state, it is up."""
        await self.circuits.update_one(
            {"_id": platform, "$or": [{"state": {"$ne": CLOSED}}, {"failures": {"$ne": 0}}]},
            {"$set": {"state": CLOSED, "failures": 0, "closed_at": _now()}},
        )

    async def failed(self, platform: str) -> bool:
        """Count a failure; True when this one opened the circuit."""
        doc = await self.circuits.find_one_and_update(
            {"_id": platform},
            {"$inc": {"failures": 1}, "$setOnInsert": {"state": CLOSED}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:  # pragma: no cover - an upsert returning AFTER always has the document
            return False
        if doc["state"] == HALF_OPEN or (doc["state"] == CLOSED and doc["failures"] >= self.failures):
            now = _now()
            opened = await self.circuits.update_one(
                {"_id": platform, "state": doc["state"]},
                {
                    "$set": {"state": OPEN, "open_until": now + self.cooldown, "opened_at": now},
                    "$inc": {"times_opened": 1},
                },
            )
            return opened.modified_count == 1
        return False

    async def all(self) -> list[dict[str, Any]]:
        return [{"platform": d.pop("_id"), **d} async for d in self.circuits.find({}).sort("_id", 1)]
