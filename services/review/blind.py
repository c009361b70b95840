"""What a reviewer may see of an entry: its public work facts, never who made it.

Built field by field from an allow-list (never by removing fields from the stored document), so a
field added later cannot leak by default. Title and summary are free text that an entrant may have
signed; any attribution value found in them (unit name, unit codes, author) is masked. The
media are reached by expiring links (``player_links``), never by a file's plain address."""

from collections.abc import Mapping
from typing import Any

from contracts import BlobRef
from services.common.blob_links import BlobLinks

MASK = "＊＊＊"
PREVIEW = "master"  # the faststart MP4 master plays in any browser; HLS needs a player
POSTER = "poster"


def attribution_values(doc: Mapping[str, Any]) -> list[str]:
    attribution = doc.get("attribution") or {}
    names = [attribution.get("unit_name"), attribution.get("author")]
    found = [v for v in names if isinstance(v, str) and len(v) >= 2]
    code = attribution.get("unit_code")
    if isinstance(code, str) and len(code) >= 6:  # short codes (22, 2224) would mangle years and numbers
        found.append(code)
    # Longest first, so a school name is masked whole before a shorter value inside it.
    return sorted(set(found), key=len, reverse=True)


def masked(text: str | None, secrets: list[str]) -> str | None:
    if text is None:
        return None
    for value in secrets:
        text = text.replace(value, MASK)
    return text


async def player_links(links: BlobLinks, doc: Mapping[str, Any]) -> dict[str, str]:
    """Links the reviewer's player fetches the preview and poster by: made only after the
    reviewer was found assigned to the entry, and expiring (``ZHENGJI_BLOB_LINK_TTL_S``)."""
    found = {}
    for rendition in doc.get("renditions") or ():
        if rendition.get("name") in (PREVIEW, POSTER):
            found[rendition["name"]] = await links.rendition(BlobRef.model_validate(rendition["blob"]))
    return found


def blind_entry(
    doc: Mapping[str, Any],
    slate_s: float | None = None,
    media: Mapping[str, str] | None = None,
    whole: Mapping[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The entry as a reviewer sees it. ``slate_s``: where the player starts, past the intro slate
    that shows title, name and school (Yanbian: <= 5 s); the reviewer can still seek back.
    ``media``: the player's links (``player_links``); without them the entry shows no media.
    ``whole``: its other files and form fields, made blind by ``entry_materials.whole_entry``."""
    entry = doc.get("entry") or {}
    secrets = attribution_values(doc)
    media = media or {}
    preview = media.get(PREVIEW)
    if preview and slate_s:
        preview += f"#t={slate_s:g}"
    return {
        "submission_id": doc["_id"],
        "title": masked(entry.get("title"), secrets),
        "group": entry.get("group"),
        "category": entry.get("category"),
        "subcolumn": entry.get("subcolumn"),
        "summary": masked(entry.get("summary"), secrets),
        "duration_s": doc.get("duration_s"),
        "preview_url": preview,
        "poster_url": media.get(POSTER),
        "materials": list((whole or {}).get("materials") or ()),
        "details": list((whole or {}).get("details") or ()),
    }
