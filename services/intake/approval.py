"""Unit approval (推荐单位审核): an entry goes to review only once its unit admin approves it.

Only an entry that passed the technical check and was transcoded (``awaiting_approval``) can be
approved or returned. Approving needs every required material and a free place in each quota
that applies; it stores the approval and the ``submission.approved`` event in one transaction.
Returning (with a reason) lets the entrant upload a new version or replace a material."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import Attribution, BlobRef, SubmissionApproved, SubmissionReturned
from contracts.campaign import Campaign, WorkKind
from services.common.errors import ServiceError
from services.common.store import in_transaction
from services.intake.accounts import User
from services.intake.limits import Quota, quota_refusal, quotas_for
from services.intake.materials import material_refs, materials_of, series_of
from services.intake.status import STAGE_LABELS, progress_key

if TYPE_CHECKING:
    from services.intake.app import IntakeService

WAITING = "awaiting_approval"


def _not_waiting(sub: dict[str, Any]) -> ServiceError:
    zh, en = STAGE_LABELS.get(sub.get("stage") or "", (sub.get("stage"), sub.get("stage")))
    return ServiceError(
        409,
        f"只有技术检测通过、待审核的作品可以审核或退回（当前状态：{zh}）",
        f"only entries that passed the checks and await approval can be approved or returned (now: {en})",
        stage=sub.get("stage"),
    )


def judged_materials(campaign: Campaign, sub: dict[str, Any]) -> dict[str, BlobRef]:
    """The entry's files reviewers see (``approved.materials``): all but the registration form."""
    forms = {m.key for m in materials_of(campaign, sub["form"]) if m.kind == WorkKind.REGISTRATION_FORM}
    return {k: ref for k, ref in material_refs(sub).items() if k.split(".")[0] not in forms}


def missing_materials(sub: dict[str, Any], materials: list[Any]) -> list[Any]:
    held = sub.get("materials") or {}
    return [m for m in materials if m.required and not m.primary and not (held.get(m.key) or {}).get("files")]


async def _quotas(svc: "IntakeService", sub: dict[str, Any]) -> list[Quota]:
    campaign = await svc.find_campaign(sub["campaign_id"])
    assert campaign is not None
    units = [u for code in sub["attribution"].get("unit_path", []) if (u := await svc.units.get(code))]
    return quotas_for(campaign, series_of(campaign, sub["form"]), units)


def _counter_id(sub: dict[str, Any], quota: Quota) -> str:
    return f"{sub['campaign_id']}|{quota.series or ''}|{quota.unit_code}"


def approved_query(campaign_id: str, quota: Quota) -> dict[str, Any]:
    query: dict[str, Any] = {
        "campaign_id": campaign_id,
        "approval.state": "approved",
        "attribution.unit_path": quota.unit_code,
    }
    if quota.series:
        query["series"] = quota.series
    return query


async def _used(svc: "IntakeService", campaign_id: str, quota: Quota) -> int:
    """What the unit's approved entries already use of ``quota``: entries, or their questions."""
    query = approved_query(campaign_id, quota)
    if quota.counts != "questions":
        return await svc.submissions.count_documents(query)
    return sum([quota.weight(d) async for d in svc.submissions.find(query, {"questions": 1})])


