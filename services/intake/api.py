"""Intake's HTTP API: campaigns, the plain streamed upload, blobs; and the other routers.

Every route checks the caller's login, role and unit (``auth.py``); see docs/api-intake.md.
A plain PUT upload is a streamed request body: never held whole in memory, its sha256 computed
while it streams to the blob store, a declared size over the limit refused with 413 before a
byte is read. Pages and clients that may be interrupted use tus (``tus.py``) instead."""

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from contracts.calendar import campaign_today
from contracts.campaign import Campaign, Window
from services.common.blob_http import blob_response
from services.common.blobs import BlobTooLarge
from services.common.metrics import UPLOAD_BYTES
from services.intake.accounts import User
from services.intake.accounts_api import build_accounts_router
from services.intake.auth import require_see
from services.intake.entries_api import build_entries_router
from services.intake.errors import IntakeError, IntakeRoute, too_large
from services.intake.materials import find_material, media_type_for, size_limit
from services.intake.presets import InvalidCampaign, UnknownPreset, load_campaign_yaml, load_preset
from services.intake.tus import build_tus_router
from services.intake.upload_rules import check_upload

if TYPE_CHECKING:
    from services.intake.app import IntakeService


class CreateCampaign(BaseModel):
    preset: str | None = Field(default=None, description="Preset id, e.g. yanbian-2024")
    definition_yaml: str | None = Field(default=None, description="A whole campaign definition in YAML")
    id: str | None = Field(default=None, description="Campaign id; defaults to the preset's")
    upload_window: Window | None = None
    publication_urls: dict[str, str] = Field(default_factory=dict, description="Target key -> platform URL")


def build_router(svc: "IntakeService") -> APIRouter:
    router = APIRouter(tags=["intake"], route_class=IntakeRoute)
    admin = svc.auth.role("campaign_admin")

    @router.post("/api/campaigns", status_code=201)
    async def create_campaign(body: CreateCampaign, _: User = Depends(admin)) -> dict[str, Any]:
        campaign = _definition(body)
        if await svc.campaigns.find_one({"_id": campaign.id}):
            raise IntakeError(409, f"活动 {campaign.id} 已存在", f"campaign {campaign.id} exists")
        await svc.define_campaign(campaign)
        return {"id": campaign.id, "title": campaign.title}

    @router.put("/api/campaigns/{campaign_id}")
    async def change_campaign(
        campaign_id: str, body: CreateCampaign, _: User = Depends(admin)
    ) -> dict[str, Any]:
        """Replace a campaign's definition, while it has not opened and nobody has entered."""
        current = await svc.find_campaign(campaign_id)
        if current is None:
            raise IntakeError(404, f"活动 {campaign_id} 不存在", f"no campaign {campaign_id}")
        campaign = _definition(body.model_copy(update={"id": campaign_id}))
        window = current.upload_window
        if window is None or window.starts <= campaign_today(current):
            opened = f"已于{window.starts}开放上传" if window else "没有上传时间限制，已开放"
            raise IntakeError(
                409, f"活动{opened}，不能再修改定义", "the campaign has opened; its definition is fixed"
            )
        if await svc.submissions.find_one({"campaign_id": campaign_id}, {"_id": 1}):
            raise IntakeError(
                409, "活动已有报名作品，不能再修改定义", "the campaign has entries; its definition is fixed"
            )
        await svc.define_campaign(campaign)
        return {"id": campaign.id, "title": campaign.title}

    @router.get("/api/campaigns")
    async def list_campaigns() -> list[dict[str, Any]]:
        out = []
        async for doc in svc.campaigns.find({}).sort("created_at", 1):
            spec = doc["spec"]
            keys = ("id", "title", "issuer", "upload_window", "groups")
            out.append({k: spec.get(k) for k in keys})
        return out

    @router.get("/api/campaigns/{campaign_id}")
    async def get_campaign(campaign_id: str) -> dict[str, Any]:
        campaign = await svc.find_campaign(campaign_id)
        if campaign is None:
            raise IntakeError(404, f"活动 {campaign_id} 不存在", f"no campaign {campaign_id}")
        return campaign.model_dump(mode="json")

    @router.put("/api/submissions/{submission_id}/media", status_code=202)
    async def upload_media(
        submission_id: str, request: Request, user: User = Depends(svc.auth.user)
    ) -> dict[str, Any]:
        sub = await svc.submissions.find_one({"_id": submission_id})
        if sub is None:
            raise IntakeError(404, f"作品 {submission_id} 不存在", f"no submission {submission_id}")
        require_see(user, sub)
        campaign = await svc.find_campaign(sub["campaign_id"])
        assert campaign is not None
        material = find_material(campaign, sub["form"], None)
        declared = request.headers.get("content-length")
        declared_type = request.headers.get("content-type", "")
        length = int(declared) if declared and declared.isdigit() else None
        check_upload(campaign, sub, material, None, declared_type, length, svc.settings.tus_max_size)
        limit = min(size_limit(material) or svc.settings.tus_max_size, svc.settings.tus_max_size)

        async def body() -> AsyncIterator[bytes]:
            async for chunk in request.stream():
                UPLOAD_BYTES.inc(len(chunk))
                yield chunk

        try:
            ref = await svc.deps.blobs.put_stream(
                body(), media_type_for(material, "", declared_type), max_bytes=limit
            )
        except BlobTooLarge as exc:
            raise too_large(exc.limit, None) from exc
        if ref.size == 0:
            raise IntakeError(400, "上传的文件为空", "the uploaded file is empty")
        event = await svc.record_upload(sub, ref)
        return {
            "submission_id": submission_id,
            "version": event.entry.version,
            "sha256": ref.sha256,
            "size": ref.size,
        }

    @router.get("/blobs/{sha256}")
    async def get_blob(sha256: str) -> Response:
        if (
            len(sha256) != 64
            or not all(c in "0123456789abcdef" for c in sha256)
            or not await svc.deps.blobs.exists(sha256)
        ):
            raise IntakeError(404, "文件不存在", "no such blob")
        return await blob_response(svc.deps.blobs, sha256)

    router.include_router(build_accounts_router(svc))
    router.include_router(build_entries_router(svc))
    router.include_router(build_tus_router(svc))
    return router


def _definition(body: CreateCampaign) -> Campaign:
    """The campaign a request defines: a preset or YAML, with the request's changes."""
    try:
        if body.definition_yaml:
            campaign = load_campaign_yaml(body.definition_yaml)
        elif body.preset:
            campaign = load_preset(body.preset)
        else:
            raise IntakeError(422, "请指定预设 preset 或提供 YAML 定义", "give a preset or a YAML definition")
        return _customise(campaign, body)
    except (InvalidCampaign, UnknownPreset) as exc:
        raise IntakeError(422, "活动定义有误", "invalid campaign definition", problems=str(exc)) from exc


def _customise(campaign: Campaign, body: CreateCampaign) -> Campaign:
    changes: dict[str, Any] = {}
    if body.id:
        changes["id"] = body.id
    if body.upload_window:
        changes["upload_window"] = body.upload_window
    if body.publication_urls:
        changes["publication_targets"] = [
            t.model_copy(update={"url": body.publication_urls.get(t.key, t.url)})
            for t in campaign.publication_targets
        ]
    return Campaign.model_validate({**campaign.model_dump(), **changes}) if changes else campaign
