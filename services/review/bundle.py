"""A round's entries as one ZIP for the chair (decision 0033): offline panels and 观摩交流.

The ZIP opens with ``index.xlsx`` (number, title, unit, group, category, result and score where the
round has them, and the names of the entry's files in the ZIP), then one folder per entry,
``0001-title/``, holding the work (its master rendition) and the materials, named by material key,
never by the entrant's own file names. The chair is not blind: the index names units. A file the
store has lost is named in the index's last column and left out, rather than ending the ZIP.

It is streamed: the plan (names and sizes) is read from the store first, the index is built from
it (in a worker thread: openpyxl takes one to two seconds for 10,000 rows, which would stall every
other request of the service), then each blob is copied chunk by chunk from the BlobStore (a
directory or S3) into the ZIP and handed on, so memory holds one chunk whatever the round's size.
Files are stored, not deflated (videos and pictures do not compress). A round over
``ZHENGJI_BUNDLE_MAX_BYTES`` or ``ZHENGJI_BUNDLE_MAX_ENTRIES`` is refused with 409 before a byte is sent."""

import asyncio
import io
import re
import zipfile
from collections.abc import AsyncIterator, Container, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from contracts import BlobRef
from services.common.blobs import BlobStore
from services.common.bureau_sheet import captioned_sheet, xlsx_bytes
from services.common.errors import ServiceError
from services.review.entry_materials import file_name, stored_files
from services.review.exports import OUTCOME_ZH
from services.review.finalising import proposal
from services.review.round_store import IN_LIST_MAX, entries_by_id
from services.review.rounds import RoundContext

if TYPE_CHECKING:
    from services.review.app import ReviewService

INDEX = "index.xlsx"
HEADER = [
    "序号", "作品名称", "单位", "组别", "类别", "评审结果", "奖项", "得分", "名次",
    "ZIP 中的文件", "缺失的文件",
]  # fmt: skip
WIDTHS = [6, 30, 24, 10, 12, 10, 10, 8, 6, 48, 36]
BATCH = IN_LIST_MAX  # entries read from the store at a time (by id)
FLUSH = 1 << 20  # bytes gathered before they are handed to the response
LOOKUPS = 16  # blobs asked of the store at once when checking none is lost
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass
class EntryFiles:
    number: int
    row: list[Any]
    files: list[tuple[str, BlobRef]] = field(default_factory=list)


def folder(number: int, title: str | None) -> str:
    """``0001-杨靖宇将军的故事``: numbered (titles repeat), without characters a file system refuses."""
    name = UNSAFE.sub("_", (title or "").strip())[:60].strip(". ")
    return f"{number:04d}-{name}" if name else f"{number:04d}"


def work_file(doc: dict[str, Any]) -> BlobRef | None:
    master = next((r for r in doc.get("renditions") or () if r.get("name") == "master"), None)
    return BlobRef.model_validate(master["blob"]) if master else None


def files_of(number: int, doc: dict[str, Any]) -> list[tuple[str, BlobRef]]:
    """(path in the ZIP, blob) of the entry's work and materials."""
    base = folder(number, (doc.get("entry") or {}).get("title"))
    files = []
    if (work := work_file(doc)) is not None:
        files.append((f"{base}/{file_name('work', work)}", work))
    return files + [(f"{base}/{file_name(name, ref)}", ref) for name, ref in stored_files(doc)]


def entry_files(
    number: int,
    doc: dict[str, Any],
    decision: dict[str, Any] | None,
    missing: Container[str] = (),
    everything: list[tuple[str, BlobRef]] | None = None,
) -> EntryFiles:
    """The entry's index row and the files the ZIP holds; ``missing``: blobs the store has lost,
    named in the row's last column instead of being promised; ``everything``: ``files_of(number,
    doc)`` when the caller has it already (``plan`` checks them against the store first)."""
    everything = files_of(number, doc) if everything is None else everything
    files = [(path, ref) for path, ref in everything if ref.sha256 not in missing]
    entry, attribution, d = doc.get("entry") or {}, doc.get("attribution") or {}, decision or {}
    row = [
        number,
        entry.get("title"),
        attribution.get("unit_name"),
        entry.get("group"),
        entry.get("category"),
        OUTCOME_ZH.get(d.get("outcome") or "", ""),
        d.get("tier") or "",
        float(d["score"]) if d.get("score") is not None else None,
        d.get("rank"),
        "\n".join(path for path, _ in files),
        "\n".join(path for path, ref in everything if ref.sha256 in missing),
    ]
    return EntryFiles(number, row, files)


