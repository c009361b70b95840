"""Which of a campaign's targets a review outcome qualifies for, when, and on which platform."""

from datetime import datetime
from urllib.parse import urlsplit

from contracts import SubmissionReviewed
from contracts.calendar import publishable_from
from contracts.campaign import Campaign, PublicationTarget


def qualifying_targets(campaign: Campaign, event: SubmissionReviewed) -> list[PublicationTarget]:
    last_level = campaign.review_levels[-1].key if campaign.review_levels else None
    # A level may both award and recommend upward (Hunan's city level): a tier counts as awarded.
    outcomes = {event.outcome} | ({"awarded"} if event.award_tier is not None else set())
    return [
        t
        for t in campaign.publication_targets
        if outcomes & set(t.qualifies) and event.level == (t.level or last_level)
    ]


def not_before(campaign: Campaign, target: PublicationTarget) -> datetime | None:
    """When the target may receive works: the start of the later of its ``publish_at`` and the
    campaign's ``showcase_from``, in the campaign's calendar, or None (at once)."""
    return publishable_from(campaign, target)


def platform_of(url: str | None) -> str:
    """The circuit breaker's unit: every target at one scheme, host and port is one platform."""
    if not url:
        return "(none)"
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def target_of(campaign: Campaign, key: str) -> PublicationTarget | None:
    return next((t for t in campaign.publication_targets if t.key == key), None)
