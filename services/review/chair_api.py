"""The panel chair's API (a chair's token for the round's level), the public notice (公示) and appeals.

The chair is not blind: the score table and exports name units. Public answers (the notice) show
what a 公示 shows: title, unit, author where the campaign makes authors public, and the result."""

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from services.common.callers import LoggedInCaller
from services.common.downloads import attachment
from services.common.errors import ServiceError, responses
from services.review.chair_answers import (
    AppealFiled,
    AppealResolved,
    AppealView,
    AuditRecord,
    ChoicesView,
    Finalised,
    NoticeStarted,
    Progress,
    Proposal,
    PublicNotice,
    Reassigned,
    ScoreTable,
)
from services.review.dependencies import ChairRound, Review
from services.review.finalising import finalise, proposal, set_choices
from services.review.notice import MAX_CONTACT, MAX_REASON, appeal, appeals_of, resolve_appeal, start_notice
from services.review.paging import Paged
from services.review.public_notice import public_notice
from services.review.report_rows import EXPORTS, export
from services.review.rounds import reassign
from services.review.tables import progress, score_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHAIR = (401, 403, 404)  # not signed in; not this level's chair; no such round

router = APIRouter()


class Reassign(BaseModel):
    submission_id: str
    old_reviewer: str = Field(default="", description="Empty to fill a gap")
    new_reviewer: str


class Choices(BaseModel):
    awards: dict[str, str] = Field(
        default_factory=dict, description="submission_id -> panel-chosen tier name"
    )
    recommend: list[str] = Field(default_factory=list, description="Entries the chair sends up as well")


class Freeze(BaseModel):
    proposal_id: str | None = Field(
        default=None, description="The proposal the chair saw; refused if changed"
    )
    ends_at: AwareDatetime | None = Field(
        default=None, description="公示 end; default: the level's notice days"
    )


class Appeal(BaseModel):
    submission_id: str
    reason: str = Field(min_length=1, max_length=MAX_REASON)
    contact: str = Field(
        min_length=1, max_length=MAX_CONTACT, description="Phone or e-mail for the chair's answer (private)"
    )


class Resolution(BaseModel):
    upheld: bool
    note: str = ""


@router.get("/rounds/{round_id}/progress", response_model=Progress, responses=responses(*CHAIR))
async def progress_(svc: Review, chaired: ChairRound, round_id: str, page: Paged) -> dict[str, Any]:
    """A page of the level's reviewers, by name."""
    rnd = chaired.round.rnd
    return {"round_id": round_id, "state": rnd["state"], **await progress(svc, rnd, page)}


@router.get("/rounds/{round_id}/table", response_model=ScoreTable, responses=responses(*CHAIR))
async def table(svc: Review, chaired: ChairRound, round_id: str, page: Paged) -> dict[str, Any]:
    """A page of the round's entries, in the order they became ready."""
    return await score_table(svc, chaired.round.rnd, chaired.round.campaign, page)


@router.post("/rounds/{round_id}/reassign", response_model=Reassigned, responses=responses(*CHAIR, 400, 409))
async def reassign_(svc: Review, chaired: ChairRound, round_id: str, body: Reassign) -> dict[str, Any]:
    who = chaired.who.who
    got = await reassign(svc, chaired.round, body.submission_id, body.old_reviewer, body.new_reviewer, who)
    return {"submission_id": body.submission_id, "reviewers": got}


class TokenRevoked(BaseModel):
    reviewer_id: str
    revoked: bool = True


@router.post(
    "/rounds/{round_id}/reviewers/{reviewer_id}/revoke",
    response_model=TokenRevoked,
    responses=responses(*CHAIR, 409),
)
async def revoke_token(svc: Review, chaired: ChairRound, round_id: str, reviewer_id: str) -> TokenRevoked:
    """The reviewer's access token (and every page signed in with it) stops working at once; the
    campaign admin can issue a new one."""
    who = chaired.who
    if reviewer_id == who.reviewer_id:
        raise ServiceError(409, "不能收回自己的评审令牌", "a chair cannot revoke their own token")
    if not await svc.access.revoke(who.campaign_id, who.level, reviewer_id, who.scope):
        if who.scope:
            zh = f"本单位评审范围内没有评审专家 {reviewer_id}"
            raise ServiceError(404, zh, f"no expert {reviewer_id} in the scope of unit {who.scope}")
        raise ServiceError(404, f"本级没有评审专家 {reviewer_id}", f"no expert {reviewer_id} at this level")
    await svc.audit.record(
        who.who, "token.revoked", campaign_id=who.campaign_id, round_id=round_id, reviewer_id=reviewer_id
    )
    return TokenRevoked(reviewer_id=reviewer_id)


