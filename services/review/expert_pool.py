"""A level's expert pool in the store: import (CSV/XLSX), listing, token reissue.

Importing the same file again updates the experts in place (same reviewer ids) and issues tokens
only to new ones; a token is returned once and only its hash is kept."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo import UpdateOne

from services.common.errors import ServiceError
from services.common.web import campaign_of
from services.review.eligibility import excludes_county
from services.review.experts import ExpertFileError, parse_experts
from services.review.opening import level_of

if TYPE_CHECKING:
    from services.review.app import ReviewService

PUBLIC_FIELDS = {"_id": 1, "name": 1, "unit_code": 1, "unit_name": 1, "title": 1, "specialties": 1, "role": 1}


async def import_experts(
    svc: "ReviewService", campaign_id: str, level_key: str, data: bytes, who: dict[str, str]
) -> dict[str, Any]:
    campaign = await svc.campaign(campaign_id)
    _, level = level_of(campaign, level_key)
    try:
        rows = parse_experts(data)
    except ExpertFileError as exc:
        raise ServiceError(422, f"专家名单有误：{exc.zh}", f"the expert list has errors: {exc.en}") from exc
    if excludes_county(campaign, level):
        lacking = [r.name for r in rows if not r.county_code]
        if lacking:
            raise ServiceError(
                422,
                f"本活动在{level.name}回避本县区，以下专家须填写县区编码：{'、'.join(lacking)}",
                f"this level excludes reviewers' own counties: give county_code for {lacking}",
            )
    ids = [r.reviewer_id(campaign_id, level_key) for r in rows]
    known = {d["_id"] async for d in svc.experts.find({"_id": {"$in": ids}}, {"_id": 1})}
    now = datetime.now(UTC)
    ops = []
    issued: dict[str, str] = {}
    for rid, row in zip(ids, rows, strict=True):
        fields = {
            "campaign_id": campaign_id,
            "level": level_key,
            "name": row.name,
            "unit_code": row.unit_code,
            "unit_name": row.unit_name,
            "title": row.title,
            "specialties": list(row.specialties),
            "county_code": row.county_code,
            "scope": row.scope,
            "groups": list(row.groups),
            "role": row.role,
            "conflicts": list(row.conflicts),
            "imported_at": now,
        }
        on_insert: dict[str, Any] = {"declared": []}
        if rid not in known:
            issued[rid], held = svc.access.issue(campaign, level)
            on_insert.update(held)
        ops.append(UpdateOne({"_id": rid}, {"$set": fields, "$setOnInsert": on_insert}, upsert=True))
    await svc.experts.bulk_write(ops, ordered=True)
    await svc.audit.record(
        who, "experts.imported", campaign_id=campaign_id, level=level_key, added=len(issued),
        updated=len(rows) - len(issued),
    )  # fmt: skip
    return {
        "campaign_id": campaign_id,
        "level": level_key,
        "added": len(issued),
        "updated": len(rows) - len(issued),
        "experts": [
            {"reviewer_id": rid, "name": r.name, "role": r.role, "token": issued.get(rid)}
            for rid, r in zip(ids, rows, strict=True)
        ],
    }


async def list_experts(svc: "ReviewService", campaign_id: str, level_key: str) -> list[dict[str, Any]]:
    cursor = svc.experts.find({"campaign_id": campaign_id, "level": level_key}, PUBLIC_FIELDS).sort("name", 1)
    return [{"reviewer_id": d.pop("_id"), **d} async for d in cursor]


async def reissue_token(
    svc: "ReviewService", campaign_id: str, level_key: str, reviewer_id: str, who: dict[str, str]
) -> dict[str, str]:
    """A lost, leaked, expired or revoked token: the old one stops working at once."""
    campaign = await campaign_of(svc, campaign_id)
    _, level = level_of(campaign, level_key)
    token, held = svc.access.issue(campaign, level)
    done = await svc.experts.update_one(
        {"_id": reviewer_id, "campaign_id": campaign_id, "level": level_key},
        {"$set": held, "$unset": {"token_revoked_at": ""}},
    )
    if done.matched_count != 1:
        raise ServiceError(404, f"本级没有评审专家 {reviewer_id}", f"no expert {reviewer_id} at this level")
    await svc.audit.record(who, "token.reissued", campaign_id=campaign_id, reviewer_id=reviewer_id)
    return {"reviewer_id": reviewer_id, "token": token}
