"""Who may fetch a stored file through intake's ``GET /blobs/{sha256}``.

The same people who may see a submission the file belongs to (``auth.can_see``: its entrant,
a unit admin above it, a campaign admin), or whoever holds a link made by ``blob_links`` that
has not expired (a reviewer's player, a platform, the showcase). Everyone else is told the same
thing whether or not the file exists, so the route is no oracle for which files are stored."""

from typing import Any

from fastapi import Request

from services.common.blob_links import LinkCheck
from services.common.errors import ServiceError
from services.intake.accounts import User
from services.intake.app import IntakeService
from services.intake.auth import submission_scope

# (zh, en) of each refusal; one ServiceError is made per request.
NOT_FOUND = ("文件不存在，或您无权查看", "no such file, or not yours to see")
NO_LOGIN = (
    "无权查看该文件：请登录后查看，或使用有效的下载链接",
    "not allowed: log in, or use a valid download link",
)
EXPIRED = ("下载链接已过期，请重新获取", "the download link has expired; get a new one")
FORGED = ("下载链接无效", "the download link is not valid")


def refused(status: int, words: tuple[str, str]) -> ServiceError:
    return ServiceError(status, *words)


async def referring_filter(svc: IntakeService, sha256: str) -> dict[str, Any]:
    """Submissions that hold the blob: as a version of the work, one of its materials (keys are
    the campaigns' own), or a rendition the transcoder made of it."""
    keys: set[str] = set()
    async for doc in svc.campaigns.find({}, {"spec.materials": 1, "spec.series": 1}):
        spec = doc.get("spec") or {}
        for held in [spec, *(spec.get("series") or [])]:
            keys.update(m["key"] for m in held.get("materials") or [])
    paths = ["media.sha256", "versions.media.sha256", "timeline.renditions.blob.sha256"]
    paths += [f"materials.{key}.files.blob.sha256" for key in sorted(keys)]
    return {"$or": [{path: sha256} for path in paths]}


async def may_fetch(svc: IntakeService, user: User, sha256: str) -> bool:
    """Whether ``user`` may see a submission that holds the blob (a campaign admin sees all)."""
    if user.role == "campaign_admin":
        return True
    query = {"$and": [submission_scope(user), await referring_filter(svc, sha256)]}
    return await svc.submissions.find_one(query, {"_id": 1}) is not None


async def require_fetch(
    svc: IntakeService, request: Request, sha256: str, expires: int | None, sig: str | None
) -> None:
    """Let the request through, or refuse it (the same refusal for a file that is not there)."""
    if expires is not None or sig is not None:
        if expires is None or not sig:
            raise refused(403, FORGED)
        match svc.links.check(sha256, expires, sig):
            case LinkCheck.FORGED:
                raise refused(403, FORGED)
            case LinkCheck.EXPIRED:
                raise refused(403, EXPIRED)
        return
    user = await svc.auth.optional_user(request)
    if user is None:
        raise refused(403, NO_LOGIN)
    if not await may_fetch(svc, user, sha256):
        raise refused(404, NOT_FOUND)
