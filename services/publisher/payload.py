"""What a platform receives: the work's public metadata, never personal data.

Without a field mapping a platform gets zhengji's standard body (metadata
limited to the fields the target asks for, and links to the renditions). With
``field_map`` the target declares the platform's own field names (dotted
paths for nesting) for any of ``contracts.campaign.PUBLIC_FIELDS``. Free text
is masked (privacy.py) and author names go out only where the campaign allows."""

from typing import Any

from contracts import Rendition, SubmissionReviewed
from contracts.campaign import PUBLIC_METADATA, Campaign, PublicationTarget
from services.publisher.privacy import private_names, public_attribution, public_entry

PACKAGE_URI = "blob://package/"  # a file inside an HLS package (services/transcoder/packages.py)


def blob_url(base_url: str, rendition: Rendition) -> str:
    base = base_url.rstrip("/")
    if rendition.blob.uri.startswith(PACKAGE_URI):
        return f"{base}/api/transcoder/packages/{rendition.blob.uri.removeprefix(PACKAGE_URI)}"
    return f"{base}/blobs/{rendition.blob.sha256}"


def chosen_rendition(target: PublicationTarget, event: SubmissionReviewed) -> Rendition | None:
    return next((r for r in event.renditions if r.name == target.rendition), None)


def public_values(
    campaign: Campaign, target: PublicationTarget, event: SubmissionReviewed, base_url: str
) -> dict[str, Any]:
    """Every value a target may ask for (``contracts.campaign.PUBLIC_FIELDS``), made safe to publish."""
    entry = public_entry(event.entry, private_names(campaign, event.attribution))
    attribution = public_attribution(campaign, event.attribution)
    media = chosen_rendition(target, event)
    poster = next((r for r in event.renditions if r.name == "poster"), None)
    return {
        "title": entry.title,
        "summary": entry.summary,
        "group": entry.group,
        "category": entry.category,
        "subcolumn": entry.subcolumn,
        "unit_name": attribution.unit_name,
        "author": attribution.author,
        "award_tier": event.award_tier,
        "level": event.level,
        "submission_id": event.submission_id,
        "campaign_id": campaign.id,
        "campaign_title": campaign.title,
        "media_url": blob_url(base_url, media) if media else None,
        "poster_url": blob_url(base_url, poster) if poster else None,
        "media_sha256": media.blob.sha256 if media else None,
    }


def public_payload(
    campaign: Campaign, target: PublicationTarget, event: SubmissionReviewed, base_url: str
) -> dict[str, Any]:
    values = public_values(campaign, target, event, base_url)
    if target.field_map:
        body: dict[str, Any] = {}
        for source, path in target.field_map.items():
            _put(body, path, values.get(source))
        return body
    return {
        "campaign_id": campaign.id,
        "campaign_title": campaign.title,
        "submission_id": event.submission_id,
        "metadata": {k: values[k] for k in target.fields if k in PUBLIC_METADATA},
        "media": {r.name: blob_url(base_url, r) for r in event.renditions},
    }


def _put(body: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = body
    for name in parents:
        node = node.setdefault(name, {})
    node[leaf] = value
