"""Review's HTTP API: the campaign's review plan, expert pools and opening rounds (campaign admin),
plus the reviewer and chair routers. Answers to reviewers never carry attribution (blind review).

Admin endpoints need a campaign admin's login, checked with intake (``services/common/callers.py``);
experts and chairs use their per-expert tokens (``access.py``)."""

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from services.common.callers import Caller
from services.common.consumer import NotReady
from services.review.chair_api import build_chair_router
from services.review.errors import RoundError
from services.review.expert_pool import import_experts, list_experts, reissue_token
from services.review.quotas import additions_allowed
from services.review.reviewer_api import build_reviewer_router
from services.review.rounds import assign, open_round
from services.review.scoring import campaign_rubric, rubric_view

if TYPE_CHECKING:
    from services.review.app import ReviewService

BLIND = {"attribution": 0, "levels": 0}
MAX_EXPERT_FILE = 5 * 1024 * 1024


class OpenRound(BaseModel):
    level: str


def fail(exc: RoundError) -> HTTPException:
    return HTTPException(exc.status, detail=exc.detail())


def not_found(exc: NotReady) -> HTTPException:
    return HTTPException(404, detail={"message_zh": "活动不存在", "message_en": str(exc)})


def who(caller: Caller) -> dict[str, str]:
    """How the audit log names an admin."""
    return {"id": caller.id, "name": caller.username, "role": "admin"}


def build_router(svc: "ReviewService") -> APIRouter:
    router = APIRouter(prefix="/api/review", tags=["review"])
    admin = svc.callers.role("campaign_admin")

    @router.get("/campaigns/{campaign_id}/plan")
    async def plan(campaign_id: str, _: Caller = Depends(admin)) -> dict[str, Any]:
        """Levels in order: window, expert pool, rubric, outcome rule, and the round's state."""
        try:
            campaign = await svc.campaign(campaign_id)
        except NotReady as exc:
            raise not_found(exc) from exc
        levels = []
        for level in campaign.review_levels:
            rnd = await svc.rounds.find_one({"_id": f"{campaign_id}:{level.key}"}, {"state": 1})
            experts = await svc.experts.count_documents({"campaign_id": campaign_id, "level": level.key})
            levels.append(
                {
                    **level.model_dump(mode="json"),
                    "experts": experts,
                    "round_id": f"{campaign_id}:{level.key}" if rnd else None,
                    "round_state": rnd["state"] if rnd else None,
                    "chair_may_add": additions_allowed(level.outcome),
                }
            )
        return {
            "campaign_id": campaign_id,
            "rubric": rubric_view(campaign_rubric(campaign)),
            "settings": campaign.review_settings.model_dump(mode="json"),
            "levels": levels,
        }

    @router.post("/campaigns/{campaign_id}/levels/{level}/experts", status_code=201)
    async def import_pool(
        campaign_id: str, level: str, request: Request, caller: Caller = Depends(admin)
    ) -> dict[str, Any]:
        """The body is the CSV or XLSX file itself (Content-Type text/csv or the XLSX media type)."""
        data = bytearray()
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_EXPERT_FILE:
                raise HTTPException(413, detail={"message_zh": "文件过大", "message_en": "file too large"})
        try:
            return await import_experts(svc, campaign_id, level, bytes(data), who(caller))
        except RoundError as exc:
            raise fail(exc) from exc
        except NotReady as exc:
            raise not_found(exc) from exc

    @router.get("/campaigns/{campaign_id}/levels/{level}/experts")
    async def experts(campaign_id: str, level: str, _: Caller = Depends(admin)) -> list[dict[str, Any]]:
        return await list_experts(svc, campaign_id, level)

    @router.post("/campaigns/{campaign_id}/levels/{level}/experts/{reviewer_id}/token")
    async def new_token(
        campaign_id: str, level: str, reviewer_id: str, caller: Caller = Depends(admin)
    ) -> dict[str, str]:
        try:
            return await reissue_token(svc, campaign_id, level, reviewer_id, who(caller))
        except RoundError as exc:
            raise fail(exc) from exc

    @router.post("/campaigns/{campaign_id}/rounds", status_code=201)
    async def open_(campaign_id: str, body: OpenRound, caller: Caller = Depends(admin)) -> dict[str, Any]:
        try:
            return await open_round(svc, campaign_id, body.level, who(caller))
        except RoundError as exc:
            raise fail(exc) from exc
        except NotReady as exc:
            raise not_found(exc) from exc

    @router.post("/rounds/{round_id}/assign")
    async def assign_(round_id: str, caller: Caller = Depends(admin)) -> dict[str, Any]:
        try:
            return await assign(svc, round_id, who(caller))
        except RoundError as exc:
            raise fail(exc) from exc

    @router.get("/campaigns/{campaign_id}/ready")
    async def ready(campaign_id: str, _: Caller = Depends(admin)) -> list[dict[str, Any]]:
        cursor = svc.entries.find({"campaign_id": campaign_id, "ready": True}, BLIND)
        return [{"submission_id": d.pop("_id"), **d} async for d in cursor]

    @router.get("/rounds/{round_id}")
    async def get_round(round_id: str, _: Caller = Depends(admin)) -> dict[str, Any]:
        rnd = await svc.rounds.find_one(
            {"_id": round_id}, {"assignments": 0, "frozen": 0, "choices": 0, "assignment_report.loads": 0}
        )
        if rnd is None:
            raise fail(RoundError(404, "评审轮次不存在", f"no round {round_id}"))
        return {"round_id": rnd.pop("_id"), **rnd}

    router.include_router(build_reviewer_router(svc))
    router.include_router(build_chair_router(svc))
    return router
