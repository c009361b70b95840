"""An entry's other files and form fields as a reviewer gets them: courseware, photos, 简介, the
series and its fields, blind (decision 0033).

Intake sends the files with ``approved`` (never the registration form, which carries signatures and
phones). A reviewer is given a copy without identifying metadata (author, company, last editor,
GPS), made as the transcoder makes a work's master (``services.media.scrubbed_copy.scrub_to``)
and kept by content: ``blind_copies`` maps an original's sha256 to its copy. A copy is made when
first asked for, so a round of thousands of entries rewrites only the files somebody opens. A
format no rewriter reads is given as uploaded, and its record says so.

Form fields are free text an entrant may have signed (Hunan's 填表单位, 资源制作方): every name of
the entrant's unit path and the author are masked in them, as in the title, and a field that
held nothing but a name (学校, 推荐单位) is left out."""

import mimetypes
import tempfile
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contracts import BlobRef
from contracts.campaign import Campaign, Material, WorkKind
from services.common.errors import ServiceError
from services.media.probe import ProbeFailed
from services.media.scrub import ScrubFailed
from services.media.scrubbed_copy import scrub_to
from services.review.blind import MASK, attribution_values, masked

if TYPE_CHECKING:
    from services.review.app import ReviewService

MATERIAL_ROUTE = "/api/review/rounds/{round_id}/entries/{submission_id}/materials/{name}"


def material_of(campaign: Campaign, doc: Mapping[str, Any], name: str) -> Material | None:
    """The campaign's material a file name (``courseware``, ``photos.2``) belongs to."""
    series = (doc.get("entry") or {}).get("series")
    key = name.split(".")[0]
    return next((m for m in campaign.materials_of(series) if m.key == key), None)


def file_name(name: str, ref: BlobRef) -> str:
    """``photos.2`` of a JPEG -> ``photos-2.jpg``: named by the material, never by the entrant's file."""
    ext = mimetypes.guess_extension(ref.media_type.split(";")[0].strip()) or ".bin"
    return name.replace(".", "-") + ext


def stored_files(doc: Mapping[str, Any]) -> list[tuple[str, BlobRef]]:
    """(name, ref) of the entry's other files, sets in their order (``photos.2`` before ``photos.10``)."""
    held = doc.get("materials") or {}

    def order(name: str) -> tuple[str, int]:
        key, _, n = name.partition(".")
        return key, int(n) if n.isdigit() else 0

    return [(name, BlobRef.model_validate(held[name])) for name in sorted(held, key=order)]


def material_views(campaign: Campaign, doc: Mapping[str, Any], round_id: str) -> list[dict[str, Any]]:
    """The files a reviewer may open, each by the review route that gives its blind copy."""
    views = []
    for name, ref in stored_files(doc):
        material = material_of(campaign, doc, name)
        n = name.partition(".")[2]
        label = (material.label if material else name) + (f" {n}" if n else "")
        url = MATERIAL_ROUTE.format(round_id=round_id, submission_id=doc["_id"], name=name)
        views.append(
            {
                "name": name,
                "label": label,
                "kind": material.kind.value if material else None,
                "file_name": file_name(name, ref),
                "size": ref.size,
                "url": url,
            }
        )
    return views


def detail_views(campaign: Campaign, doc: Mapping[str, Any]) -> list[dict[str, str]]:
    """The series and the form's public fields, labelled as the form labels them, names masked."""
    entry = doc.get("entry") or {}
    attribution = doc.get("attribution") or {}
    names = [n for n in attribution.get("unit_path_names") or () if isinstance(n, str) and len(n) >= 2]
    secrets = sorted({*attribution_values(doc), *names}, key=len, reverse=True)
    labels = {f.key: f.label for f in campaign.form}
    shown = []
    if series := entry.get("series"):
        found = next((s for s in campaign.series if s.key == series), None)
        shown.append({"label": "系列", "value": found.name if found else str(series)})
    for key, value in (entry.get("details") or {}).items():
        text = masked(str(value), secrets) or ""
        if text.strip() and text.strip() != MASK:  # a field that held only a name (学校) says nothing
            shown.append({"label": labels.get(key, key), "value": text})
    return shown


def whole_entry(campaign: Campaign, doc: Mapping[str, Any], round_id: str) -> dict[str, list[dict[str, Any]]]:
    """What ``blind.blind_entry`` shows beside the work: the files and the fields."""
    return {"materials": material_views(campaign, doc, round_id), "details": detail_views(campaign, doc)}


async def blind_copy(svc: "ReviewService", ref: BlobRef, kind: str | None) -> BlobRef:
    """The file's copy without identifying metadata, made once per original; a file that cannot be
    rewritten is refused, and remembered so (as the transcoder fails such a work for good), so that
    opening it again does not run the rewrite again."""
    found = await svc.blind_copies.find_one({"_id": ref.sha256})
    if found is None:
        async with svc.blind_copy_slots:
            # Another request may have made it while this one waited for a slot.
            found = await svc.blind_copies.find_one({"_id": ref.sha256}) or await _make(svc, ref, kind)
    if "failed" in found:
        raise ServiceError(
            409,
            "该文件无法去除作者信息，暂不能提供给评审专家",
            f"the file cannot be given without its metadata: {found['failed']}",
        )
    return BlobRef.model_validate(found["copy"])


async def _make(svc: "ReviewService", ref: BlobRef, kind: str | None) -> dict[str, Any]:
    """Make and store the copy (or the reason there is none); the stored record."""
    timeout = svc.settings.blind_copy_timeout_s
    record: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=svc.deps.blobs.work_dir("blind-copies")) as tmp:
        out = Path(tmp) / "copy"
        async with svc.deps.blobs.local_copy(ref) as source:
            try:
                audio = kind == WorkKind.AUDIO
                written = await scrub_to(
                    source, out, record, audio=audio, timeout_s=timeout, probe_timeout_s=timeout
                )
            except (ScrubFailed, ProbeFailed) as exc:
                record["failed"] = str(exc)
        if "failed" not in record:
            copy = await svc.deps.blobs.put_file(out, ref.media_type, move=True) if written else ref
            record["copy"] = copy.model_dump(mode="json")
    record["made_at"] = datetime.now(UTC)
    await svc.blind_copies.update_one({"_id": ref.sha256}, {"$set": record}, upsert=True)
    return record
