"""Rounds per unit over HTTP (decision 0031): a unit admin or a campaign admin opens a unit's
round, and sees the level's rounds unit by unit (a unit admin only those of their subtree).

Opening is ``POST /campaigns/{id}/rounds`` with ``unit`` (a unit admin's own unit when left out;
a campaign admin without it opens the campaign-wide round, as before); progress is
``GET /campaigns/{id}/levels/{level}/rounds``: each unit of the level with entries, its round's
state (or not opened yet), its entries, and the lower rounds it still waits for."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.common.callers import Caller, role
from services.common.errors import responses
from services.review.answers import RoundOpened
from services.review.dependencies import KnownCampaign, Review
from services.review.opening import level_of
from services.review.round_store import MongoRoundStore
from services.review.rounds import lower_states, open_round
from services.review.unit_gate import unit_progress

RoundAdmin = Annotated[Caller, Depends(role("campaign_admin", "unit_admin"))]
ADMIN = (401, 403, 503)

router = APIRouter()


class OpenRound(BaseModel):
    level: str
    unit: str | None = Field(
        default=None,
        description="The unit whose round this is; none: the campaign's (a unit admin: their own)",
    )


class LowerRound(BaseModel):
    level: str
    unit: str
    unit_name: str
    state: str | None = Field(description="None: not opened yet")


class UnitRound(BaseModel):
    unit: str | None = Field(description="None: the campaign-wide round")
    unit_name: str
    round_id: str | None = Field(description="None: not opened yet")
    state: str | None
    entries: int = Field(description="In the round; before it opens, those ready for it")
    waiting: list[LowerRound] = Field(description="Lower rounds not final yet: it cannot open before")


class LevelRounds(BaseModel):
    campaign_id: str
    level: str
    final: int
    rounds: list[UnitRound]


def who_of(caller: Caller) -> dict[str, str]:
    return {"id": caller.id, "name": caller.username, "role": caller.role}


def scope_of(caller: Caller) -> str | None:
    return caller.unit_code if caller.role == "unit_admin" else None


@router.post(
    "/campaigns/{campaign_id}/rounds",
    status_code=201,
    response_model=RoundOpened,
    responses=responses(*ADMIN, 400, 404, 409, 422),
)
async def open_(svc: Review, caller: RoundAdmin, campaign: KnownCampaign, body: OpenRound) -> dict[str, Any]:
    """A unit's round (a unit admin: of their unit or one below it), or the campaign's (a campaign admin)."""
    return await open_round(svc, campaign.id, body.level, who_of(caller), body.unit, scope_of(caller))


@router.get(
    "/campaigns/{campaign_id}/levels/{level}/rounds",
    response_model=LevelRounds,
    responses=responses(*ADMIN, 404),
)
async def level_rounds(
    svc: Review, caller: RoundAdmin, campaign: KnownCampaign, level: str
) -> dict[str, Any]:
    """The level's rounds unit by unit; a unit admin sees those of their own subtree."""
    index, _ = level_of(campaign, level)
    store, scope = MongoRoundStore(svc.db), scope_of(caller)
    entries = await store.ready_entries(campaign.id, scope)
    rounds = await store.level_rounds(campaign.id, level)
    rows = unit_progress(campaign, index, entries, rounds, await lower_states(store, campaign, index), scope)
    final = sum(1 for r in rows if r["state"] == "finalised")
    return {"campaign_id": campaign.id, "level": level, "final": final, "rounds": rows}