@router.put("/rounds/{round_id}/choices", response_model=ChoicesView, responses=responses(*CHAIR, 400, 409))
async def choices(svc: Review, chaired: ChairRound, round_id: str, body: Choices) -> dict[str, Any]:
    return await set_choices(svc, chaired.round, body.awards, body.recommend, chaired.who.who)


@router.get("/rounds/{round_id}/proposal", response_model=Proposal, responses=responses(*CHAIR))
async def proposal_(svc: Review, chaired: ChairRound, round_id: str) -> dict[str, Any]:
    return await proposal(svc, chaired.round)


@router.post("/rounds/{round_id}/notice", response_model=NoticeStarted, responses=responses(*CHAIR, 400, 409))
async def notice(
    svc: Review, chaired: ChairRound, round_id: str, body: Freeze | None = None
) -> dict[str, Any]:
    body = body or Freeze()
    return await start_notice(svc, chaired.round, chaired.who.who, body.ends_at, body.proposal_id)


@router.post("/rounds/{round_id}/finalise", response_model=Finalised, responses=responses(*CHAIR, 400, 409))
async def finalise_(
    svc: Review, chaired: ChairRound, round_id: str, body: Freeze | None = None
) -> dict[str, Any]:
    return await finalise(svc, chaired.round, chaired.who.who, (body or Freeze()).proposal_id)


@router.get("/rounds/{round_id}/audit", response_model=list[AuditRecord], responses=responses(*CHAIR))
async def audit(svc: Review, _chaired: ChairRound, round_id: str) -> list[dict[str, Any]]:
    return await svc.audit.of_round(round_id)


@router.get("/rounds/{round_id}/appeals", response_model=list[AppealView], responses=responses(*CHAIR))
async def appeals(svc: Review, chaired: ChairRound, round_id: str) -> list[dict[str, Any]]:
    """The round's appeals, oldest first, with the appellants' contacts."""
    return await appeals_of(svc, chaired.round.rnd)


@router.post(
    "/rounds/{round_id}/appeals/{appeal_id}/resolve",
    response_model=AppealResolved,
    responses=responses(*CHAIR, 400, 409),
)
async def resolve(
    svc: Review, chaired: ChairRound, round_id: str, appeal_id: str, body: Resolution
) -> dict[str, Any]:
    return await resolve_appeal(svc, chaired.round, appeal_id, body.upheld, body.note, chaired.who.who)


@router.get(
    "/rounds/{round_id}/exports/{kind}.xlsx",
    response_class=Response,
    responses={
        200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
        **responses(*CHAIR, 409),
    },
)
async def export_(svc: Review, chaired: ChairRound, round_id: str, kind: str) -> Response:
    if kind not in EXPORTS:
        raise ServiceError(404, "没有这种导出表", f"exports: {EXPORTS}")
    name, data = await export(svc, chaired.round, kind)
    return Response(data, media_type=XLSX, headers=attachment(name, f"{kind}.xlsx"))


# -- public: the 公示 and appeals ----------------------------------------------------------------


@router.get("/rounds/{round_id}/notice", response_model=PublicNotice, responses=responses(404))
async def public_notice_(svc: Review, round_id: str, page: Paged) -> dict[str, Any]:
    """A page of the 公示 while it runs, and as a record once the round is finalised after it."""
    view, _ = await public_notice(svc, round_id, page)
    return view


@router.post(
    "/rounds/{round_id}/appeals",
    status_code=201,
    response_model=AppealFiled,
    responses=responses(400, 401, 403, 404, 409, 429, 503),
)
async def appeal_(
    svc: Review, round_id: str, body: Appeal, request: Request, caller: LoggedInCaller
) -> dict[str, Any]:
    """An appeal against an entry's result during the 公示, by a logged-in account (intake's)."""
    address = request.client.host if request.client else None
    return await appeal(svc, round_id, body.submission_id, body.reason, body.contact, caller, address)
