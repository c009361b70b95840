"""Each entrant's share of the store, checked before an upload starts.

An entrant is whoever an entry counts against for the per-person limit (the account, or name
and phone; see ``limits.person_keys``); an entry with neither is its own entrant. Their share is
every distinct file their entries hold (every version of the work, since replaced versions stay
for the audit, and every material) plus what their unfinished uploads have declared: without
the latter, one person could open a hundred 4 GB uploads at once and fill intake's disk."""

from typing import TYPE_CHECKING, Any

from services.common.errors import ServiceError

if TYPE_CHECKING:
    from services.intake.app import IntakeService

UNFINISHED = ["receiving", "finishing"]


def held_files(doc: dict[str, Any]) -> dict[str, int]:
    """sha256 -> size of every file an entry holds (the same bytes stored once count once)."""
    held = {v["media"]["sha256"]: v["media"]["size"] for v in doc.get("versions") or [] if v.get("media")}
    for material in (doc.get("materials") or {}).values():
        for item in material.get("files", []):
            held[item["blob"]["sha256"]] = item["blob"]["size"]
    return held


async def entrant_bytes(svc: "IntakeService", sub: dict[str, Any]) -> int:
    keys = sub.get("person_keys") or []
    query: dict[str, Any] = {"_id": sub["_id"]}
    if keys:
        query = {"campaign_id": sub["campaign_id"], "person_keys": {"$in": keys}}
    held: dict[str, int] = {}
    entries = []
    async for doc in svc.submissions.find(query, {"versions": 1, "materials": 1}):
        entries.append(doc["_id"])
        held.update(held_files(doc))
    pending = 0
    unfinished = {"submission_id": {"$in": entries}, "state": {"$in": UNFINISHED}}
    async for upload in svc.uploads.uploads.find(unfinished, {"length": 1}):
        pending += int(upload.get("length") or 0)
    return sum(held.values()) + pending


def storage_refusal(used: int, declared: int | None, limit: int) -> ServiceError | None:
    """The refusal when this upload would take the entrant past their share."""
    if declared is None or used + declared <= limit:
        return None
    mb = 1024 * 1024
    return ServiceError(
        413,
        f"您在本活动已占用 {used / mb:.0f} MB（含未完成的上传），加上本文件将超过每位参赛者 "
        f"{limit / mb:.0f} MB 的存储上限；请先完成或放弃未完成的上传，或联系活动管理员",
        f"you already hold {used / mb:.0f} MB in this campaign (unfinished uploads included); this "
        f"file would take you past the {limit / mb:.0f} MB per-entrant limit",
        used=used,
        declared=declared,
        limit=limit,
    )


async def check_storage(svc: "IntakeService", sub: dict[str, Any], declared: int | None) -> None:
    limit = svc.settings.entrant_storage_max_bytes
    if declared is not None and (refusal := storage_refusal(await entrant_bytes(svc, sub), declared, limit)):
        raise refusal
