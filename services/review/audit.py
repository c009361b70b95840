"""The review audit log: who changed what, when. Append-only; written in the same transaction as
the change it records wherever the change is transactional (finalising, reassigning)."""

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from services.common.callers import Caller


def who_of(caller: Caller) -> dict[str, str]:
    """An account (intake's) as the audit log names it: by id, username and role."""
    return {"id": caller.id, "name": caller.username, "role": caller.role}


class AuditLog:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def setup(self) -> None:
        await self.collection.create_index([("round_id", ASCENDING), ("at", ASCENDING)])
        await self.collection.create_index([("campaign_id", ASCENDING), ("at", ASCENDING)])

    async def record(
        self,
        who: dict[str, str],
        action: str,
        *,
        campaign_id: str,
        round_id: str | None = None,
        session: AsyncClientSession | None = None,
        **what: Any,
    ) -> None:
        await self.collection.insert_one(
            {
                "campaign_id": campaign_id,
                "round_id": round_id,
                "who": who,
                "action": action,
                "what": what,
                "at": datetime.now(UTC),
            },
            session=session,
        )

    async def of_round(self, round_id: str) -> list[dict[str, Any]]:
        cursor = self.collection.find({"round_id": round_id}, {"_id": 0}).sort([("at", 1), ("_id", 1)])
        return [doc async for doc in cursor]
