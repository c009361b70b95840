"""What a platform receives: the work's public metadata, never personal data.

Without a field mapping a platform gets zhengji's standard body (metadata
limited to the fields the target asks for, and links to the renditions). With
``field_map`` the target declares the platform's own field names (dotted
paths for nesting) for any of ``contracts.campaign.PUBLIC_FIELDS``. Free text
is masked (privacy.py) and author names go out only where the campaign allows.

The renditions go out as links a platform can fetch without a login for
``ZHENGJI_BLOB_LINK_PLATFORM_TTL_S`` (seven days): signed, or presigned by the
object store (``services/common/blob_links.py``); never a file's plain address."""

from collections.abc import Mapping
from typing import Any

from contracts import Rendition, SubmissionReviewed
from contracts.campaign import Campaign, PublicationTarget
from services.common.blob_links import BLOB_ROUTE, PACKAGE_ROUTE, PACKAGE_URI, BlobLinks
from services.publisher.privacy import private_names, public_attribution, public_entry, redact

MediaLinks = Mapping[str, str]  # each rendition's link, by rendition name


def blob_url(base_url: str, rendition: Rendition) -> str:
    """A rendition's path on zhengji's own address, as publication records keep it; readers get
    a link for it from ``BlobLinks.path``."""
    base = base_url.rstrip("/")
    if rendition.blob.uri.startswith(PACKAGE_URI):
        return f"{base}{PACKAGE_ROUTE}{rendition.blob.uri.removeprefix(PACKAGE_URI)}"
    return f"{base}{BLOB_ROUTE}{rendition.blob.sha256}"


async def media_links(links: BlobLinks, event: SubmissionReviewed) -> dict[str, str]:
    """Links a platform fetches the renditions by, valid for the platform TTL."""
    return {r.name: await links.rendition(r.blob, links.platform_ttl_s) for r in event.renditions}


def chosen_rendition(target: PublicationTarget, event: SubmissionReviewed) -> Rendition | None:
    return next((r for r in event.renditions if r.name == target.rendition), None)


def public_values(
    campaign: Campaign, target: PublicationTarget, event: SubmissionReviewed, media: MediaLinks
) -> dict[str, Any]:
    """Every value a target may ask for (``contracts.campaign.PUBLIC_FIELDS`` and the entry's public
    form fields, ``EntryInfo.details``), made safe to publish."""
    names = private_names(campaign, event.attribution)
    entry = public_entry(event.entry, names)
    attribution = public_attribution(campaign, event.attribution)
    chosen = chosen_rendition(target, event)
    # The form's public fields (Hunan's 资源制作方, 版权方, 格式, 备注), masked like every free text;
    # zhengji's own values come after them and win a clash of names.
    details = {k: redact(v, names) for k, v in entry.details.items()}
    return {
        **details,
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
        "media_url": media.get(chosen.name) if chosen else None,
        "poster_url": media.get("poster"),
        "media_sha256": chosen.blob.sha256 if chosen else None,
    }


def public_payload(
    campaign: Campaign, target: PublicationTarget, event: SubmissionReviewed, media: MediaLinks
) -> dict[str, Any]:
    values = public_values(campaign, target, event, media)
    if target.field_map:
        body: dict[str, Any] = {}
        for source, path in target.field_map.items():
            _put(body, path, values.get(source))
        return body
    return {
        "campaign_id": campaign.id,
        "campaign_title": campaign.title,
        "submission_id": event.submission_id,
        # Identifiers and links sit outside metadata, a personal field never goes (a stored campaign
        # may predate the check on target fields), and a form field the entry left empty is null.
        "metadata": {k: values.get(k) for k in target.fields if k in campaign.publishable_fields()},
        "media": {r.name: media[r.name] for r in event.renditions if r.name in media},
    }


def _put(body: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = body
    for name in parents:
        node = node.setdefault(name, {})
    node[leaf] = value
