"""The public showcase page of a campaign: its published works, filterable, Chinese first.

A work is shown once it is published on at least one platform and until it
is retracted. The player streams the HLS ladder (natively in Safari, with the
vendored hls.js elsewhere, ``static/vendor/hls.js``) and falls back to the
faststart MP4 master where neither can play it. Its media links are made per page view
(``blob_links``): the CDN base for published renditions when one is set, else signed links
that expire (docs/decisions/0015-blob-links.md)."""

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel

from contracts.campaign import Campaign
from services.common.errors import ServiceError, responses
from services.common.links import web_link
from services.common.web import campaign_of, page_responses, service
from services.publisher.app import PublisherService
from services.publisher.publications import PUBLISHED

HERE = Path(__file__).parent
STATIC = {
    "showcase.css": "text/css",
    "showcase.js": "text/javascript",
    "hls.light.min.js": "text/javascript",
}
STATIC_PATHS = {"hls.light.min.js": "vendor/hls.js/hls.light.min.js"}
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def showcase_works(publications: list[dict[str, Any]], targets: Sequence[str] = ()) -> list[dict[str, Any]]:
    """One card per work, however many platforms it is on; awarded first, then by title.
    ``renditions`` of each publication are links already (``BlobLinks.path``)."""
    works: dict[str, dict[str, Any]] = {}
    for pub in publications:
        work = works.get(pub["submission_id"])
        if work is None:
            renditions = pub.get("renditions", {})
            entry, attribution = pub["entry"], pub["attribution"]
            work = works[pub["submission_id"]] = {
                "submission_id": pub["submission_id"],
                "title": entry["title"],
                "summary": entry.get("summary"),
                "group": entry.get("group"),
                "category": entry.get("category"),
                "unit_name": attribution["unit_name"],
                "author": attribution.get("author"),
                "award_tier": pub.get("award_tier"),
                "poster_url": renditions.get("poster"),
                "hls_url": renditions.get("hls"),
                **_media(renditions, pub.get("master_type")),
                "platforms": [],
            }
        work["platforms"].append(
            {
                "target": pub["target"],
                "name": pub.get("target_name") or pub["target"],
                "url": web_link(pub.get("url")),
            }
        )
    for work in works.values():  # in the campaign's order of targets
        work["platforms"].sort(
            key=lambda p: targets.index(p["target"]) if p["target"] in targets else len(targets)
        )
    return sorted(works.values(), key=lambda w: (w["award_tier"] is None, w["award_tier"] or "", w["title"]))


def _media(renditions: dict[str, str], master_type: str | None) -> dict[str, str | None]:
    """How the card shows the work: a video or audio player, the picture, or a link to the file."""
    master = renditions.get("master")
    kind = (master_type or "video/").split("/")[0]  # publications from before types were kept: videos
    return {
        "video_url": master if kind == "video" else None,
        "audio_url": master if kind == "audio" else None,
        "image_url": master if kind == "image" else None,
        "file_url": master if kind not in ("video", "audio", "image") else None,
    }


def filtered(
    works: list[dict[str, Any]], group: str | None, category: str | None, award: str | None
) -> list[dict[str, Any]]:
    return [
        w
        for w in works
        if (not group or w["group"] == group)
        and (not category or w["category"] == category)
        and (not award or w["award_tier"] == award)
    ]


def award_names(campaign: Campaign, works: list[dict[str, Any]]) -> list[str]:
    """The campaign's tiers in its own order, then any other tier a published work carries."""
    names = [tier.name for level in campaign.review_levels for tier in level.outcome.tiers]
    names += sorted({w["award_tier"] for w in works if w["award_tier"]} - set(names))
    return list(dict.fromkeys(names))


class Platform(BaseModel):
    target: str
    name: str
    url: str | None


class ShowcaseWork(BaseModel):
    submission_id: str
    title: str
    summary: str | None
    group: str | None
    category: str | None
    unit_name: str
    author: str | None
    award_tier: str | None
    poster_url: str | None
    hls_url: str | None
    video_url: str | None
    audio_url: str | None
    image_url: str | None
    file_url: str | None
    platforms: list[Platform]


async def published(
    svc: Annotated[PublisherService, Depends(service(PublisherService))], campaign_id: str
) -> tuple[Campaign, list[dict[str, Any]]]:
    """The campaign and its published works, in the order of its awards."""
    campaign = await campaign_of(svc, campaign_id)
    cursor = svc.publications.find({"campaign_id": campaign_id, "status": PUBLISHED}).sort("published_at", 1)
    keys = [t.key for t in campaign.publication_targets]
    links = svc.links
    publications = [
        {
            **p,
            "renditions": {
                n: await links.path(path, public=True) for n, path in p.get("renditions", {}).items()
            },
        }
        async for p in cursor
    ]
    works = showcase_works(publications, keys)
    order = {name: i for i, name in enumerate(award_names(campaign, works))}
    return campaign, sorted(works, key=lambda w: (order.get(w["award_tier"], len(order)), w["title"]))


Published = Annotated[tuple[Campaign, list[dict[str, Any]]], Depends(published)]
router = APIRouter(tags=["showcase"])


@router.get(
    "/api/publisher/campaigns/{campaign_id}/showcase",
    response_model=list[ShowcaseWork],
    responses=responses(404),
)
async def showcase_json(
    shown: Published, group: str | None = None, category: str | None = None, award: str | None = None
) -> list[dict[str, Any]]:
    return filtered(shown[1], group, category, award)


@router.get("/showcase/{campaign_id}", response_class=HTMLResponse, responses=page_responses(404))
async def showcase(
    shown: Published, group: str | None = None, category: str | None = None, award: str | None = None
) -> HTMLResponse:
    campaign, works = shown
    html = templates.get_template("showcase.html").render(
        campaign=campaign,
        works=filtered(works, group or None, category or None, award or None),
        total=len(works),
        groups=campaign.groups,
        categories=[c.name for c in campaign.categories],
        awards=award_names(campaign, works),
        chosen={"group": group or "", "category": category or "", "award": award or ""},
    )
    return HTMLResponse(html)


@router.get(
    "/showcase/static/{name}",
    response_class=FileResponse,
    responses={
        200: {"content": {t: {"schema": {"type": "string"}} for t in sorted(set(STATIC.values()))}},
        **responses(404),
    },
)
async def static(name: str) -> FileResponse:
    if name not in STATIC:
        raise ServiceError(404, "文件不存在", "no such file")
    return FileResponse(HERE / "static" / STATIC_PATHS.get(name, name), media_type=STATIC[name])
