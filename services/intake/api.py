"""Intake's HTTP API for campaigns, the plain streamed upload and blobs.

Every route checks the caller's login, role and unit (``dependencies.py``, ``auth.py``); see
docs/api-intake.md. A plain PUT upload is a streamed request body: never held whole in memory,
its sha256 computed while it streams to the blob store, a declared size over the limit refused
with 413 before a byte is read. Pages and clients that may be interrupted use tus (``tus.py``)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from contracts.calendar import campaign_today
from contracts.campaign import Campaign
from services.common.blob_http import blob_response
from services.common.blobs import BlobTooLarge
from services.common.capped_body import capped_body
from services.common.errors import ServiceError, responses
from services.common.metrics import UPLOAD_BYTES
from services.intake.api_models import CampaignRef, CampaignSummary, CreateCampaign, MediaStored
from services.intake.app import IntakeService
from services.intake.blob_access import NOT_FOUND, refused, require_fetch
from services.intake.dependencies import CampaignAdmin, CampaignInPath, Intake, VisibleSubmission
from services.intake.materials import find_material, media_type_for, size_limit
from services.intake.presets import (
    MAX_DEFINITION_BYTES,
    InvalidCampaign,
    UnknownPreset,
    load_campaign_yaml,
    load_preset,
)
from services.intake.storage_quota import check_storage
from services.intake.upload_rules import check_upload, too_large

router = APIRouter(tags=["intake"])
# A definition's body is read with a cap before it is parsed: a YAML is hostile (presets.py).
definitions = APIRouter(tags=["intake"], route_class=capped_body(MAX_DEFINITION_BYTES))

# The plain upload's body: the work's bytes, as they are (never form-encoded).
MEDIA_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
Sha256 = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="The blob's sha256, lower-case hex")]


@definitions.post(
    "/api/campaigns",
    status_code=201,
    response_model=CampaignRef,
    responses=responses(400, 401, 403, 409, 413, 422),
)
async def create_campaign(body: CreateCampaign, svc: Intake, _: CampaignAdmin) -> CampaignRef:
    campaign = await asyncio.to_thread(_definition, body)  # up to MAX_YAML_NODES to read and check
    if await svc.campaigns.find_one({"_id": campaign.id}):
        raise ServiceError(409, f"活动 {campaign.id} 已存在", f"campaign {campaign.id} exists")
    await svc.define_campaign(campaign)
    return CampaignRef(id=campaign.id, title=campaign.title)


@definitions.put(
    "/api/campaigns/{campaign_id}",
    response_model=CampaignRef,
    responses=responses(400, 401, 403, 404, 409, 413, 422),
)
async def change_campaign(
    campaign_id: str, body: CreateCampaign, svc: Intake, _: CampaignAdmin, current: CampaignInPath
) -> CampaignRef:
    """Replace a campaign's definition, while it has not opened and nobody has entered."""
    campaign = await asyncio.to_thread(_definition, body.model_copy(update={"id": campaign_id}))
    fixed = await definition_fixed(svc, current)
    if fixed is not None:
        raise ServiceError(409, *fixed)
    await svc.define_campaign(campaign)
    return CampaignRef(id=campaign.id, title=campaign.title)


router.include_router(definitions)


async def definition_fixed(svc: IntakeService, campaign: Campaign) -> tuple[str, str] | None:
    """Why the campaign's definition is fixed (Chinese, English): it has opened for uploads or has
    entries, and changes only live (``change_api.py``) from then on; None while it may be replaced."""
    window = campaign.upload_window
    if window is None or window.starts <= campaign_today(campaign):
        opened = f"已于{window.starts}开放上传" if window else "没有上传时间限制，已开放"
        return f"活动{opened}，不能再修改定义", "the campaign has opened; its definition is fixed"
    if await svc.submissions.find_one({"campaign_id": campaign.id}, {"_id": 1}):
        return "活动已有报名作品，不能再修改定义", "the campaign has entries; its definition is fixed"
    return None


