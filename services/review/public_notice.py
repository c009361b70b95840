"""What a 公示 shows the public, for the JSON route and the public page alike.

A round is public while its notice runs and stays public as a record once it is finalised after
one; an upheld appeal withdraws the notice (the round goes back to scoring), so nothing is shown
until the chair starts a new one. A row is what a printed 公示 lists: the work's title, its unit
and its result, and the author only where the campaign makes authors public (``authors_public``;
False where entrants are minors). No account, contact, score or reviewer is ever part of it.

The notice answers a page of its rows at a time (``paging.py``): the round's decisions are in its
own document, and only the page's entries (and one entry per pool on it, which names the pool's
units) are read, so a province's notice of thousands of awards costs what a page costs."""

from typing import TYPE_CHECKING, Any

from contracts.campaign import Campaign
from services.common.errors import ServiceError
from services.review.paging import Page
from services.review.pooling import pool_labels
from services.review.round_store import entries_by_id
from services.review.rounds import FINAL, NOTICE, context

if TYPE_CHECKING:
    from services.review.app import ReviewService


def is_public(rnd: dict[str, Any]) -> bool:
    return rnd["state"] == NOTICE or (rnd["state"] == FINAL and bool(rnd.get("notice")))


async def public_notice(svc: "ReviewService", round_id: str, page: Page) -> tuple[dict[str, Any], Campaign]:
    """A page of the round's notice (404 when it has none to show), and the campaign it belongs to."""
    rnd, campaign, _, level = await context(svc, round_id)
    if not is_public(rnd):
        raise ServiceError(404, "本轮评审当前没有公示", "the round is not in public notice")
    decisions = rnd["frozen"]["decisions"]
    shown = sorted(
        ((sid, d) for sid, d in decisions.items() if d["outcome"] != "not_recommended"),
        key=lambda item: (item[1]["pool"], item[1]["rank"], item[0]),
    )
    on_page = page.of(shown)
    first_of_pool = {d["pool"]: sid for sid, d in reversed(decisions.items())}  # names each pool's units
    namers = {first_of_pool[d["pool"]] for _, d in on_page}
    docs = await entries_by_id(svc.entries, rnd["campaign_id"], {*(sid for sid, _ in on_page), *namers})
    labels = pool_labels([d["pool"] for _, d in on_page], [docs[sid] for sid in namers])
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
        for sid, d in on_page
    ]
    view = {
        "round_id": round_id,
        "campaign_id": rnd["campaign_id"],
        "campaign_title": campaign.title,
        "level": level.name,
        "state": rnd["state"],
        **rnd["notice"],
        "entries": rows,
        "total": len(shown),
        "offset": page.offset,
        "next_offset": page.next_offset(len(shown)),
    }
    return view, campaign
