"""A level's review window, enforced on scoring, and the chair's late-scoring override.

A score sheet is saved only while today, in the campaign's own calendar (``contracts.calendar``,
Asia/Shanghai by default), is inside the level's window: between 00:00 and 08:00 Beijing time the
UTC date is still yesterday, so the window is never judged by the server's date. A chair who lets
the panel score outside it records that on the round (``late_scoring``, with the reason) and it
goes to the audit log; scores saved under the override say so in their own audit entries."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from contracts.calendar import window_state, zone_label
from contracts.campaign import Campaign
from services.common.errors import ServiceError, responses
from services.review.assignment_notices import announce
from services.review.dependencies import ChairRound, Review
from services.review.opening import level_of
from services.review.rounds import require_open

router = APIRouter()


def scoring_refusal(
    campaign: Campaign, rnd: dict[str, Any], now: datetime | None = None
) -> ServiceError | None:
    """Why a sheet of the round cannot be saved now, or None when it can."""
    _, level = level_of(campaign, rnd["level"])
    window = level.window
    if window is None or rnd.get("late_scoring"):
        return None
    state = window_state(window, campaign, now)
    if state == "open":
        return None
    zone_zh, zone_en = zone_label(campaign)
    span = f"{window.starts}—{window.ends or ''}"
    when_zh, when_en = ("尚未开始", "has not opened") if state == "before" else ("已结束", "has closed")
    return ServiceError(
        403,
        f"{level.name}评审时间（{span}，{zone_zh}）{when_zh}，不能评分；如需补评，请评审组长登记补评许可",
        f"the {level.key} review window ({span}, {zone_en}) {when_en}: the chair can allow late scoring",
        window={"starts": str(window.starts), "ends": str(window.ends) if window.ends else None},
    )


def refuse_outside_window(campaign: Campaign, rnd: dict[str, Any]) -> None:
    if (refusal := scoring_refusal(campaign, rnd)) is not None:
        raise refusal


class LateScoring(BaseModel):
    reason: str = Field(min_length=2, max_length=500, description="Why the panel scores outside its window")


class LateScoringAllowed(BaseModel):
    round_id: str
    reason: str
    at: datetime


@router.post(
    "/rounds/{round_id}/late-scoring",
    status_code=201,
    response_model=LateScoringAllowed,
    responses=responses(400, 401, 403, 404, 409),
)
async def allow_late_scoring(
    svc: Review, chaired: ChairRound, round_id: str, body: LateScoring
) -> dict[str, Any]:
    """The chair lets the round's panel score outside the level's window; recorded in the audit."""
    who, rnd = chaired.who, chaired.round.rnd
    require_open(rnd)
    allowed = {"by": who.who, "reason": body.reason, "at": datetime.now(UTC)}
    await svc.rounds.update_one({"_id": round_id}, {"$set": {"late_scoring": allowed}})
    await svc.audit.record(
        who.who, "late_scoring.allowed", campaign_id=rnd["campaign_id"], round_id=round_id, reason=body.reason
    )
    # The window no longer closes for this panel: no reminder of its last day.
    await announce(svc, chaired.round.campaign, {**rnd, "late_scoring": allowed}, change="progress")
    return {"round_id": round_id, "reason": body.reason, "at": allowed["at"]}
