"""The stored organisation tree: one document per unit, with its path from the root."""

from dataclasses import asdict
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase

from services.common.errors import ServiceError
from services.intake.units import LEVELS, Parsed, Unit, check_tree, paths


# A stored document as the API shows it: like publisher's public_view in shape only.
def unit_view(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": doc["_id"],
        "name": doc["name"],
        "level": doc["level"],
        "parent": doc.get("parent"),
        "path": doc.get("path", []),
    }


class UnitStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self.units = db["units"]

    async def setup(self) -> None:
        await self.units.create_index([("path", ASCENDING)])

    async def get(self, code: str) -> dict[str, Any] | None:
        return await self.units.find_one({"_id": code})

    async def names_and_levels(self, codes: list[str]) -> tuple[list[str], list[str]]:
        """The names and levels of ``codes`` (a unit's path), in their order, from one read: a code
        without a unit keeps its code as its name and an empty level (review places 省直 entries
        by the levels)."""
        found = {d["_id"]: d async for d in self.units.find({"_id": {"$in": codes}}, {"name": 1, "level": 1})}
        names = [found[code]["name"] if code in found else code for code in codes]
        return names, [found[code]["level"] if code in found else "" for code in codes]

    async def require(self, code: str) -> dict[str, Any]:
        doc = await self.get(code)
        if doc is None:
            raise ServiceError(
                422,
                f"单位代码 {code} 不存在，请先导入组织机构",
                f"no unit with code {code}",
                field="unit_code",
            )
        return doc

    async def list(self, under: str | None = None, level: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {}
        if under:
            query["path"] = under
        if level:
            query["level"] = level
        docs = [d async for d in self.units.find(query)]
        return sorted(docs, key=lambda d: d.get("path", []))

    async def import_units(self, parsed: Parsed) -> dict[str, int]:
        """Check the whole file against itself and what is stored, then write it; all or nothing."""
        stored = {d["_id"]: _unit(d) async for d in self.units.find({})}
        incoming = {u.code: u for u in parsed.units}
        problems = parsed.problems + check_tree(parsed.units, known=stored)
        if problems:
            raise ServiceError(
                422,
                f"组织机构表有{len(problems)}处错误，未导入任何单位",
                f"the organisation file has {len(problems)} problem(s); nothing was imported",
                problems=[asdict(p) for p in problems],
            )
        merged = {**stored, **incoming}
        all_paths = paths(merged)
        counts = {"created": 0, "updated": 0, "unchanged": 0, "total": len(merged)}
        ops = []
        for code, unit in merged.items():
            before = stored.get(code)
            doc = {**_doc(unit), "path": all_paths[code]}
            if before is None:
                counts["created"] += 1
            elif before != unit:
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            ops.append(UpdateOne({"_id": code}, {"$set": doc}, upsert=True))
        if ops:
            await self.units.bulk_write(ops, ordered=False)
        return counts


def _unit(doc: dict[str, Any]) -> Unit:
    return Unit(code=doc["_id"], name=doc["name"], level=doc["level"], parent=doc.get("parent"))


def _doc(unit: Unit) -> dict[str, Any]:
    assert unit.level in LEVELS
    return {"name": unit.name, "level": unit.level, "parent": unit.parent}
