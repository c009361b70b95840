"""The reviewer's API (bearer token or the page's cookie). Every answer is blind: built from
``blind.blind_entry`` and the reviewer's own sheet, never from the stored entry as a whole."""

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from services.review.errors import RoundError
from services.review.sheets import declare_conflict, my_assignments, open_entry, save_sheet

if TYPE_CHECKING:
    from services.review.app import ReviewService


class SheetBody(BaseModel):
    sheet: dict[str, Any] | None = Field(default=None, description="Criterion key -> score, as typed")
    score: Any = Field(default=None, description="One holistic score 0-100, only where there is no rubric")
    comment: str | None = None


class ScoreBody(SheetBody):
    submission_id: str
    reviewer: str | None = Field(default=None, description="Optional; must be the token's own reviewer")


class ConflictBody(BaseModel):
    reason: str = ""


def build_reviewer_router(svc: "ReviewService") -> APIRouter:
    router = APIRouter()

    def fail(exc: RoundError) -> HTTPException:
        return HTTPException(exc.status, detail=exc.detail())

    @router.get("/me")
    async def me(request: Request) -> dict[str, Any]:
        who = await svc.access.reviewer(request)
        return {"reviewer_id": who.reviewer_id, "name": who.name, "role": who.role, "level": who.level}

    @router.get("/me/assignments")
    async def assignments(request: Request) -> list[dict[str, Any]]:
        return await my_assignments(svc, await svc.access.reviewer(request))

    @router.get("/rounds/{round_id}/entries/{submission_id}")
    async def entry(round_id: str, submission_id: str, request: Request) -> dict[str, Any]:
        who = await svc.access.reviewer(request)
        try:
            return await open_entry(svc, who, round_id, submission_id)
        except RoundError as exc:
            raise fail(exc) from exc

    @router.put("/rounds/{round_id}/entries/{submission_id}/sheet")
    async def put_sheet(
        round_id: str, submission_id: str, body: SheetBody, request: Request
    ) -> dict[str, Any]:
        """Autosave: idempotent; a partial sheet is kept as a draft."""
        who = await svc.access.reviewer(request)
        try:
            return await save_sheet(svc, who, round_id, submission_id, body.model_dump())
        except RoundError as exc:
            raise fail(exc) from exc

    @router.post("/rounds/{round_id}/scores", status_code=204)
    async def score(round_id: str, body: ScoreBody, request: Request) -> Response:
        """The older one-call form: the same as the PUT above."""
        who = await svc.access.reviewer(request)
        if body.reviewer not in (None, who.reviewer_id, who.name):
            raise HTTPException(
                403,
                detail={"message_zh": "只能提交本人的评分", "message_en": "you can only score as yourself"},
            )
        try:
            await save_sheet(svc, who, round_id, body.submission_id, body.model_dump())
        except RoundError as exc:
            raise fail(exc) from exc
        return Response(status_code=204)

    @router.post("/rounds/{round_id}/entries/{submission_id}/conflict", status_code=204)
    async def conflict(round_id: str, submission_id: str, body: ConflictBody, request: Request) -> Response:
        who = await svc.access.reviewer(request)
        try:
            await declare_conflict(svc, who, round_id, submission_id, body.reason)
        except RoundError as exc:
            raise fail(exc) from exc
        return Response(status_code=204)

    return router
