"""What a platform receives: the work's public metadata, never personal data.

Only fields the target asks for, from the event's public parts; phones and ID
numbers never reach the publisher at all, and author names only where the
campaign makes them public."""

from typing import Any

from contracts import SubmissionReviewed
from contracts.campaign import Campaign, PublicationTarget


def public_payload(
    campaign: Campaign, target: PublicationTarget, event: SubmissionReviewed, base_url: str
) -> dict[str, Any]:
    available: dict[str, Any] = {
        "title": event.entry.title,
        "summary": event.entry.summary,
        "group": event.entry.group,
        "category": event.entry.category,
        "subcolumn": event.entry.subcolumn,
        "unit_name": event.attribution.unit_name,
        "author": event.attribution.author if campaign.authors_public else None,
        "award_tier": event.award_tier,
        "level": event.level,
    }
    media = {r.name: f"{base_url}/blobs/{r.blob.sha256}" for r in event.renditions}
    return {
        "campaign_id": campaign.id,
        "campaign_title": campaign.title,
        "submission_id": event.submission_id,
        "metadata": {k: available.get(k) for k in target.fields if k in available},
        "media": media,
    }
