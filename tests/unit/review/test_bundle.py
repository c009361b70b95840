"""The chair's ZIP of a round (decision 0033), built from a plan without the store: entries in
numbered folders named by material, the index sheet naming every file, streamed in pieces."""

import asyncio
import io
import zipfile
from collections.abc import AsyncIterator

from openpyxl import load_workbook

from contracts import BlobRef
from services.review.bundle import (
    FLUSH,
    INDEX,
    LOOKUPS,
    entry_files,
    files_of,
    folder,
    index_sheet,
    lost,
    zipped,
)


def ref(data: bytes, media_type: str) -> BlobRef:
    sha = f"{hash(data) & (1 << 64) - 1:064x}"
    return BlobRef(uri=f"blob://sha256/{sha}", sha256=sha, size=len(data), media_type=media_type)


class Blobs:
    """Holds the files by sha256 and streams them in small chunks, as a store would."""

    def __init__(self, files: list[bytes]) -> None:
        self.files = {ref(f, "x/y").sha256: f for f in files}

    async def stream(self, sha256: str) -> AsyncIterator[bytes]:
        data = self.files[sha256]
        for start in range(0, len(data), 64 << 10):
            yield data[start : start + (64 << 10)]


VIDEO, SLIDES = b"v" * (3 * FLUSH), b"slides"
DOC = {
    "_id": "S1",
    "entry": {"title": "红色/故事: 第一集", "group": "小学组"},
    "attribution": {"unit_name": "延吉市第一小学"},
    "renditions": [{"name": "master", "blob": ref(VIDEO, "video/mp4").model_dump()}],
    "materials": {"courseware": ref(SLIDES, "application/pdf").model_dump()},
}


def test_folders_are_numbered_and_safe_for_any_file_system() -> None:
    assert folder(7, "红色/故事: 第一集") == "0007-红色_故事_ 第一集"
    assert folder(12, "  ") == "0012"


async def test_the_zip_holds_every_file_the_index_names() -> None:
    item = entry_files(1, DOC, {"outcome": "awarded", "tier": "一等奖", "score": "91.5", "rank": 1})
    pieces = [p async for p in zipped(Blobs([VIDEO, SLIDES]), index_sheet("延边 · 县级", [item]), [item])]  # type: ignore[arg-type]
    assert max(len(p) for p in pieces) < 2 * FLUSH  # handed on as it is made, not held whole
    archive = zipfile.ZipFile(io.BytesIO(b"".join(pieces)))
    sheet = load_workbook(io.BytesIO(archive.read(INDEX))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows[0][:9] == (
        1,
        "红色/故事: 第一集",
        "延吉市第一小学",
        "小学组",
        None,
        "获奖",
        "一等奖",
        91.5,
        1,
    )
    listed = str(rows[0][9]).split("\n")
    assert listed == ["0001-红色_故事_ 第一集/work.mp4", "0001-红色_故事_ 第一集/courseware.pdf"]
    assert archive.read(listed[0]) == VIDEO and archive.read(listed[1]) == SLIDES
    assert archive.testzip() is None


async def test_a_file_the_store_lost_is_named_in_the_index_and_left_out() -> None:
    slides = ref(SLIDES, "application/pdf").sha256
    item = entry_files(1, DOC, None, missing={slides})
    pieces = [p async for p in zipped(Blobs([VIDEO]), index_sheet("延边 · 县级", [item]), [item])]  # type: ignore[arg-type]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(pieces)))
    sheet = load_workbook(io.BytesIO(archive.read(INDEX))).active
    assert sheet is not None
    row = next(sheet.iter_rows(min_row=3, values_only=True))
    assert (row[9], row[10]) == ("0001-红色_故事_ 第一集/work.mp4", "0001-红色_故事_ 第一集/courseware.pdf")
    assert archive.namelist() == [INDEX, "0001-红色_故事_ 第一集/work.mp4"]


class Asked:
    """A store that answers ``exists`` after a round trip and counts how many were asked at once."""

    def __init__(self, gone: set[str]) -> None:
        self.gone, self.asking, self.most = gone, 0, 0

    async def exists(self, sha256: str) -> bool:
        self.asking += 1
        self.most = max(self.most, self.asking)
        await asyncio.sleep(0)  # the round trip: every other lookup started meanwhile is in flight
        self.asking -= 1
        return sha256 not in self.gone


async def test_a_large_batch_is_checked_against_the_store_a_few_files_at_a_time() -> None:
    slides = [ref(f"slides {n}".encode(), "application/pdf") for n in range(10 * LOOKUPS)]
    entries = [files_of(n, {"materials": {"courseware": s.model_dump()}}) for n, s in enumerate(slides, 1)]
    gone = {entries[3][0][1].sha256}
    store = Asked(gone)
    assert await lost(store, entries) == gone  # type: ignore[arg-type]
    assert 1 < store.most <= LOOKUPS
