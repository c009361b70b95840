"""Failed logins counted per account and per client address, in the store.

Checking a password costs 64 MiB and tens of milliseconds of argon2, so a caller that has
failed too often is refused before the check runs. The failures live in intake's store, so
every replica refuses alike; each is kept only as long as the window it counts in."""

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from services.common.errors import ServiceError


def _keys(username: str, address: str | None) -> list[str]:
    return [f"account:{username}"] + ([f"address:{address}"] if address else [])


class LoginThrottle:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], max_failures: int, window_s: float) -> None:
        self.failures = db["login_failures"]
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_s)

    async def setup(self) -> None:
        await self.failures.create_index([("key", ASCENDING), ("at", ASCENDING)])

    async def check(self, username: str, address: str | None) -> None:
        """Refuse (429) when the account or the address has failed too often in the window."""
        now = datetime.now(UTC)
        since = now - self.window
        for key in _keys(username, address):
            recent = self.failures.find({"key": key, "at": {"$gt": since}}).sort("at", -1)
            times = [doc["at"] async for doc in recent.limit(self.max_failures)]
            if len(times) < self.max_failures:
                continue
            # Free again when the oldest of the last max_failures leaves the window.
            oldest = min(t if t.tzinfo else t.replace(tzinfo=UTC) for t in times)
            wait_s = max(1, math.ceil((oldest + self.window - now).total_seconds()))
            minutes = math.ceil(wait_s / 60)
            raise ServiceError(
                429,
                f"登录失败次数过多，请{minutes}分钟后再试",
                f"too many failed logins; try again in {minutes} minute(s)",
                headers={"Retry-After": str(wait_s)},
                retry_after_s=wait_s,
            )

    async def failed(self, username: str, address: str | None) -> None:
        now = datetime.now(UTC)
        await self.failures.insert_many([{"key": key, "at": now} for key in _keys(username, address)])
        await self.failures.delete_many({"at": {"$lte": now - self.window}})

    async def succeeded(self, username: str) -> None:
        """The account's own count starts again; the address keeps its failures."""
        await self.failures.delete_many({"key": f"account:{username}"})
