"""The entries waiting for their unit's approval, as the notifier learns it from the events.

A version waits from its successful ``transcoded`` until the unit's ``approved`` or ``returned``
of that version (or of a later one). The topics are read side by side, so the decision may be
read before the ``transcoded`` it answers: both are kept as the highest version seen, and an
entry waits while its transcoded version is newer than its decided one, whatever the order."""

from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from contracts import SubmissionApproved, SubmissionReturned, SubmissionTranscoded
from contracts.events import SubmissionEvent
from services.notifier.deadlines import Waiting


class WaitingEntries:
    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def setup(self) -> None:
        await self.collection.create_index("campaign_id")

    async def track(self, event: SubmissionEvent, session: AsyncClientSession) -> None:
        version = event.entry.version
        match event:
            case SubmissionTranscoded(succeeded=True):
                unit = event.attribution
                path = unit.unit_path or [unit.unit_code]
                names = unit.unit_path_names  # the entry's own unit is named even where they are not
                if len(names) != len(path):
                    names = [""] * (len(path) - 1) + [unit.unit_name]
                where = {"unit_path": path, "names": names}
                field = "transcoded"
            case SubmissionApproved() | SubmissionReturned():
                where, field = {}, "decided"
            case _:
                return
        await self.collection.update_one(
            {"_id": event.submission_id},
            {"$set": {"campaign_id": event.campaign_id, **where}, "$max": {field: version}},
            upsert=True,
            session=session,
        )

    async def of(self, campaign_id: str) -> list[Waiting]:
        """The campaign's entries whose latest transcoded version no decision has answered yet."""
        return [
            Waiting(doc["unit_path"], doc.get("names") or [])
            async for doc in self.collection.find({"campaign_id": campaign_id})
            if doc.get("transcoded", 0) > doc.get("decided", 0) and doc.get("unit_path")
        ]
