"""The transcoder's HTTP API: a job's progress, cancelling it, the chosen encoder, and packages.

Progress comes from the job row, which the worker running the job updates with every lease
renewal (every two seconds at most), so any replica answers for any job. Cancelling
(``TranscoderService.cancel``) moves the row to ``cancelled`` and stores the failed
``transcoded`` event in one transaction; the worker running the job stops at once when it is
this replica, else at its next renewal. The package route serves HLS packages in embedded mode;
a deployment serves ``<blobs>/packages/`` from its object store or CDN instead."""

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse

from services.common.jobs import CANCELLED, DONE, QUEUED, RUNNING, Job
from services.transcoder.packages import media_type_of, member_path

if TYPE_CHECKING:
    from services.transcoder.app import TranscoderService

STATE_LABELS = {
    QUEUED: ("排队等待转码", "queued"),
    RUNNING: ("转码中", "transcoding"),
    DONE: ("转码完成", "done"),
    "failed": ("转码失败", "failed"),
    CANCELLED: ("已取消", "cancelled"),
}


def _err(status: int, zh: str, en: str) -> HTTPException:
    return HTTPException(status, detail={"message_zh": zh, "message_en": en})


async def latest_job(svc: "TranscoderService", submission_id: str) -> Job | None:
    cursor = svc.db["jobs"].find({"payload.submission_id": submission_id}).sort("created_at", -1).limit(1)
    return next(iter(await cursor.to_list()), None)


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
        "created_at": job.get("created_at"),
        "started_at": job.get("started_at"),
        "finished_at": job.get("finished_at"),
    }


def build_router(svc: "TranscoderService") -> APIRouter:
    router = APIRouter(prefix="/api/transcoder", tags=["transcoder"])
    # Progress is no secret (an entrant's page shows it); changing a job is an admin's.
    anyone = svc.callers.role("campaign_admin", "unit_admin", "entrant", "reviewer")
    admin = svc.callers.role("campaign_admin")

    @router.get("/jobs/{submission_id}", dependencies=[Depends(anyone)])
    async def get_job(submission_id: str) -> dict[str, Any]:
        job = await latest_job(svc, submission_id)
        if job is None:
            raise _err(404, f"作品 {submission_id} 没有转码任务", f"no transcoding job for {submission_id}")
        return job_view(job)

    @router.post("/jobs/{submission_id}/cancel", dependencies=[Depends(admin)])
    async def cancel(submission_id: str) -> dict[str, Any]:
        job = await latest_job(svc, submission_id)
        if job is None:
            raise _err(404, f"作品 {submission_id} 没有转码任务", f"no transcoding job for {submission_id}")
        if not await svc.cancel(job):
            state = (await svc.jobs.get(job["_id"]) or job)["state"]
            zh, en = STATE_LABELS.get(state, (state, state))
            raise _err(409, f"转码任务已结束（{zh}），不能取消", f"the job has already ended ({en})")
        return job_view(await svc.jobs.get(job["_id"]) or job)

    @router.get("/hardware", dependencies=[Depends(admin)])
    async def hardware() -> dict[str, Any]:
        """What start-up found and chose: for operators checking a GPU node."""
        return {
            "encoder": asdict(svc.encoder) if svc.encoder else None,
            "hardware": asdict(svc.hardware) if svc.hardware else None,
        }

    @router.get("/packages/{sha256}/{path:path}")
    async def package_file(sha256: str, path: str) -> FileResponse:
        found = member_path(svc.deps.blobs, sha256, path)
        if found is None:
            raise _err(404, "文件不存在", "no such file")
        return FileResponse(found, media_type=media_type_of(found))

    return router
