"""What a reviewer may see of an entry: its public work facts, never who made it (pure).

Built field by field from an allow-list (never by removing fields from the stored document), so a
field added later cannot leak by default. Title and summary are free text that an entrant may have
signed; any attribution value found in them (unit name, unit codes, author) is masked."""

from collections.abc import Mapping
from typing import Any

MASK = "＊＊＊"
PREVIEW = "master"  # the faststart MP4 master plays in any browser; HLS needs a player
POSTER = "poster"


def _attribution_values(doc: Mapping[str, Any]) -> list[str]:
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


def blob_url(doc: Mapping[str, Any], name: str) -> str | None:
    for rendition in doc.get("renditions") or ():
        if rendition.get("name") == name:
            return f"/blobs/{rendition['blob']['sha256']}"
    return None


def blind_entry(doc: Mapping[str, Any], slate_s: float | None = None) -> dict[str, Any]:
    """The entry as a reviewer sees it. ``slate_s``: where the player starts, past the intro slate
    that shows title, name and school (Yanbian: <= 5 s); the reviewer can still seek back."""
    entry = doc.get("entry") or {}
    secrets = _attribution_values(doc)
    preview = blob_url(doc, PREVIEW) or blob_url(doc, "master")
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
        "poster_url": blob_url(doc, POSTER),
    }
