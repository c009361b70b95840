"""Review's HTTP API: the campaign's review plan, expert pools and opening rounds (campaign admin),
plus the reviewer's and the chair's routes. Answers to reviewers never carry attribution (blind
review).

Admin routes need a campaign admin's login, checked with intake (``services/common/callers.py``);
experts and chairs use their per-expert tokens (``access.py``). Refusals are ``ServiceError``s
raised where the rule is, answered by the app's one handler."""

from typing import Any

from fastapi import APIRouter, Request

from services.common.errors import ServiceError, responses
from services.review.answers import (
    AssignmentReport,
    Expert,
    ExpertsImported,
    Plan,
    ReadyEntry,
    RoundView,
    Token,
)
from services.review.chair_api import router as chair_router
from services.review.dependencies import Admin, ChairRound, KnownCampaign, Review
from services.review.expert_pool import import_experts, list_experts, reissue_token
from services.review.quotas import additions_allowed
from services.review.reviewer_api import router as reviewer_router
from services.review.round_store import round_id_of
from services.review.rounds import assign
from services.review.scoring import campaign_rubric, rubric_view
from services.review.scoring_window import router as late_scoring_router
from services.review.unit_rounds_api import router as unit_rounds_router

BLIND = {"attribution": 0, "levels": 0}
MAX_EXPERT_FILE = 5 * 1024 * 1024
EXPERT_FILE_TYPES = ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]

router = APIRouter(prefix="/api/review", tags=["review"])
ADMIN = (401, 403, 503)  # every admin route asks intake who is calling


@router.get("/campaigns/{campaign_id}/plan", response_model=Plan, responses=responses(*ADMIN, 404))
async def plan(svc: Review, _: Admin, campaign: KnownCampaign) -> dict[str, Any]:
    """Levels in order: window, expert pool, rubric, outcome rule, and the round's state."""
    levels = []
    for level in campaign.review_levels:
        round_id = round_id_of(campaign.id, level.key)
        rnd = await svc.rounds.find_one({"_id": round_id}, {"state": 1})
        experts = await svc.experts.count_documents({"campaign_id": campaign.id, "level": level.key})
        levels.append(
            {
                **level.model_dump(),
                "experts": experts,
                "round_id": round_id if rnd else None,
                "round_state": rnd["state"] if rnd else None,
                "unit_rounds": await svc.rounds.count_documents(
                    {"campaign_id": campaign.id, "level": level.key, "_id": {"$ne": round_id}}
                ),
                "chair_may_add": additions_allowed(level.outcome),
            }
        )
    return {
        "campaign_id": campaign.id,
        "rubric": rubric_view(campaign_rubric(campaign)),
        "settings": campaign.review_settings,
        "levels": levels,
    }


@router.post(
    "/campaigns/{campaign_id}/levels/{level}/experts",
    status_code=201,
    response_model=ExpertsImported,
    responses=responses(*ADMIN, 404, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in EXPERT_FILE_TYPES},
        }
    },
)
async def import_pool(
    svc: Review, who: Admin, campaign: KnownCampaign, level: str, request: Request
) -> dict[str, Any]:
    """The body is the CSV or XLSX file itself (Content-Type text/csv or the XLSX media type)."""
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_EXPERT_FILE:
            raise ServiceError(413, "文件过大", "file too large")
    return await import_experts(svc, campaign.id, level, bytes(data), who)


@router.get(
    "/campaigns/{campaign_id}/levels/{level}/experts",
    response_model=list[Expert],
    responses=responses(*ADMIN),
)
async def experts(svc: Review, _: Admin, campaign_id: str, level: str) -> list[dict[str, Any]]:
    return await list_experts(svc, campaign_id, level)


@router.post(
    "/campaigns/{campaign_id}/levels/{level}/experts/{reviewer_id}/token",
    response_model=Token,
    responses=responses(*ADMIN, 404),
)
async def new_token(
    svc: Review, who: Admin, campaign_id: str, level: str, reviewer_id: str
) -> dict[str, str]:
    return await reissue_token(svc, campaign_id, level, reviewer_id, who)


@router.post(
    "/rounds/{round_id}/assign", response_model=AssignmentReport, responses=responses(*ADMIN, 404, 409)
)
async def assign_(svc: Review, chaired: ChairRound, round_id: str) -> dict[str, Any]:
    """Whoever chairs the round (its unit's admins, a campaign admin, the level's 组长)."""
    return await assign(svc, chaired.round, chaired.who.who)


@router.get("/campaigns/{campaign_id}/ready", response_model=list[ReadyEntry], responses=responses(*ADMIN))
async def ready(svc: Review, _: Admin, campaign_id: str) -> list[dict[str, Any]]:
    cursor = svc.entries.find({"campaign_id": campaign_id, "ready": True}, BLIND)
    return [{"submission_id": d.pop("_id"), **d} async for d in cursor]


@router.get("/rounds/{round_id}", response_model=RoundView, responses=responses(*ADMIN, 404))
async def get_round(svc: Review, _: Admin, round_id: str) -> dict[str, Any]:
    rnd = await svc.rounds.find_one(
        {"_id": round_id}, {"assignments": 0, "frozen": 0, "choices": 0, "assignment_report.loads": 0}
    )
    if rnd is None:
        raise ServiceError(404, "评审轮次不存在", f"no round {round_id}")
    return {"round_id": rnd.pop("_id"), **rnd}


router.include_router(unit_rounds_router)
router.include_router(reviewer_router)
router.include_router(chair_router)
router.include_router(late_scoring_router)
