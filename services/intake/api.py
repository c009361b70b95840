"""Intake's HTTP API: campaigns, entries, streamed uploads, status.

An upload is a streamed request body: it is never held whole in memory, its
sha256 is computed while it streams to the blob store, and a declared size over
the campaign's limit is refused with 413 before a byte is read."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from contracts.campaign import Campaign, Window
from services.common.blobs import BlobTooLarge
from services.common.metrics import UPLOAD_BYTES
from services.intake.presets import InvalidCampaign, UnknownPreset, load_campaign_yaml, load_preset
from services.intake.registration import check_form
from services.intake.status import STAGE_LABELS

if TYPE_CHECKING:
    from services.intake.app import IntakeService

UPLOAD_STAGES = {None, "registered", "failed_validation", "transcode_failed"}


class CreateCampaign(BaseModel):
    preset: str | None = Field(default=None, description="Preset id, e.g. yanbian-2024")
    definition_yaml: str | None = Field(default=None, description="A whole campaign definition in YAML")
    id: str | None = Field(default=None, description="Campaign id; defaults to the preset's")
    upload_window: Window | None = None
    publication_urls: dict[str, str] = Field(default_factory=dict, description="Target key -> platform URL")


class Unit(BaseModel):
    code: str
    name: str
    path: list[str] = Field(default_factory=list)


class RegisterEntry(BaseModel):
    form: dict[str, Any]
    unit: Unit
    group: str | None = None


def _err(status: int, zh: str, en: str, **extra: Any) -> HTTPException:
    return HTTPException(status, detail={"message_zh": zh, "message_en": en, **extra})


def build_router(svc: "IntakeService") -> APIRouter:
    router = APIRouter(tags=["intake"])

    @router.post("/api/campaigns", status_code=201)
    async def create_campaign(body: CreateCampaign) -> dict[str, Any]:
        try:
            if body.definition_yaml:
                campaign = load_campaign_yaml(body.definition_yaml)
            elif body.preset:
                campaign = load_preset(body.preset)
            else:
                raise _err(422, "请指定预设 preset 或提供 YAML 定义", "give a preset or a YAML definition")
        except (InvalidCampaign, UnknownPreset) as exc:
            raise _err(422, "活动定义有误", "invalid campaign definition", problems=str(exc)) from exc
        campaign = _customise(campaign, body)
        if await svc.campaigns.find_one({"_id": campaign.id}):
            raise _err(409, f"活动 {campaign.id} 已存在", f"campaign {campaign.id} exists")
        await svc.define_campaign(campaign)
        return {"id": campaign.id, "title": campaign.title}

    @router.get("/api/campaigns/{campaign_id}")
    async def get_campaign(campaign_id: str) -> dict[str, Any]:
        campaign = await svc.find_campaign(campaign_id)
        if campaign is None:
            raise _err(404, f"活动 {campaign_id} 不存在", f"no campaign {campaign_id}")
        return campaign.model_dump(mode="json")

    @router.post("/api/campaigns/{campaign_id}/entries", status_code=201)
    async def register_entry(campaign_id: str, body: RegisterEntry) -> dict[str, Any]:
        campaign = await svc.find_campaign(campaign_id)
        if campaign is None:
            raise _err(404, f"活动 {campaign_id} 不存在", f"no campaign {campaign_id}")
        problems = check_form(campaign, body.form)
        if body.group is not None and campaign.groups and body.group not in campaign.groups:
            raise _err(422, f"组别须为：{'、'.join(campaign.groups)}", "unknown group")
        if problems:
            raise _err(
                422,
                "报名表有误",
                "the registration form has errors",
                fields=[p.model_dump() for p in problems],
            )
        sid = svc.new_submission_id()
        author = body.form.get("name") if campaign.authors_public else None
        await svc.submissions.insert_one(
            {
                "_id": sid,
                "campaign_id": campaign_id,
                "form": body.form,
                "group": body.group,
                "attribution": {
                    "unit_code": body.unit.code,
                    "unit_name": body.unit.name,
                    "unit_path": body.unit.path,
                    "author": author,
                },
                "stage": "registered",
                "version": 0,
                "timeline": [],
                "created_at": datetime.now(UTC),
            }
        )
        return {"submission_id": sid}

    @router.put("/api/submissions/{submission_id}/media", status_code=202)
    async def upload_media(submission_id: str, request: Request) -> dict[str, Any]:
        sub = await svc.submissions.find_one({"_id": submission_id})
        if sub is None:
            raise _err(404, f"作品 {submission_id} 不存在", f"no submission {submission_id}")
        if sub.get("stage") not in UPLOAD_STAGES:
            raise _err(409, "作品正在处理中，暂不能重新上传", "the submission is being processed")
        campaign = await svc.find_campaign(sub["campaign_id"])
        assert campaign is not None
        spec = campaign.video_spec()
        limit = spec.max_size_bytes if spec else None
        declared = request.headers.get("content-length")
        if limit is not None and declared is not None and int(declared) > limit:
            raise _too_large(limit, int(declared))
        media_type = request.headers.get("content-type", "application/octet-stream").split(";")[0]

        async def body() -> AsyncIterator[bytes]:
            async for chunk in request.stream():
                UPLOAD_BYTES.inc(len(chunk))
                yield chunk

        try:
            ref = await svc.deps.blobs.put_stream(body(), media_type, max_bytes=limit)
        except BlobTooLarge as exc:
            raise _too_large(exc.limit, None) from exc
        if ref.size == 0:
            raise _err(400, "上传的文件为空", "the uploaded file is empty")
        event = await svc.record_upload(sub, ref)
        return {
            "submission_id": submission_id,
            "version": event.entry.version,
            "sha256": ref.sha256,
            "size": ref.size,
        }

    @router.get("/api/submissions/{submission_id}")
    async def get_submission(submission_id: str) -> dict[str, Any]:
        sub = await svc.submissions.find_one({"_id": submission_id}, {"form.phone": 0, "last_event": 0})
        if sub is None:
            raise _err(404, f"作品 {submission_id} 不存在", f"no submission {submission_id}")
        zh, en = STAGE_LABELS.get(sub["stage"], (sub["stage"], sub["stage"]))
        sub["timeline"] = sorted(sub.get("timeline", []), key=lambda e: e["at"])
        return {"submission_id": sub.pop("_id"), **sub, "stage_label_zh": zh, "stage_label_en": en}

    @router.get("/api/campaigns/{campaign_id}/submissions")
    async def list_submissions(campaign_id: str) -> list[dict[str, Any]]:
        cursor = svc.submissions.find(
            {"campaign_id": campaign_id}, {"form.title": 1, "stage": 1, "version": 1, "group": 1}
        ).sort("created_at", 1)
        return [
            {
                "submission_id": d["_id"],
                "title": d.get("form", {}).get("title"),
                "stage": d["stage"],
                "group": d.get("group"),
                "version": d.get("version", 0),
            }
            async for d in cursor
        ]

    @router.get("/blobs/{sha256}")
    async def get_blob(sha256: str) -> FileResponse:
        if (
            len(sha256) != 64
            or not all(c in "0123456789abcdef" for c in sha256)
            or not svc.deps.blobs.exists(sha256)
        ):
            raise _err(404, "文件不存在", "no such blob")
        return FileResponse(svc.deps.blobs.path(sha256))

    return router


def _too_large(limit: int, declared: int | None) -> HTTPException:
    mb = limit / 1024 / 1024
    return _err(
        413,
        f"文件超过本活动的大小上限（{mb:.0f} MB），请压缩后重新上传",
        f"the file exceeds this campaign's limit of {mb:.0f} MB",
        limit=limit,
        declared=declared,
    )


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
