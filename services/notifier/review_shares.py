"""Reviewers' shares of rounds, as ``review.assigned`` says them, and who to remind before a
scoring window closes.

The notifier keeps each reviewer's latest share per round (the events of one reviewer come in
order, keyed by reviewer). From ``days_before`` the window's last day until that day, a reviewer
with entries in the round is reminded once for that day (``review_due``). Review says nothing of
who has scored what yet, so the reminder goes to every reviewer with a share and says that one who
has finished may ignore it, as bureaus' own reminders do."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from contracts import ReviewerAssigned


@dataclass(frozen=True)
class Share:
    campaign_id: str
    round_id: str
    reviewer_id: str
    level: str
    level_name: str
    entries: int
    window_ends: date | None

    @property
    def key(self) -> str:
        """The same for every sweep that finds this share due for this day."""
        return f"review_due:{self.round_id}:{self.reviewer_id}:{self.window_ends}"


def due(shares: list[Share], today: date, days_before: int) -> list[Share]:
    """The shares to remind of today: entries to score, and the window's last day near. Pure."""
    return [
        s
        for s in shares
        if s.entries
        and s.window_ends
        and s.window_ends - timedelta(days=days_before) <= today <= s.window_ends
    ]


class ReviewShares:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def setup(self) -> None:
        await self.collection.create_index("campaign_id")

    async def record(self, event: ReviewerAssigned, session: AsyncClientSession) -> None:
        share = {
            "campaign_id": event.campaign_id,
            "round_id": event.round_id,
            "reviewer_id": event.reviewer_id,
            "level": event.level,
            "level_name": event.level_name,
            "entries": event.entries,
            "window_ends": event.window_ends.isoformat() if event.window_ends else None,
        }
        key = f"{event.round_id}:{event.reviewer_id}"
        await self.collection.update_one({"_id": key}, {"$set": share}, upsert=True, session=session)

    async def of(self, campaign_id: str) -> list[Share]:
        found = []
        async for doc in self.collection.find({"campaign_id": campaign_id}):
            ends = date.fromisoformat(doc["window_ends"]) if doc.get("window_ends") else None
            fields = {k: doc[k] for k in ("campaign_id", "round_id", "reviewer_id", "level", "level_name")}
            found.append(Share(**fields, entries=int(doc["entries"]), window_ends=ends))
        return found
