"""What a 公示 shows the public, for the JSON route and the public page alike.

A round is public while its notice runs and stays public as a record once it is finalised after
one; an upheld appeal withdraws the notice (the round goes back to scoring), so nothing is shown
until the chair starts a new one. A row is what a printed 公示 lists: the work's title, its unit
and its result, and the author only where the campaign makes authors public (``authors_public``;
False where entrants are minors). No account, contact, score or reviewer is ever part of it."""

from typing import TYPE_CHECKING, Any

from contracts.campaign import Campaign
from services.common.errors import ServiceError
from services.review.pooling import pool_labels
from services.review.round_store import entries_by_id
from services.review.rounds import FINAL, NOTICE, context

if TYPE_CHECKING:
    from services.review.app import ReviewService


def is_public(rnd: dict[str, Any]) -> bool:
    return rnd["state"] == NOTICE or (rnd["state"] == FINAL and bool(rnd.get("notice")))


async def public_notice(svc: "ReviewService", round_id: str) -> tuple[dict[str, Any], Campaign]:
    """The notice of the round (404 when it has none to show), and the campaign it belongs to."""
    rnd, campaign, _, level = await context(svc, round_id)
    if not is_public(rnd):
        raise ServiceError(404, "本轮评审当前没有公示", "the round is not in public notice")
    decisions = rnd["frozen"]["decisions"]
    docs = await entries_by_id(svc.entries, rnd["campaign_id"], list(decisions))
    labels = pool_labels([d["pool"] for d in decisions.values()], docs.values())
    shown = sorted(
        ((sid, d) for sid, d in decisions.items() if d["outcome"] != "not_recommended"),
        key=lambda item: (item[1]["pool"], item[1]["rank"], item[0]),
    )
    rows = [
        {
            "submission_id": sid,
            "title": docs[sid]["entry"]["title"],
            "unit_name": docs[sid]["attribution"]["unit_name"],
            "author": docs[sid]["attribution"].get("author") if campaign.authors_public else None,
            "group": labels.get(d["pool"], d["pool"]),
            "outcome": d["outcome"],
            "tier": d["tier"],
        }
        for sid, d in shown
    ]
    view = {
        "round_id": round_id,
        "campaign_id": rnd["campaign_id"],
        "campaign_title": campaign.title,
        "level": level.name,
        "state": rnd["state"],
        **rnd["notice"],
        "entries": rows,
    }
    return view, campaign
