"""Telling a round's chairs what they act on: one ``round.noticed`` through the outbox when the
round's last score is in (``scored``: the proposal can be made) and when an appeal is filed during
its 公示 (``appealed``: to be resolved before finalising).

The event names the chairs the way they are known (``round_chairs.py``): the level's 组长 by
reviewer id (one imported with a 评审范围 only for that unit's round), and the round's unit path,
whose admins chair a unit's round; the notifier tells campaign admins of a campaign-wide round.
Written after the sheet or appeal is stored, as the reviewers' shares are
(``assignment_notices.py``): a crash in between loses the message, never the score or appeal.
A round that becomes complete again (a sheet back to draft, then complete) says so again; the
notifier tells each chair once per round."""

from typing import TYPE_CHECKING, Any, Literal

from contracts import RoundNoticed
from contracts.campaign import Campaign
from services.review.opening import level_of
from services.review.tables import missing_scores, round_matrix

if TYPE_CHECKING:
    from services.review.app import ReviewService


async def chairs_of(svc: "ReviewService", rnd: dict[str, Any]) -> list[str]:
    """The reviewer ids of the 组长 who may chair the round (as ``token_may_chair`` decides), but
    not one whose token was revoked: they no longer chair anything until an admin reissues it."""
    query = {"campaign_id": rnd["campaign_id"], "level": rnd["level"], "role": "chair"}
    unit = rnd.get("unit")
    found = [
        str(d["_id"])
        async for d in svc.experts.find(query, {"_id": 1, "scope": 1, "token_revoked_at": 1})
        if not (d.get("scope") and unit and d["scope"] != unit) and not d.get("token_revoked_at")
    ]
    return sorted(found)


async def tell_chairs(
    svc: "ReviewService",
    campaign: Campaign,
    rnd: dict[str, Any],
    kind: Literal["scored", "appealed"],
    appeal_id: str | None = None,
    title: str | None = None,
) -> None:
    _, level = level_of(campaign, rnd["level"])
    event = RoundNoticed(
        campaign_id=campaign.id,
        producer=svc.name,
        round_id=str(rnd["_id"]),
        kind=kind,
        level=level.key,
        level_name=level.name,
        unit_path=list(rnd.get("unit_path") or []),
        chairs=await chairs_of(svc, rnd),
        entries=len(rnd["submission_ids"]),
        appeal_id=appeal_id,
        title=title,
    )
    await svc.outbox.add([event], None)


async def when_last_score_is_in(svc: "ReviewService", campaign: Campaign, rnd: dict[str, Any]) -> bool:
    """After a reviewer's last sheet of the round became complete (so once per reviewer, not per
    sheet): tell its chairs if it was the last score owed. A count of complete sheets first (one
    indexed query), the full check only once it adds up."""
    _, level = level_of(campaign, rnd["level"])
    k = level.reviewers_per_entry
    complete = await svc.scores.count_documents({"round_id": rnd["_id"], "status": "complete"})
    if not rnd["submission_ids"] or complete < len(rnd["submission_ids"]) * k:
        return False
    lists, matrix = await round_matrix(svc, rnd)
    if missing_scores(rnd, lists, matrix, k):
        return False
    await tell_chairs(svc, campaign, rnd, "scored")
    return True
