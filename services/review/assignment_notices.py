"""Telling reviewers their share of a round: one ``review.assigned`` per reviewer, through the
outbox, whenever a round's staffing is made or changed (automatic assignment, a chair's swap).

The event carries the reviewer's id and count, never their name or contact details: the notifier
reaches a reviewer only at the addresses they gave it themselves on the reviewer pages. Written
after the assignment is stored, not in its transaction (assignment is not one): a crash between
the two loses the notice, never the assignment, and the reviewer's list shows it either way."""

from collections import Counter
from collections.abc import Collection
from typing import TYPE_CHECKING

from contracts import ReviewerAssigned
from contracts.campaign import Campaign
from services.review.opening import level_of

if TYPE_CHECKING:
    from services.review.app import ReviewService


async def announce(
    svc: "ReviewService", campaign: Campaign, round_id: str, reviewers: Collection[str] | None = None
) -> int:
    """A ``review.assigned`` for every reviewer of the round (or only ``reviewers``, with their
    count now, 0 for one taken off every entry); how many were written."""
    rnd = await svc.rounds.find_one({"_id": round_id}, {"level": 1})
    if rnd is None:
        return 0
    _, level = level_of(campaign, rnd["level"])
    counts = Counter(r for names in (await svc.lists.of_round(round_id)).values() for r in names)
    events = [
        ReviewerAssigned(
            campaign_id=campaign.id,
            producer=svc.name,
            reviewer_id=reviewer,
            round_id=round_id,
            level=level.key,
            level_name=level.name,
            entries=counts[reviewer],
            window_ends=level.window.ends if level.window else None,
        )
        for reviewer in sorted(counts if reviewers is None else set(reviewers) - {""})
    ]
    await svc.outbox.add(events, None)
    return len(events)
