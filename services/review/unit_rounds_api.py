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
from services.review.audit import who_of
from services.review.chair_answers import PageOf
from services.review.dependencies import KnownCampaign, Review
from services.review.opening import level_of
from services.review.paging import Paged
from services.review.round_store import FINAL, MongoRoundStore
from services.review.rounds import lower_states, open_round
from services.review.unit_gate import RoundStates, unit_progress

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


class LevelRounds(PageOf):
    campaign_id: str
    level: str
    final: int = Field(description="The level's finalised rounds (on every page)")
    rounds: list[UnitRound] = Field(description="A page of the level's units, by code")


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
    svc: Review, caller: RoundAdmin, campaign: KnownCampaign, level: str, page: Paged
) -> dict[str, Any]:
    """A page of the level's rounds unit by unit; a unit admin sees those of their own subtree."""
    index, _ = level_of(campaign, level)
    store, scope = MongoRoundStore(svc.db), scope_of(caller)
    rounds = await store.level_rounds(campaign.id, level)
    if any(r.unit is None for r in rounds):  # a campaign-wide round: its row needs no entries
        entries, states = [], RoundStates([])
    else:
        entries = await store.ready_entries(campaign.id, scope)
        states = await lower_states(store, campaign, index)
    rows, total = unit_progress(campaign, index, entries, rounds, states, scope, page)
    final = sum(1 for r in rounds if r.state == FINAL and (scope is None or scope in r.unit_path))
    return {
        "campaign_id": campaign.id,
        "level": level,
        "final": final,
        "rounds": rows,
        "total": total,
        "offset": page.offset,
        "next_offset": page.next_offset(total),
    }
