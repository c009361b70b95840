"""Review's HTTP API. Answers to reviewers never carry attribution (blind review)."""

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from services.common.consumer import NotReady

if TYPE_CHECKING:
    from services.review.app import ReviewService

BLIND = {"attribution": 0}


class OpenRound(BaseModel):
    level: str


class Score(BaseModel):
    submission_id: str
    reviewer: str
    score: float = Field(description="0-100")


def build_router(svc: "ReviewService") -> APIRouter:
    from services.review.app import RoundError

    router = APIRouter(prefix="/api/review", tags=["review"])

    def fail(exc: RoundError) -> HTTPException:
        return HTTPException(exc.status, detail={"message_zh": exc.zh, "message_en": exc.en, **exc.extra})

    @router.post("/campaigns/{campaign_id}/rounds", status_code=201)
    async def open_round(campaign_id: str, body: OpenRound) -> dict[str, Any]:
        try:
            return await svc.open_round(campaign_id, body.level)
        except RoundError as exc:
            raise fail(exc) from exc
        except NotReady as exc:
            raise HTTPException(404, detail={"message_zh": "活动不存在", "message_en": str(exc)}) from exc

    @router.get("/campaigns/{campaign_id}/ready")
    async def ready(campaign_id: str) -> list[dict[str, Any]]:
        cursor = svc.entries.find({"campaign_id": campaign_id}, BLIND)
        return [{"submission_id": d.pop("_id"), **d} async for d in cursor]

    @router.get("/rounds/{round_id}")
    async def get_round(round_id: str) -> dict[str, Any]:
        try:
            rnd = await svc._round(round_id)
        except RoundError as exc:
            raise fail(exc) from exc
        entries = [
            {"submission_id": d.pop("_id"), **d}
            async for d in svc.entries.find({"_id": {"$in": rnd["submission_ids"]}}, BLIND)
        ]
        return {"round_id": rnd.pop("_id"), **rnd, "entries": entries}

    @router.post("/rounds/{round_id}/scores", status_code=204)
    async def score(round_id: str, body: Score) -> None:
        try:
            await svc.record_score(round_id, body.submission_id, body.reviewer, body.score)
        except RoundError as exc:
            raise fail(exc) from exc

    @router.post("/rounds/{round_id}/finalise")
    async def finalise(round_id: str) -> dict[str, Any]:
        try:
            decisions = await svc.finalise(round_id)
        except RoundError as exc:
            raise fail(exc) from exc
        return {"round_id": round_id, "decisions": {sid: d.__dict__ for sid, d in decisions.items()}}

    return router
