"""Telling reviewers their share of a round: one ``review.assigned`` per reviewer, through the
outbox, whenever a round's staffing is made or changed (automatic assignment, a chair's swap),
and again, as ``progress`` that nobody is told of, when a reviewer's scored count or the round's
window changes, so the notifier reminds only those with entries still to score.

The event carries the reviewer's id and counts, never their name or contact details: the notifier
reaches a reviewer only at the addresses they gave it themselves on the reviewer pages. A staffing
notice is written after the assignment is stored, not in its transaction: a crash between the two
loses the notice, never the assignment, and the reviewer's list shows it either way. A progress
notice is written in the sheet's own transaction (``session``): the notifier's count of entries
left to score must not fall behind the sheets, or it would remind a reviewer who has finished."""

from collections import Counter
from collections.abc import Collection
from typing import TYPE_CHECKING, Any, Literal

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import ReviewerAssigned
from contracts.campaign import Campaign
from services.review.opening import level_of

if TYPE_CHECKING:
    from services.review.app import ReviewService


async def announce(
    svc: "ReviewService",
    campaign: Campaign,
    rnd: dict[str, Any],
    reviewers: Collection[str] | None = None,
    change: Literal["staffing", "progress"] = "staffing",
    session: AsyncClientSession | None = None,
) -> list[ReviewerAssigned]:
    """A ``review.assigned`` for every reviewer of the round (or only ``reviewers``, with their
    counts now, 0 for one taken off every entry); the events written."""
    round_id = str(rnd["_id"])
    shares: dict[str, set[str]] = {}
    if reviewers is None:
        for sid, names in (await svc.lists.of_round(round_id)).items():
            for reviewer in names:
                shares.setdefault(reviewer, set()).add(sid)
    else:
        named = [r for r in reviewers if r]  # a chair filling a gap swaps in for nobody ("")
        shares = {r: (await svc.lists.of_reviewer_in([round_id], r)).get(round_id, set()) for r in named}
    scored = await _scored(svc, round_id, shares, session)
    _, level = level_of(campaign, rnd["level"])
    ends = None if rnd.get("late_scoring") or not level.window else level.window.ends
    events = [
        ReviewerAssigned(
            campaign_id=campaign.id,
            producer=svc.name,
            reviewer_id=reviewer,
            round_id=round_id,
            level=level.key,
            level_name=level.name,
            entries=len(entries),
            window_ends=ends,
            scored=scored[reviewer],
            change=change,
        )
        for reviewer, entries in sorted(shares.items())
    ]
    await svc.outbox.add(events, session)
    return events


async def _scored(
    svc: "ReviewService", round_id: str, shares: dict[str, set[str]], session: AsyncClientSession | None
) -> Counter[str]:
    """Per reviewer, their entries with a complete sheet (a sheet of an entry since taken off
    them does not count)."""
    done: Counter[str] = Counter()
    query = {"round_id": round_id, "status": "complete", "reviewer_id": {"$in": list(shares)}}
    async for sheet in svc.scores.find(query, {"submission_id": 1, "reviewer_id": 1}, session=session):
        if sheet["submission_id"] in shares.get(sheet["reviewer_id"], ()):
            done[sheet["reviewer_id"]] += 1
    return done
