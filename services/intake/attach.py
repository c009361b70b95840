"""Attaching a finished upload to its submission: a new version, or one of the other materials.

Runs in one transaction with the upload's own "done" mark (``mark_done``), so a finish repeated
after a crash (by the sweeper, or a second request) attaches the file once."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import BlobRef
from contracts.campaign import WorkKind
from services.common.errors import ServiceError
from services.common.store import in_transaction
from services.intake.materials import find_material
from services.intake.status import STAGE_LABELS
from services.intake.upload_rules import stage_refusal

if TYPE_CHECKING:
    from services.intake.app import IntakeService

MAX_IMAGES = 50


async def attach(
    svc: "IntakeService",
    upload: dict[str, Any],
    ref: BlobRef,
    mark_done: Callable[[AsyncClientSession], Awaitable[None]],
) -> int | None:
    """Returns the new version number for the primary work, None for another material."""
    sub = await svc.submissions.find_one({"_id": upload["submission_id"]})
    campaign = await svc.find_campaign(upload["campaign_id"])
    if sub is None or campaign is None:
        raise ServiceError(
            404, "作品已撤回，文件未保存到作品中", "the entry was withdrawn; the file was not attached"
        )
    material = find_material(campaign, sub["form"], upload["material"])
    if refusal := stage_refusal(sub, material):
        raise refusal
    if material.primary:
        event = await svc.record_upload(sub, ref, filename=upload["filename"], also=mark_done)
        return event.entry.version
    now = datetime.now(UTC)
    item = {"blob": ref.model_dump(mode="json"), "filename": upload["filename"], "at": now}
    key = f"materials.{material.key}.files"
    if not sub.get("version") and material in campaign.alternatives(sub.get("series")):
        # "至少提交其一": the first of the optional kinds of work to arrive, without the primary,
        # is the work and goes to checking; it is kept among the materials too, so a primary
        # uploaded later does not lose it.
        async def also(session: AsyncClientSession) -> None:
            await svc.submissions.update_one({"_id": sub["_id"]}, {"$push": {key: item}}, session=session)
            await mark_done(session)

        event = await svc.record_upload(
            sub, ref, filename=upload["filename"], also=also, work_key=material.key
        )
        return event.entry.version
    update: dict[str, Any]
    if material.kind == WorkKind.IMAGES:
        cap = (material.images.max_count if material.images else None) or MAX_IMAGES
        if len(((sub.get("materials") or {}).get(material.key) or {}).get("files", [])) >= cap:
            raise ServiceError(
                409, f"“{material.label}”最多{cap}张", f"{material.key} holds at most {cap} files"
            )
        update = {"$push": {key: item}}
    else:
        update = {"$set": {key: [item]}}
    guard: dict[str, Any] = {"_id": sub["_id"], "approval.state": {"$ne": "approved"}}
    if sub.get("stage") == "returned":
        # A replaced material answers the unit's return: the entry waits for approval again.
        zh, en = STAGE_LABELS["awaiting_approval"]
        update.setdefault("$set", {}).update(
            {
                "stage": "awaiting_approval",
                "stage_since": now,
                "approval": {"state": "pending", "version": sub["version"]},
            }
        )
        update.setdefault("$push", {})["timeline"] = {
            "event_type": "intake.resubmitted",
            "version": sub["version"],
            "at": now,
            "stage": "awaiting_approval",
            "label_zh": zh,
            "label_en": en,
            "material": material.key,
        }
        guard["stage"] = "returned"

    async def work(session: AsyncClientSession) -> None:
        done = await svc.submissions.update_one(guard, update, session=session)
        if done.matched_count != 1:
            raise ServiceError(
                409, "作品状态已变化，请刷新后重试", "the entry changed meanwhile; refresh and retry"
            )
        await mark_done(session)

    await in_transaction(svc.deps.client, work)
    return None
