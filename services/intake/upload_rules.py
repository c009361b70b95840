"""What must hold before an upload may start, checked before any byte is accepted (pure).

The order is the one a person can act on: the window first (nothing else matters after the
deadline), then the entry's state, the size, the file's name and type, the naming rule."""

from datetime import datetime
from typing import Any

from contracts.campaign import Campaign, Material
from services.common.errors import ServiceError
from services.intake.materials import size_limit, type_problem
from services.intake.naming import filename_problem, name_problem
from services.intake.status import STAGE_LABELS
from services.intake.window import upload_refusal

# Stages from which a new version of the work may be uploaded (resubmission).
UPLOAD_STAGES = {None, "registered", "failed_validation", "transcode_failed", "awaiting_approval", "returned"}


def stage_refusal(sub: dict[str, Any], material: Material) -> ServiceError | None:
    if (sub.get("approval") or {}).get("state") == "approved":
        return ServiceError(
            409, "作品已通过单位审核，不能再更换文件", "the entry is approved: its files can no longer change"
        )
    if material.primary and sub.get("stage") not in UPLOAD_STAGES:
        zh, en = STAGE_LABELS.get(sub["stage"], (sub["stage"], sub["stage"]))
        return ServiceError(
            409,
            f"作品正在处理中（{zh}），暂不能上传新版本",
            f"the entry is being processed ({en}); a new version cannot be uploaded now",
            stage=sub["stage"],
        )
    return None


def check_upload(
    campaign: Campaign,
    sub: dict[str, Any],
    material: Material,
    filename: str | None,
    media_type: str,
    length: int | None,
    max_size: int,
    now: datetime | None = None,
) -> None:
    """Raise the first reason this upload cannot start; return when it can."""
    unit_path = sub.get("attribution", {}).get("unit_path", [])
    for refusal in (upload_refusal(campaign, now, unit_path), stage_refusal(sub, material)):
        if refusal is not None:
            raise refusal
    limit = size_limit(material)
    limit = min(limit, max_size) if limit is not None else max_size
    if length is not None and length > limit:
        raise too_large(limit, length)
    if length == 0:
        raise ServiceError(400, "上传的文件为空", "the uploaded file is empty")
    if filename is not None and (problem := filename_problem(filename)):
        raise problem
    if problem := type_problem(material, filename, media_type):
        raise problem
    if filename is not None and (problem := name_problem(campaign, sub["form"], material, filename)):
        raise problem


def too_large(limit: int, declared: int | None) -> ServiceError:
    """The refusal of a file over the campaign's (or the server's) size limit."""
    mb = limit / 1024 / 1024
    return ServiceError(
        413,
        f"文件超过本活动的大小上限（{mb:.0f} MB），请压缩后重新上传",
        f"the file exceeds this campaign's limit of {mb:.0f} MB",
        limit=limit,
        declared=declared,
    )
