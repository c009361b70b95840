"""Where live changes are kept (``campaign_changes``, the audit list) and what intake knows is decided.

Intake follows every submission event (its status view), so it knows, without asking another
service's store, which review levels have given final outcomes (a ``reviewed`` event is only sent
when a level is finalised) and when each target first received a work (``published``)."""

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from services.intake.accounts import User
from services.intake.live_changes import Decided

DECIDING = ("submission.reviewed", "submission.published")


class ChangeLog:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.changes: AsyncCollection[dict[str, Any]] = db["campaign_changes"]
        self.submissions: AsyncCollection[dict[str, Any]] = db["submissions"]

    async def setup(self) -> None:
        await self.changes.create_index([("campaign_id", ASCENDING), ("revision", ASCENDING)], unique=True)

    async def record(
        self,
        campaign_id: str,
        revision: int,
        who: User,
        reason: str,
        diff: list[dict[str, Any]],
        session: AsyncClientSession,
    ) -> dict[str, Any]:
        """Append one change; the unique (campaign, revision) index refuses a second change made
        from the same version at the same time, so two admins never silently overwrite each other."""
        doc = {
            "_id": f"{campaign_id}:{revision}",
            "campaign_id": campaign_id,
            "revision": revision,
            "who": {"id": who.id, "username": who.username, "name": who.display_name or who.username},
            "at": datetime.now(UTC),
            "reason": reason,
            "changes": diff,
        }
        await self.changes.insert_one(doc, session=session)
        return doc

    async def of_campaign(self, campaign_id: str) -> list[dict[str, Any]]:
        found = self.changes.find({"campaign_id": campaign_id}).sort("revision", -1)
        return [doc async for doc in found]

    async def decided(self, campaign_id: str) -> Decided:
        query = {"campaign_id": campaign_id, "timeline": {"$elemMatch": {"event_type": {"$in": DECIDING}}}}
        decided = Decided()
        async for doc in self.submissions.find(query, {"timeline": 1}):
            for step in doc.get("timeline", []):
                if step.get("event_type") == "submission.reviewed":
                    decided.final_levels.add(step["level"])
                elif step.get("event_type") == "submission.published" and step.get("status") == "published":
                    at = step["at"] if step["at"].tzinfo else step["at"].replace(tzinfo=UTC)
                    first = decided.first_sent.get(step["target"])
                    decided.first_sent[step["target"]] = min(at, first) if first else at
        return decided
