"""The panel chair's API (a chair's token for the round's level), the public notice (公示) and appeals.

The chair is not blind: the score table and exports name units. Public answers (the notice) show
what a 公示 shows: title, unit, author where the campaign makes authors public, and the result."""

from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from services.review.access import Identity
from services.review.errors import RoundError
from services.review.finalising import finalise, proposal, set_choices
from services.review.notice import appeal, resolve_appeal, start_notice
from services.review.report_rows import EXPORTS, export
from services.review.rounds import NOTICE, context, reassign
from services.review.tables import progress, score_table

if TYPE_CHECKING:
    from services.review.app import ReviewService

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    ends_at: datetime | None = Field(default=None, description="公示 end; default: the level's notice days")


class Appeal(BaseModel):
    submission_id: str
    reason: str


class Resolution(BaseModel):
    upheld: bool
    note: str = ""


def build_chair_router(svc: "ReviewService") -> APIRouter:
    router = APIRouter()

    def fail(exc: RoundError) -> HTTPException:
        return HTTPException(exc.status, detail=exc.detail())

    async def chair(request: Request, round_id: str) -> Identity:
        try:
            rnd, _, _, _ = await context(svc, round_id)
        except RoundError as exc:
            raise fail(exc) from exc
        return await svc.access.chair(request, rnd["campaign_id"], rnd["level"])

    @router.get("/rounds/{round_id}/progress")
    async def progress_(round_id: str, request: Request) -> dict[str, Any]:
        await chair(request, round_id)
        rnd, _, _, _ = await context(svc, round_id)
        return {"round_id": round_id, "state": rnd["state"], "reviewers": await progress(svc, rnd)}

    @router.get("/rounds/{round_id}/table")
    async def table(round_id: str, request: Request) -> dict[str, Any]:
        await chair(request, round_id)
        rnd, campaign, _, _ = await context(svc, round_id)
        return await score_table(svc, rnd, campaign)

    @router.post("/rounds/{round_id}/reassign")
    async def reassign_(round_id: str, body: Reassign, request: Request) -> dict[str, Any]:
        who = await chair(request, round_id)
        try:
            got = await reassign(
                svc, round_id, body.submission_id, body.old_reviewer, body.new_reviewer, who.who
            )
        except RoundError as exc:
            raise fail(exc) from exc
        return {"submission_id": body.submission_id, "reviewers": got}

    @router.put("/rounds/{round_id}/choices")
    async def choices(round_id: str, body: Choices, request: Request) -> dict[str, Any]:
        who = await chair(request, round_id)
        try:
            return await set_choices(svc, round_id, body.awards, body.recommend, who.who)
        except RoundError as exc:
            raise fail(exc) from exc

    @router.get("/rounds/{round_id}/proposal")
    async def proposal_(round_id: str, request: Request) -> dict[str, Any]:
        await chair(request, round_id)
        try:
            return await proposal(svc, round_id)
        except RoundError as exc:
            raise fail(exc) from exc

    @router.post("/rounds/{round_id}/notice")
    async def notice(round_id: str, request: Request, body: Freeze | None = None) -> dict[str, Any]:
        who = await chair(request, round_id)
        body = body or Freeze()
        try:
            return await start_notice(svc, round_id, who.who, body.ends_at, body.proposal_id)
        except RoundError as exc:
            raise fail(exc) from exc

    @router.post("/rounds/{round_id}/finalise")
    async def finalise_(round_id: str, request: Request, body: Freeze | None = None) -> dict[str, Any]:
        who = await chair(request, round_id)
        try:
            return await finalise(svc, round_id, who.who, (body or Freeze()).proposal_id)
        except RoundError as exc:
            raise fail(exc) from exc

    @router.get("/rounds/{round_id}/audit")
    async def audit(round_id: str, request: Request) -> list[dict[str, Any]]:
        await chair(request, round_id)
        return await svc.audit.of_round(round_id)

    @router.post("/rounds/{round_id}/appeals/{appeal_id}/resolve")
    async def resolve(round_id: str, appeal_id: str, body: Resolution, request: Request) -> dict[str, Any]:
        who = await chair(request, round_id)
        try:
            return await resolve_appeal(svc, round_id, appeal_id, body.upheld, body.note, who.who)
        except RoundError as exc:
            raise fail(exc) from exc

    @router.get("/rounds/{round_id}/exports/{kind}.xlsx")
    async def export_(round_id: str, kind: str, request: Request) -> Response:
        await chair(request, round_id)
        if kind not in EXPORTS:
            raise HTTPException(
                404, detail={"message_zh": "没有这种导出表", "message_en": f"exports: {EXPORTS}"}
            )
        try:
            name, data = await export(svc, round_id, kind)
        except RoundError as exc:
            raise fail(exc) from exc
        disposition = f"attachment; filename=\"{kind}.xlsx\"; filename*=UTF-8''{quote(name)}"
        return Response(data, media_type=XLSX, headers={"content-disposition": disposition})

    # -- public: the 公示 and appeals ------------------------------------------------------------

    @router.get("/rounds/{round_id}/notice")
    async def public_notice(round_id: str) -> dict[str, Any]:
        try:
            rnd, campaign, _, level = await context(svc, round_id)
        except RoundError as exc:
            raise fail(exc) from exc
        if rnd["state"] != NOTICE:
            raise fail(RoundError(404, "本轮评审当前没有公示", "the round is not in public notice"))
        docs = {d["_id"]: d async for d in svc.entries.find({"_id": {"$in": rnd["submission_ids"]}})}
        rows = [
            {
                "submission_id": sid,
                "title": docs[sid]["entry"]["title"],
                "unit_name": docs[sid]["attribution"]["unit_name"],
                "author": docs[sid]["attribution"].get("author") if campaign.authors_public else None,
                "outcome": d["outcome"],
                "tier": d["tier"],
            }
            for sid, d in rnd["frozen"]["decisions"].items()
            if d["outcome"] != "not_recommended"
        ]
        return {"round_id": round_id, "level": level.name, **rnd["notice"], "entries": rows}

    @router.post("/rounds/{round_id}/appeals", status_code=201)
    async def appeal_(round_id: str, body: Appeal) -> dict[str, Any]:
        try:
            return await appeal(svc, round_id, body.submission_id, body.reason)
        except RoundError as exc:
            raise fail(exc) from exc

    return router