async def lost(blobs: BlobStore, files: Iterable[list[tuple[str, BlobRef]]]) -> set[str]:
    """The blobs among ``files`` (``files_of`` of each entry) the store no longer holds, checked
    before a byte is sent, so the ZIP never ends half-way on one. At most ``LOOKUPS`` are asked at
    once: a batch of entries has thousands of files, each an S3 HEAD."""
    shas = sorted({ref.sha256 for entry in files for _, ref in entry})
    slots = asyncio.Semaphore(LOOKUPS)

    async def held(sha: str) -> bool:
        async with slots:
            return await blobs.exists(sha)

    there = await asyncio.gather(*(held(sha) for sha in shas))
    return {sha for sha, found in zip(shas, there, strict=True) if not found}


async def plan(svc: "ReviewService", at: RoundContext) -> tuple[bytes, list[EntryFiles]]:
    """(index sheet, entries with their files) of the round, or a 409 when it is too large to send."""
    rnd, campaign, _, level = at
    sids: list[str] = list(rnd.get("submission_ids") or ())
    limits = svc.settings
    if len(sids) > limits.bundle_max_entries:
        raise ServiceError(
            409,
            f"本轮有 {len(sids)} 件作品，超过打包上限 {limits.bundle_max_entries} 件",
            f"the round holds {len(sids)} entries, over the bundle limit {limits.bundle_max_entries}",
        )
    try:
        decisions: dict[str, Any] = (await proposal(svc, at)).get("decisions") or {}
    except ServiceError:  # no outcome yet (a scheme awaiting the chair's choices): the index has none
        decisions = {}
    planned, total = [], 0
    for start in range(0, len(sids), BATCH):
        batch = sids[start : start + BATCH]
        docs = await entries_by_id(svc.entries, rnd["campaign_id"], batch)
        files = {sid: files_of(start + offset + 1, docs[sid]) for offset, sid in enumerate(batch)}
        missing = await lost(svc.deps.blobs, files.values())
        for offset, sid in enumerate(batch):
            item = entry_files(start + offset + 1, docs[sid], decisions.get(sid), missing, files[sid])
            total += sum(ref.size for _, ref in item.files)
            planned.append(item)
    if total > limits.bundle_max_bytes:
        gib = 1 << 30
        raise ServiceError(
            409,
            f"本轮作品文件共 {total / gib:.1f} GB，超过打包上限 {limits.bundle_max_bytes / gib:.1f} GB",
            f"the round's files total {total / gib:.1f} GiB, over the bundle limit",
            total_bytes=total,
        )
    index = await asyncio.to_thread(index_sheet, f"{campaign.title} · {level.name}", planned)
    return index, planned


def index_sheet(caption: str, entries: list[EntryFiles]) -> bytes:
    """``index.xlsx``: the caption in row 1, the header in row 2, one row per entry from row 3."""
    book, sheet = captioned_sheet("作品清单", caption, HEADER, WIDTHS)
    for item in entries:
        sheet.append(item.row)
    return xlsx_bytes(book)


class _Pipe(io.RawIOBase):
    """Where ``zipfile`` writes: gathers bytes until the stream takes them (not seekable, so the
    ZIP's sizes go in data descriptors and its directory at the end)."""

    def __init__(self) -> None:
        self.held = bytearray()
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.held += data
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def take(self) -> bytes:
        out = bytes(self.held)
        self.held.clear()
        return out


async def zipped(blobs: BlobStore, index: bytes, entries: list[EntryFiles]) -> AsyncIterator[bytes]:
    """The ZIP, in pieces: ``index`` (``index_sheet``, built by ``plan``) first, then every entry's files."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr(INDEX, index, compress_type=zipfile.ZIP_DEFLATED)
        yield pipe.take()
        for item in entries:
            for path, ref in item.files:
                with archive.open(path, "w", force_zip64=ref.size >= 1 << 31) as out:
                    async for chunk in blobs.stream(ref.sha256):
                        out.write(chunk)
                        if len(pipe.held) >= FLUSH:
                            yield pipe.take()
                yield pipe.take()
    yield pipe.take()
