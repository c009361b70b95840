"""Each entry's reviewers in a round, one document per entry (``assignments`` collection).

A round of 10,000 entries x 3 reviewers kept its whole assignment in the round's document (about
0.4 MB, rewritten in full by every automatic assignment and read in full by every reviewer's list);
here each entry has its own small document, ``<round>|<submission>``, so a reviewer's list is one
indexed query, a chair's swap touches one entry, and no document grows with the round (decision
0025). The round's document keeps its entries' order and pools, which every proposal reads anyway.

Rounds stored the old way (an ``assignments`` map in the round) are moved here when the service
starts (``move_old_rounds``), so the readers know one shape only."""

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, ReplaceOne
from pymongo.asynchronous.collection import AsyncCollection

Doc = dict[str, Any]
WRITE_BATCH = 1000  # documents per bulk write: one request stays well under the wire limit


def entry_key(round_id: str, submission_id: str) -> str:
    return f"{round_id}|{submission_id}"


class ReviewerLists:
    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self._lists = collection

    async def setup(self) -> None:
        await self._lists.create_index([("round_id", ASCENDING), ("reviewers", ASCENDING)])

    async def put(
        self, round_id: str, submission_ids: Sequence[str], lists: Mapping[str, Sequence[str]]
    ) -> None:
        """Every entry of the round with its reviewers (none where ``lists`` has none), replacing
        what was stored: an entry's document is written whole, so a repeat writes the same."""
        ops = [
            ReplaceOne(
                {"_id": entry_key(round_id, sid)},
                {"round_id": round_id, "submission_id": sid, "reviewers": list(lists.get(sid, ()))},
                upsert=True,
            )
            for sid in submission_ids
        ]
        for start in range(0, len(ops), WRITE_BATCH):
            await self._lists.bulk_write(ops[start : start + WRITE_BATCH], ordered=False)

    async def of_entry(self, round_id: str, submission_id: str) -> list[str] | None:
        """The entry's reviewers; None when the round holds no such entry."""
        doc = await self._lists.find_one({"_id": entry_key(round_id, submission_id)}, {"reviewers": 1})
        return None if doc is None else list(doc["reviewers"])

    async def of_round(self, round_id: str) -> dict[str, list[str]]:
        """The whole round's assignment (the proposal needs every entry's reviewers)."""
        cursor = self._lists.find({"round_id": round_id}, {"submission_id": 1, "reviewers": 1})
        return {d["submission_id"]: list(d["reviewers"]) async for d in cursor}

    async def of_rounds(self, round_ids: Sequence[str]) -> dict[str, dict[str, list[str]]]:
        """Several rounds' assignments in one query (a campaign's panels): round_id -> of_round's."""
        cursor = self._lists.find(
            {"round_id": {"$in": list(round_ids)}}, {"round_id": 1, "submission_id": 1, "reviewers": 1}
        )
        found: dict[str, dict[str, list[str]]] = {rid: {} for rid in round_ids}
        async for d in cursor:
            found[d["round_id"]][d["submission_id"]] = list(d["reviewers"])
        return found

    async def of_reviewer_in(self, round_ids: Sequence[str], reviewer_id: str) -> dict[str, set[str]]:
        """The entries the reviewer is assigned in each of the rounds (a level's units' rounds), in
        one indexed query: round_id -> its entries (rounds where they have none are left out)."""
        cursor = self._lists.find(
            {"round_id": {"$in": list(round_ids)}, "reviewers": reviewer_id},
            {"round_id": 1, "submission_id": 1},
        )
        mine: dict[str, set[str]] = {}
        async for d in cursor:
            mine.setdefault(d["round_id"], set()).add(d["submission_id"])
        return mine

    async def change(self, round_id: str, submission_id: str, was: Sequence[str], now: Sequence[str]) -> bool:
        """Set one entry's reviewers if they are still ``was``; False when someone changed them."""
        done = await self._lists.update_one(
            {"_id": entry_key(round_id, submission_id), "reviewers": list(was)},
            {"$set": {"reviewers": list(now)}},
        )
        return done.modified_count == 1

    async def remove(self, round_id: str, submission_id: str, reviewer_id: str) -> None:
        await self._lists.update_one(
            {"_id": entry_key(round_id, submission_id)}, {"$pull": {"reviewers": reviewer_id}}
        )

    async def move_old_rounds(self, rounds: AsyncCollection[Doc]) -> int:
        """Rounds that still hold an ``assignments`` map: copied here, then the map removed
        (a crash in between repeats the copy, which writes the same documents). How many moved."""
        moved = 0
        async for rnd in rounds.find(
            {"assignments": {"$exists": True}}, {"submission_ids": 1, "assignments": 1}
        ):
            await self.put(rnd["_id"], rnd["submission_ids"], rnd["assignments"])
            await rounds.update_one({"_id": rnd["_id"]}, {"$unset": {"assignments": ""}})
            moved += 1
        return moved
