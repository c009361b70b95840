"""The reviewer's API (bearer token or the page's cookie). Every answer is blind: built from
``blind.blind_entry`` and the reviewer's own sheet, never from the stored entry as a whole."""

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from contracts import BlobRef
from services.common.errors import ServiceError, responses
from services.review.answers import Assignment, EntryView, Me, SheetView
from services.review.dependencies import Review, Reviewer
from services.review.entry_materials import blind_copy, file_name, material_of
from services.review.paging import Paged
from services.review.round_store import OPEN
from services.review.sheets import allowed_entry, declare_conflict, my_assignments, open_entry, save_sheet

router = APIRouter()
ENTRY = (401, 403, 404)  # not signed in; not assigned or in conflict; not in the round


class SheetBody(BaseModel):
    sheet: dict[str, Any] | None = Field(default=None, description="Criterion key -> score, as typed")
    score: Any = Field(default=None, description="One holistic score 0-100, only where there is no rubric")
    comment: str | None = Field(default=None, max_length=5000)


class ScoreBody(SheetBody):
    submission_id: str
    reviewer: str | None = Field(default=None, description="Optional; must be the token's own reviewer")


class ConflictBody(BaseModel):
    reason: str = Field(default="", max_length=500)


@router.get("/me", response_model=Me, responses=responses(401))
async def me(who: Reviewer) -> Me:
    return Me(reviewer_id=who.reviewer_id, name=who.name, role=who.role, level=who.level)


@router.get("/me/assignments", response_model=list[Assignment], responses=responses(401))
async def assignments(svc: Review, who: Reviewer, page: Paged) -> list[dict[str, Any]]:
    """A page of the reviewer's entries (``offset``, ``limit``): a short page is the last."""
    return await my_assignments(svc, who, page)


@router.get(
    "/rounds/{round_id}/entries/{submission_id}", response_model=EntryView, responses=responses(*ENTRY)
)
async def entry(svc: Review, who: Reviewer, round_id: str, submission_id: str) -> dict[str, Any]:
    return await open_entry(svc, who, round_id, submission_id)


@router.get(
    "/rounds/{round_id}/entries/{submission_id}/materials/{name}",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, **responses(*ENTRY, 409)},
)
async def material(
    svc: Review, who: Reviewer, round_id: str, submission_id: str, name: str
) -> StreamingResponse:
    """One of the entry's other files (``materials[].url``), as a copy without identifying metadata;
    while the round is open, as the work's preview."""
    rnd, campaign, doc = await allowed_entry(svc, who, round_id, submission_id)
    held = (doc.get("materials") or {}).get(name)
    if held is None:
        raise ServiceError(404, "该作品没有这份材料", f"the entry has no material {name}")
    if rnd["state"] != OPEN:
        raise ServiceError(409, "本轮评审已结束，材料不再提供", "the round is closed: no more materials")
    found = material_of(campaign, doc, name)
    copy = await blind_copy(svc, BlobRef.model_validate(held), found.kind if found else None)
    headers = {
        "content-disposition": f'inline; filename="{file_name(name, copy)}"',
        "content-length": str(copy.size),
        "cache-control": "private, no-store",
    }
    return StreamingResponse(svc.deps.blobs.stream(copy.sha256), media_type=copy.media_type, headers=headers)


@router.put(
    "/rounds/{round_id}/entries/{submission_id}/sheet",
    response_model=SheetView,
    responses=responses(*ENTRY, 400, 409),
)
async def put_sheet(
    svc: Review, who: Reviewer, round_id: str, submission_id: str, body: SheetBody
) -> dict[str, Any]:
    """Autosave: idempotent; a partial sheet is kept as a draft."""
    return await save_sheet(svc, who, round_id, submission_id, body.model_dump())


@router.post(
    "/rounds/{round_id}/scores",
    status_code=204,
    response_class=Response,
    responses=responses(*ENTRY, 400, 409),
)
async def score(svc: Review, who: Reviewer, round_id: str, body: ScoreBody) -> None:
    """The older one-call form: the same as the PUT above."""
    if body.reviewer not in (None, who.reviewer_id, who.name):
        raise ServiceError(403, "只能提交本人的评分", "you can only score as yourself")
    await save_sheet(svc, who, round_id, body.submission_id, body.model_dump())


@router.post(
    "/rounds/{round_id}/entries/{submission_id}/conflict",
    status_code=204,
    response_class=Response,
    responses=responses(*ENTRY, 400, 409),
)
async def conflict(svc: Review, who: Reviewer, round_id: str, submission_id: str, body: ConflictBody) -> None:
    await declare_conflict(svc, who, round_id, submission_id, body.reason)
