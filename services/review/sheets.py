"""What a reviewer does: list their assignments, open one (blind), save the score sheet, declare a
conflict. Only an assigned reviewer who is not in conflict with the entry may see or score it; the
refusal never says why a conflict exists, since that would tell the reviewer whose work it is.

Saving is idempotent (PUT): the same sheet twice stores and logs one change. A partial sheet is a
draft; a complete one counts, and may be changed while the round is open."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import ReviewerAssigned
from contracts.campaign import Campaign
from services.common.errors import ServiceError
from services.common.store import in_transaction
from services.review.access import Identity
from services.review.assignment import conflict_reason
from services.review.assignment_notices import announce
from services.review.blind import blind_entry, player_links
from services.review.chair_notices import when_last_score_is_in
from services.review.eligibility import assignment_settings, declared, placement, to_review, to_reviewer
from services.review.entry_materials import whole_entry
from services.review.paging import Page
from services.review.round_store import OPEN, entries_by_id
from services.review.rounds import context, require_open
from services.review.rubric import ScoreSheetError
from services.review.scoring import Sheet, campaign_rubric, holistic, read_sheet, rubric_view
from services.review.scoring_window import refuse_outside_window

if TYPE_CHECKING:
    from services.review.app import ReviewService

MAX_COMMENT = 2000


def sheet_id(round_id: str, submission_id: str, reviewer_id: str) -> str:
    return f"{round_id}|{submission_id}|{reviewer_id}"


async def allowed_entry(
    svc: "ReviewService", who: Identity, round_id: str, submission_id: str
) -> tuple[dict[str, Any], Any, dict[str, Any]]:
    rnd, campaign, _, level = await context(svc, round_id)
    if (who.campaign_id, who.level) != (rnd["campaign_id"], rnd["level"]):
        raise ServiceError(403, "您不是本级评审专家", "you are not a reviewer of this level")
    if submission_id not in rnd["pools"]:
        raise ServiceError(404, "该作品不在本轮评审中", "the entry is not in this round")
    doc = await svc.entries.find_one({"_id": submission_id})
    expert = await svc.experts.find_one({"_id": who.reviewer_id})
    assert doc is not None and expert is not None
    entry = to_review(level, placement(doc))
    reviewer = to_reviewer(expert, {entry.pool})
    if conflict_reason(reviewer, entry, declared([expert]), assignment_settings(campaign, level)) is not None:
        raise ServiceError(
            403, "您与该作品存在回避关系，不能查看或评分", "you are in conflict with this entry"
        )
    if who.reviewer_id not in (await svc.lists.of_entry(round_id, submission_id) or []):
        raise ServiceError(403, "该作品未分配给您评审", "this entry is not assigned to you")
    return rnd, campaign, doc


async def open_entry(
    svc: "ReviewService", who: Identity, round_id: str, submission_id: str
) -> dict[str, Any]:
    rnd, campaign, doc = await allowed_entry(svc, who, round_id, submission_id)
    mine = await svc.scores.find_one({"_id": sheet_id(round_id, submission_id, who.reviewer_id)}, {"_id": 0})
    return {
        "round_id": round_id,
        "level": rnd["level"],
        "state": rnd["state"],
        "entry": blind_entry(
            doc, _slate_s(campaign, doc), await _media(svc, rnd, doc), whole_entry(campaign, doc, round_id)
        ),
        "rubric": rubric_view(campaign_rubric(campaign)),
        "sheet": _sheet_answer(mine),
    }


def _sheet_answer(doc: dict[str, Any] | None) -> dict[str, Any]:
    if doc is None:
        return {"status": "empty", "values": {}, "total": None, "comment": ""}
    return {k: doc.get(k) for k in ("status", "values", "total", "comment", "saved_at")}


def sheet_document(
    round_id: str, submission_id: str, reviewer_id: str, sheet: Sheet, comment: str
) -> dict[str, Any]:
    """A score sheet as stored, ``sheet_id`` its key (``bench_review_scale`` seeds with it too)."""
    return {
        "round_id": round_id,
        "submission_id": submission_id,
        "reviewer_id": reviewer_id,
        "values": sheet.values,
        "total": str(sheet.total) if sheet.total is not None else None,
        "status": "complete" if sheet.complete else "draft",
        "comment": comment,
        "saved_at": datetime.now(UTC),
    }


async def save_sheet(
    svc: "ReviewService", who: Identity, round_id: str, submission_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    rnd, campaign, _ = await allowed_entry(svc, who, round_id, submission_id)
    require_open(rnd)
    refuse_outside_window(campaign, rnd)
    rubric = campaign_rubric(campaign)
    comment = str(body.get("comment") or "")
    try:
        raw = body.get("sheet")
        if raw is None and body.get("score") is not None:
            raw = holistic(rubric, body["score"])
        if not isinstance(raw, dict):
            raise ScoreSheetError([("请填写评分表", "send a score sheet")])
        sheet = read_sheet(rubric, raw)
    except ScoreSheetError as exc:
        raise ServiceError(
            422, f"评分无效：{exc.zh}", f"invalid score: {exc.en}", problems=exc.problems
        ) from exc
    if len(comment) > MAX_COMMENT:
        raise ServiceError(
            422, f"评语不能超过{MAX_COMMENT}字", f"the comment exceeds {MAX_COMMENT} characters"
        )
    key = sheet_id(round_id, submission_id, who.reviewer_id)
    doc = sheet_document(round_id, submission_id, who.reviewer_id, sheet, comment)
    status, total = doc["status"], doc["total"]
    stored = await svc.scores.find_one({"_id": key})
    if stored and (stored["values"], stored["comment"], stored["status"]) == (sheet.values, comment, status):
        return _sheet_answer(stored)
    was = stored["status"] if stored else None

    async def store(session: AsyncClientSession) -> ReviewerAssigned:
        await svc.scores.replace_one({"_id": key}, doc, upsert=True, session=session)
        (share,) = await announce(svc, campaign, rnd, [who.reviewer_id], "progress", session)
        return share

    if was == status or "complete" not in (was, status):  # a draft saved again: no count changes
        await svc.scores.replace_one({"_id": key}, doc, upsert=True)
    else:  # the reviewer's scored count changed: their share goes out with the sheet, or neither
        share = await in_transaction(svc.deps.client, store)
        if status == "complete" and share.scored == share.entries:  # their last: the round's too?
            await when_last_score_is_in(svc, campaign, rnd)
    await svc.audit.record(
        who.who, "score.saved", campaign_id=rnd["campaign_id"], round_id=round_id,
        submission_id=submission_id, status=status, total=total, values=sheet.values,
        late=bool(rnd.get("late_scoring")),
    )  # fmt: skip
    return _sheet_answer(doc)


async def my_assignments(svc: "ReviewService", who: Identity, page: Page) -> list[dict[str, Any]]:
    """A page of the reviewer's entries: round by round of their level (a unit's rounds, decision
    0031, or the campaign's), in each round's order."""
    rounds = svc.rounds.find(
        {"campaign_id": who.campaign_id, "level": who.level}, {"frozen": 0, "choices": 0, "pools": 0}
    ).sort([("opened_at", 1), ("_id", 1)])
    level_rounds = [rnd async for rnd in rounds]
    assigned = await svc.lists.of_reviewer_in([r["_id"] for r in level_rounds], who.reviewer_id)
    pairs = [
        (rnd, sid)
        for rnd in level_rounds
        for sid in rnd["submission_ids"]
        if sid in assigned.get(rnd["_id"], ())
    ]
    mine = page.of(pairs)
    if not mine:
        return []
    campaign = await svc.campaign(who.campaign_id)
    sids = [sid for _, sid in mine]
    sheets = {
        (d["round_id"], d["submission_id"]): d
        async for d in svc.scores.find(
            {
                "round_id": {"$in": sorted({r["_id"] for r, _ in mine})},
                "reviewer_id": who.reviewer_id,
                "submission_id": {"$in": sids},
            }
        )
    }
    docs = await entries_by_id(svc.entries, who.campaign_id, sids)
    return [
        {
            "round_id": rnd["_id"],
            "state": rnd["state"],
            "entry": blind_entry(
                doc,
                _slate_s(campaign, doc),
                await _media(svc, rnd, doc),
                whole_entry(campaign, doc, rnd["_id"]),
            ),
            "sheet": _sheet_answer(sheets.get((rnd["_id"], sid))),
        }
        for rnd, sid in mine
        for doc in [docs[sid]]
    ]


async def _media(svc: "ReviewService", rnd: dict[str, Any], doc: dict[str, Any]) -> dict[str, str]:
    """The player's links, while the round is open: a finalised round's reviewers see no media."""
    if rnd["state"] != OPEN:
        return {}
    return await player_links(svc.links, doc)


def _slate_s(campaign: Campaign, doc: dict[str, Any]) -> float | None:
    """How long the entry's intro slate (which names the entrant) may be: the player skips it."""
    spec = campaign.video_spec(doc["entry"].get("series"))
    return spec.intro_slate_max_s if spec else None


async def declare_conflict(
    svc: "ReviewService", who: Identity, round_id: str, submission_id: str, reason: str
) -> None:
    """The reviewer steps aside: the entry leaves their list and the chair sees a gap to fill."""
    rnd, _, _ = await allowed_entry(svc, who, round_id, submission_id)
    require_open(rnd)
    await svc.experts.update_one({"_id": who.reviewer_id}, {"$addToSet": {"declared": submission_id}})
    await svc.lists.remove(round_id, submission_id, who.reviewer_id)
    await svc.audit.record(
        who.who, "conflict.declared", campaign_id=rnd["campaign_id"], round_id=round_id,
        submission_id=submission_id, reason=reason[:500],
    )  # fmt: skip