@router.get("/api/campaigns", response_model=list[CampaignSummary])
async def list_campaigns(svc: Intake) -> list[CampaignSummary]:
    found = svc.campaigns.find({}).sort("created_at", 1)
    return [CampaignSummary.model_validate(doc["spec"]) async for doc in found]


@router.get("/api/campaigns/{campaign_id}", response_model=Campaign, responses=responses(404))
async def get_campaign(campaign: CampaignInPath) -> Campaign:
    return campaign


@router.put(
    "/api/submissions/{submission_id}/media",
    status_code=202,
    response_model=MediaStored,
    responses=responses(400, 401, 403, 404, 409, 413, 415, 422),
    openapi_extra=MEDIA_BODY,
)
async def upload_media(
    submission_id: str, request: Request, svc: Intake, sub: VisibleSubmission
) -> MediaStored:
    campaign = await svc.find_campaign(sub["campaign_id"])
    assert campaign is not None
    material = find_material(campaign, sub["form"], None)
    declared = request.headers.get("content-length")
    declared_type = request.headers.get("content-type", "")
    length = int(declared) if declared and declared.isdigit() else None
    check_upload(campaign, sub, material, None, declared_type, length, svc.settings.tus_max_size)
    await check_storage(svc, sub, length)
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
        raise ServiceError(400, "上传的文件为空", "the uploaded file is empty")
    event = await svc.record_upload(sub, ref)
    return MediaStored(
        submission_id=submission_id, version=event.entry.version, sha256=ref.sha256, size=ref.size
    )


@router.get(
    "/blobs/{sha256}",
    response_class=Response,
    responses={
        200: {"description": "文件内容 / the file's bytes", "content": {"application/octet-stream": {}}},
        307: {"description": "对象存储中的地址 / the object store's URL for it"},
        **responses(403, 404, 422),
    },
)
async def get_blob(
    sha256: Sha256,
    svc: Intake,
    request: Request,
    expires: Annotated[int | None, Query(description="链接的有效期限（Unix 秒）/ the link's expiry")] = None,
    sig: Annotated[str | None, Query(description="链接的签名 / the link's signature")] = None,
) -> Response:
    """A stored file, for a login that may see its submission or a signed link (blob_access.py)."""
    await require_fetch(svc, request, sha256, expires, sig)
    if not await svc.deps.blobs.exists(sha256):
        raise refused(404, NOT_FOUND)
    return await blob_response(svc.deps.blobs, sha256, svc.settings.blob_link_ttl_s)


def _definition(body: CreateCampaign) -> Campaign:
    """The campaign a request defines: a preset or YAML, with the request's changes."""
    try:
        if body.definition_yaml:
            campaign = load_campaign_yaml(body.definition_yaml)
        elif body.preset:
            campaign = load_preset(body.preset)
        else:
            raise ServiceError(
                422, "请指定预设 preset 或提供 YAML 定义", "give a preset or a YAML definition"
            )
        return _customise(campaign, body)
    except ValidationError as exc:  # the request's changes make the campaign invalid
        problems = InvalidCampaign.from_validation_error(exc)
        raise ServiceError(
            422, "活动定义有误", "invalid campaign definition", problems=str(problems)
        ) from exc
    except (InvalidCampaign, UnknownPreset) as exc:
        raise ServiceError(422, "活动定义有误", "invalid campaign definition", problems=str(exc)) from exc


def _customise(campaign: Campaign, body: CreateCampaign) -> Campaign:
    changes: dict[str, Any] = {}
    if body.id:
        changes["id"] = body.id
    if body.upload_window:
        changes["upload_window"] = body.upload_window.model_dump()
    if body.publication_urls:
        changes["publication_targets"] = [
            t.model_copy(update={"url": body.publication_urls.get(t.key, t.url)})
            for t in campaign.publication_targets
        ]
    return Campaign.model_validate({**campaign.model_dump(), **changes}) if changes else campaign
