"""The transcoder's HTTP API: a job's progress, cancelling it, the chosen encoder, and packages.

Progress comes from the job row, which the worker running the job updates with every lease
renewal (every two seconds at most), so any replica answers for any job. Cancelling
(``TranscoderService.cancel``) moves the row to ``cancelled`` and stores the failed
``transcoded`` event in one transaction; the worker running the job stops at once when it is
this replica, else at its next renewal. The package route serves HLS packages in embedded mode;
a deployment serves ``<blobs>/packages/`` from its object store or CDN instead."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from pydantic import BaseModel

from services.common.callers import CampaignAdmin, role
from services.common.errors import ServiceError, responses
from services.common.jobs import CANCELLED, DONE, QUEUED, RUNNING, Job
from services.common.web import service
from services.transcoder.app import TranscoderService
from services.transcoder.packages import MEDIA_TYPES, media_type_of, member_path

Transcoder = Annotated[TranscoderService, Depends(service(TranscoderService))]
# Progress is no secret (an entrant's page shows it); changing a job is an admin's.
SignedIn = Depends(role("campaign_admin", "unit_admin", "entrant", "reviewer"))
ASKED = (401, 403, 503)  # these routes ask intake who is calling

router = APIRouter(prefix="/api/transcoder", tags=["transcoder"])

STATE_LABELS = {
    QUEUED: ("排队等待转码", "queued"),
    RUNNING: ("转码中", "transcoding"),
    DONE: ("转码完成", "done"),
    "failed": ("转码失败", "failed"),
    CANCELLED: ("已取消", "cancelled"),
}


class JobView(BaseModel):
    submission_id: str | None
    version: int | None
    job_id: str
    state: str
    state_label_zh: str
    state_label_en: str
    phase: str | None
    percent: float
    speed: float | None
    eta_s: float | None
    attempts: int
    reason: str | None
    plan: dict[str, Any] | None
    scrub: dict[str, Any] | None = None  # a work that is not a video: what its master left out
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


class EncoderView(BaseModel):
    encoder: str
    gpu_decode: bool
    threads: int
    reason: str


class HardwareFound(BaseModel):
    nvenc: bool
    nvdec: bool
    cpus: int
    nvenc_error: str | None
    nvdec_error: str | None


class HardwareView(BaseModel):
    encoder: EncoderView | None
    hardware: HardwareFound | None


async def latest_job(svc: TranscoderService, submission_id: str) -> Job:
    cursor = svc.db["jobs"].find({"payload.submission_id": submission_id}).sort("created_at", -1).limit(1)
    job = next(iter(await cursor.to_list()), None)
    if job is None:
        raise ServiceError(
            404, f"作品 {submission_id} 没有转码任务", f"no transcoding job for {submission_id}"
        )
    return job


def job_view(job: Job) -> dict[str, Any]:
    progress = job.get("progress") or {}
    state = job["state"]
    zh, en = STATE_LABELS.get(state, (state, state))
    result = job.get("result") or {}
    return {
        "submission_id": job["payload"].get("submission_id"),
        "version": job["payload"].get("version"),
        "job_id": job["_id"],
        "state": state,
        "state_label_zh": zh,
        "state_label_en": en,
        "phase": progress.get("phase") if state == RUNNING else None,
        "percent": 100.0 if state == DONE else float(progress.get("percent") or 0.0),
        "speed": progress.get("speed") if state == RUNNING else None,
        "eta_s": progress.get("eta_s") if state == RUNNING else None,
        "attempts": job.get("attempts", 0),
        "reason": job.get("reason"),
        "plan": result.get("plan") or progress.get("plan"),
        "scrub": result.get("scrub"),
        "created_at": job.get("created_at"),
        "started_at": job.get("started_at"),
        "finished_at": job.get("finished_at"),
    }


@router.get(
    "/jobs/{submission_id}",
    dependencies=[SignedIn],
    response_model=JobView,
    responses=responses(*ASKED, 404),
)
async def get_job(svc: Transcoder, submission_id: str) -> dict[str, Any]:
    return job_view(await latest_job(svc, submission_id))


@router.post("/jobs/{submission_id}/cancel", response_model=JobView, responses=responses(*ASKED, 404, 409))
async def cancel(svc: Transcoder, _: CampaignAdmin, submission_id: str) -> dict[str, Any]:
    job = await latest_job(svc, submission_id)
    if not await svc.cancel(job):
        state = (await svc.jobs.get(job["_id"]) or job)["state"]
        zh, en = STATE_LABELS.get(state, (state, state))
        raise ServiceError(409, f"转码任务已结束（{zh}），不能取消", f"the job has already ended ({en})")
    return job_view(await svc.jobs.get(job["_id"]) or job)


@router.get("/hardware", response_model=HardwareView, responses=responses(*ASKED))
async def hardware(svc: Transcoder, _: CampaignAdmin) -> dict[str, Any]:
    """What start-up found and chose: for operators checking a GPU node."""
    return {
        "encoder": asdict(svc.encoder) if svc.encoder else None,
        "hardware": asdict(svc.hardware) if svc.hardware else None,
    }


@router.get(
    "/packages/{sha256}/{path:path}",
    response_class=FileResponse,
    responses={
        200: {
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in sorted(set(MEDIA_TYPES.values()))
            }
        },
        **responses(404),
    },
)
async def package_file(svc: Transcoder, sha256: str, path: str) -> FileResponse:
    found = member_path(svc.deps.blobs, sha256, path)
    if found is None:
        raise ServiceError(404, "文件不存在", "no such file")
    return FileResponse(found, media_type=media_type_of(found))
