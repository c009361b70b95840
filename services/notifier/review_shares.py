"""Reviewers' shares of rounds, as ``review.assigned`` says them, and who to remind before a
scoring window closes.

The notifier keeps each reviewer's latest share per round (the events of one reviewer come in
order, keyed by reviewer), with how many of its entries they have scored (review sends that as
``progress`` when it changes). From ``days_before`` the window's last day until that day, a
reviewer with entries still to score is reminded once for that day (``review_due``); one who has
scored everything is not. A share from before review said what was scored counts as unscored."""

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
    scored: int = 0

    @property
    def to_score(self) -> int:
        return max(0, self.entries - self.scored)

    @property
    def key(self) -> str:
        """The same for every sweep that finds this share due for this day."""
        return f"review_due:{self.round_id}:{self.reviewer_id}:{self.window_ends}"


def due(shares: list[Share], today: date, days_before: int) -> list[Share]:
    """The shares to remind of today: entries still to score, and the window's last day near. Pure."""
    return [
        s
        for s in shares
        if s.to_score
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
        if event.scored is not None:  # an older review's events say nothing of it
            share["scored"] = event.scored
        key = f"{event.round_id}:{event.reviewer_id}"
        await self.collection.update_one({"_id": key}, {"$set": share}, upsert=True, session=session)

    async def of(self, campaign_id: str) -> list[Share]:
        found = []
        async for doc in self.collection.find({"campaign_id": campaign_id}):
            ends = date.fromisoformat(doc["window_ends"]) if doc.get("window_ends") else None
            fields = {k: doc[k] for k in ("campaign_id", "round_id", "reviewer_id", "level", "level_name")}
            entries, scored = int(doc["entries"]), int(doc.get("scored", 0))
            found.append(Share(**fields, entries=entries, window_ends=ends, scored=scored))
        return found