async def approve(
    svc: "IntakeService", sub: dict[str, Any], user: User, note: str | None
) -> SubmissionApproved:
    if sub.get("stage") != WAITING:
        raise _not_waiting(sub)
    campaign = await svc.find_campaign(sub["campaign_id"])
    assert campaign is not None
    missing = missing_materials(sub, materials_of(campaign, sub["form"]))
    if missing:
        raise ServiceError(
            409,
            "尚缺必交材料：" + "、".join(m.label for m in missing) + "，请参赛者补交后再审核",
            "required materials are missing: " + ", ".join(m.key for m in missing),
            missing=[m.key for m in missing],
        )
    caps = [q for q in await _quotas(svc, sub) if q.kind == "max"]
    counters = svc.db["quota_counters"]
    for quota in caps:
        # Seed each counter from the entries already approved; then it moves only in transactions.
        used = await _used(svc, sub["campaign_id"], quota)
        await counters.update_one(
            {"_id": _counter_id(sub, quota)}, {"$setOnInsert": {"used": used}}, upsert=True
        )
    version = int(sub["version"])
    event = SubmissionApproved(
        submission_id=sub["_id"],
        campaign_id=sub["campaign_id"],
        correlation_id=f"{sub['_id']}:v{version}",
        producer=svc.name,
        entry=svc.entry_info(sub, version),
        attribution=Attribution.model_validate(sub["attribution"]),
        approver_unit=user.unit_code if user.role == "unit_admin" else None,
        materials=judged_materials(campaign, sub),
    )
    now = datetime.now(UTC)
    record = {
        "state": "approved",
        "version": version,
        "note": note,
        "by": user.id,
        "by_unit": user.unit_code,
        "at": now,
    }
    key = list(progress_key(event))
    moved = {
        **svc.moved_to(event),
        "progress": max(key, sub.get("progress") or key),
        # Review needs both events: a redrive publishes the transcoded one again as well.
        "redrive_also": [sub["last_event"]] if sub.get("last_event") else [],
    }

    async def work(session: AsyncClientSession) -> None:
        for quota in caps:
            adding = quota.weight(sub)
            room = await counters.update_one(
                {"_id": _counter_id(sub, quota), "used": {"$lte": quota.limit - adding}},
                {"$inc": {"used": adding}},
                session=session,
            )
            if room.matched_count != 1:
                doc = await counters.find_one({"_id": _counter_id(sub, quota)}, session=session)
                used = int(doc["used"]) if doc else quota.limit
                zh, en = quota_refusal(quota, used, adding) or ("", "")
                raise ServiceError(409, zh, en, quota=quota.__dict__)
        done = await svc.submissions.update_one(
            {"_id": sub["_id"], "stage": WAITING, "version": version},
            {"$set": {**moved, "approval": record}, "$push": {"approvals": record}},
            session=session,
        )
        if done.matched_count != 1:
            raise _not_waiting({"stage": "changed"})
        await svc.outbox.add([event], session)

    await in_transaction(svc.deps.client, work)
    return event


async def return_entry(svc: "IntakeService", sub: dict[str, Any], user: User, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ServiceError(422, "请填写退回原因", "give the reason for returning the entry", field="reason")
    if sub.get("stage") != WAITING:
        raise _not_waiting(sub)
    now = datetime.now(UTC)
    record = {
        "state": "returned",
        "version": int(sub["version"]),
        "reason": reason,
        "by": user.id,
        "by_unit": user.unit_code,
        "at": now,
    }
    zh, en = STAGE_LABELS["returned"]
    step = {
        "event_type": "intake.returned",
        "version": int(sub["version"]),
        "at": now,
        "stage": "returned",
        "label_zh": zh,
        "label_en": en,
        "reason": reason,
    }
    event = SubmissionReturned(
        submission_id=sub["_id"],
        campaign_id=sub["campaign_id"],
        correlation_id=f"{sub['_id']}:v{int(sub['version'])}",
        producer=svc.name,
        entry=svc.entry_info(sub, int(sub["version"])),
        attribution=Attribution.model_validate(sub["attribution"]),
        reason=reason,
        returned_by_unit=user.unit_code if user.role == "unit_admin" else None,
    )

    async def work(session: AsyncClientSession) -> None:
        done = await svc.submissions.update_one(
            {"_id": sub["_id"], "stage": WAITING, "version": sub["version"]},
            {
                "$set": {"stage": "returned", "stage_since": now, "approval": record, "redrive_at": None},
                "$push": {"approvals": record, "timeline": step},
            },
            session=session,
        )
        if done.matched_count != 1:
            raise _not_waiting({"stage": "changed"})
        await svc.outbox.add([event], session)  # the entrant hears of it (the notifier)

    await in_transaction(svc.deps.client, work)
