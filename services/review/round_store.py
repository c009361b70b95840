"""Review rounds and what they are made of, as typed models, and the repository that stores them.

``RoundStore`` is what opening, staffing and reassigning a round need from the store; Mongo
implements it here (``MongoRoundStore``), the unit tier fakes it (``tests/unit/fakes.py``).
The decisions over these models are pure and live in ``opening.py``.

The models keep fields they do not name (``extra="allow"``): other modules (notice,
finalising) add to a round's document, and reading it here must not lose what they wrote."""

from collections.abc import Collection
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from contracts import Attribution, EntryInfo
from services.review.reviewer_lists import ReviewerLists

OPEN, NOTICE, FINAL = "open", "notice", "finalised"


class Stored(BaseModel):
    """A document of the review store: ``_id`` read as ``id``, unnamed fields kept."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    id: str = Field(alias="_id")

    def document(self) -> dict[str, Any]:
        """As stored, and as the dict-reading helpers (``eligibility``, ``pooling``) read it."""
        return self.model_dump(by_alias=True)


class Round(Stored):
    """A level's round: one unit's (``<campaign>:<level>:<unit>``, decision 0031) or the whole
    campaign's (``<campaign>:<level>``, as every round was before): its entries, pools, reviewers."""

    campaign_id: str
    level: str
    unit: str | None = None  # None: the campaign-wide round of the level
    unit_path: list[str] = Field(default_factory=list)  # the unit's own path: its admins and those above
    unit_name: str = ""
    state: str = OPEN
    submission_ids: list[str]
    pools: dict[str, str]  # submission_id -> pool key (each entry's reviewers: ``reviewer_lists``)
    choices: dict[str, Any] = Field(
        default_factory=lambda: {"awards": {}, "recommend": [], "confirmed": False}
    )
    opened_at: datetime


class ReviewEntry(Stored):
    """An entry as review received it (transcoded and approved); ``levels`` holds earlier results."""

    campaign_id: str
    entry: EntryInfo
    attribution: Attribution


class Expert(Stored):
    """A reviewer of one level, imported from the expert pool file."""

    campaign_id: str
    level: str
    unit_code: str
    name: str = ""


def round_id_of(campaign_id: str, level_key: str, unit: str | None = None) -> str:
    return f"{campaign_id}:{level_key}" if unit is None else f"{campaign_id}:{level_key}:{unit}"


# What a round's gate and progress read (not its frozen proposal or choices).
ROUND_SUMMARY = {"frozen": 0, "choices": 0, "assignment_report": 0}
# What opening a round and the level's progress read of a ready entry (not its renditions or materials).
READY_FIELDS = {"campaign_id": 1, "entry": 1, "attribution": 1, "levels": 1, "ready_at": 1}
IN_LIST_MAX = 200  # ids per ``$in``: SecantusDB's time for ``_id: {$in: [...]}`` grows with its square


async def entries_by_id(
    entries: AsyncCollection[dict[str, Any]], campaign_id: str, ids: Collection[str]
) -> dict[str, dict[str, Any]]:
    """The campaign's entries named by ``ids``, by id: a page's worth by ``_id`` alone (with the
    campaign in the query too, SecantusDB walks the campaign's index instead), a round's worth by
    reading the campaign's entries (indexed by campaign) and keeping those named."""
    wanted = set(ids)
    query = {"_id": {"$in": list(wanted)}} if len(wanted) <= IN_LIST_MAX else {"campaign_id": campaign_id}
    return {
        d["_id"]: d
        async for d in entries.find(query)
        if d["_id"] in wanted and d["campaign_id"] == campaign_id
    }


