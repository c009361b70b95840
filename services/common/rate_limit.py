"""Events counted per key within a sliding window, in the service's store.

Counted in the store, not in memory, so every replica refuses alike and a restart forgets
nothing; each event is kept only as long as the window it counts in. Intake counts failed logins
with it (``services/intake/login_throttle.py``), review counts appeals (``services/review/notice.py``)."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from services.common.errors import ServiceError


class RateLimit:
    def __init__(self, events: AsyncCollection[dict[str, Any]], max_events: int, window_s: float) -> None:
        self.events = events
        self.max_events = max_events
        self.window = timedelta(seconds=window_s)

    async def setup(self) -> None:
        await self.events.create_index([("key", ASCENDING), ("at", ASCENDING)])

    async def wait_s(self, keys: list[str]) -> int | None:
        """Whole seconds until every key is under its limit again; None when it already is."""
        now = datetime.now(UTC)
        longest: int | None = None
        for key in keys:
            recent = self.events.find({"key": key, "at": {"$gt": now - self.window}}).sort("at", -1)
            times = [doc["at"] async for doc in recent.limit(self.max_events)]
            if len(times) < self.max_events:
                continue
            # Free again when the oldest of the last max_events leaves the window.
            oldest = min(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)
            wait = max(1, math.ceil((oldest + self.window - now).total_seconds()))
            longest = max(wait, longest or 0)
        return longest

    async def refuse_when_over(self, keys: list[str], zh: str, en: str) -> None:
        """429 with ``Retry-After`` (``zh``/``en`` say what was too frequent) when a key is over."""
        wait_s = await self.wait_s(keys)
        if wait_s is None:
            return
        minutes = math.ceil(wait_s / 60)
        raise ServiceError(
            429,
            f"{zh}，请{minutes}分钟后再试",
            f"{en}; try again in {minutes} minute(s)",
            headers={"Retry-After": str(wait_s)},
            retry_after_s=wait_s,
        )

    async def record(self, keys: list[str]) -> None:
        now = datetime.now(UTC)
        await self.events.insert_many([{"key": key, "at": now} for key in keys])
        await self.events.delete_many({"at": {"$lte": now - self.window}})

    async def forget(self, key: str) -> None:
        await self.events.delete_many({"key": key})