class RoundStore(Protocol):
    async def get(self, round_id: str) -> Round | None: ...

    async def add(self, rnd: Round) -> None: ...

    async def ready_entries(self, campaign_id: str, under: str | None) -> list[ReviewEntry]:
        """Entries ready for review in the order they became ready, with their results at earlier
        levels (what places them, not their files); with ``under``, only those of that unit's subtree."""
        ...

    async def level_rounds(self, campaign_id: str, level: str) -> list[Round]:
        """Every round of the level: the campaign-wide one or the units' ones."""
        ...

    async def entries(self, campaign_id: str, submission_ids: list[str]) -> list[ReviewEntry]:
        """The campaign's entries named, in that order."""
        ...

    async def experts(self, campaign_id: str, level: str) -> list[Expert]: ...

    async def expert(self, expert_id: str, campaign_id: str, level: str) -> Expert | None: ...

    async def has_experts(self, campaign_id: str, level: str) -> bool: ...

    async def scoring_began(self, round_id: str) -> bool: ...

    async def reviewers(self, round_id: str, submission_id: str) -> list[str] | None:
        """The entry's reviewers in the round; None when the round does not hold it."""
        ...

    async def set_assignments(
        self, round_id: str, assignments: dict[str, list[str]], report: dict[str, Any]
    ) -> None:
        """Replace the assignments of a round that is still open."""
        ...

    async def change_assignment(
        self, round_id: str, submission_id: str, was: list[str], now: list[str]
    ) -> bool:
        """Set one entry's reviewers if the round is open and they are still ``was``;
        False when someone changed them meanwhile."""
        ...


class MongoRoundStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._rounds, self._entries, self._experts, self._scores = (
            db["rounds"],
            db["entries"],
            db["experts"],
            db["scores"],
        )
        self._lists = ReviewerLists(db["assignments"])

    async def get(self, round_id: str) -> Round | None:
        doc = await self._rounds.find_one({"_id": round_id})
        return None if doc is None else Round.model_validate(doc)

    async def add(self, rnd: Round) -> None:
        await self._rounds.insert_one(rnd.document())
        await self._lists.put(rnd.id, rnd.submission_ids, {})

    async def ready_entries(self, campaign_id: str, under: str | None) -> list[ReviewEntry]:
        query: dict[str, Any] = {"campaign_id": campaign_id, "ready": True}
        if under is not None:
            query["attribution.unit_path"] = under
        cursor = self._entries.find(query, READY_FIELDS).sort([("ready_at", 1), ("_id", 1)])
        return [ReviewEntry.model_validate(d) async for d in cursor]

    async def level_rounds(self, campaign_id: str, level: str) -> list[Round]:
        cursor = self._rounds.find({"campaign_id": campaign_id, "level": level}, ROUND_SUMMARY)
        return [Round.model_validate(d) async for d in cursor]

    async def entries(self, campaign_id: str, submission_ids: list[str]) -> list[ReviewEntry]:
        docs = await entries_by_id(self._entries, campaign_id, submission_ids)
        return [ReviewEntry.model_validate(docs[sid]) for sid in submission_ids if sid in docs]

    async def experts(self, campaign_id: str, level: str) -> list[Expert]:
        cursor = self._experts.find({"campaign_id": campaign_id, "level": level})
        return [Expert.model_validate(d) async for d in cursor]

    async def expert(self, expert_id: str, campaign_id: str, level: str) -> Expert | None:
        doc = await self._experts.find_one({"_id": expert_id, "campaign_id": campaign_id, "level": level})
        return None if doc is None else Expert.model_validate(doc)

    async def has_experts(self, campaign_id: str, level: str) -> bool:
        found = await self._experts.count_documents({"campaign_id": campaign_id, "level": level}, limit=1)
        return bool(found)

    async def scoring_began(self, round_id: str) -> bool:
        return bool(await self._scores.count_documents({"round_id": round_id}, limit=1))

    async def reviewers(self, round_id: str, submission_id: str) -> list[str] | None:
        return await self._lists.of_entry(round_id, submission_id)

    async def set_assignments(
        self, round_id: str, assignments: dict[str, list[str]], report: dict[str, Any]
    ) -> None:
        rnd = await self._rounds.find_one_and_update(
            {"_id": round_id, "state": OPEN},
            {"$set": {"assignment_report": report}},
            {"submission_ids": 1},
        )
        if rnd is not None:
            await self._lists.put(round_id, rnd["submission_ids"], assignments)

    async def change_assignment(
        self, round_id: str, submission_id: str, was: list[str], now: list[str]
    ) -> bool:
        if not await self._rounds.count_documents({"_id": round_id, "state": OPEN}, limit=1):
            return False
        return await self._lists.change(round_id, submission_id, was, now)
