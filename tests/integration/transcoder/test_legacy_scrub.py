"""DOC, XLS, PPT, TIFF and HEIC works reach reviewers and platforms without their makers' names (issue 12).

Each is rewritten by the bounded scrub child (``python -m services.media.scrub``, the one the
transcoder starts); a DOC and a TIFF also go through intake and the transcoder on the real broker
and store, and their ``master`` rendition (what review and the publisher hand out) names no one.
A file that breaks its rewriter ends in the child with its fault named, never in the transcoder."""

import io
from collections.abc import Callable
from pathlib import Path

import olefile
import pytest
from PIL import Image

from services.common.settings import Settings
from services.media.scrub import ScrubFailed, scrub_file_bounded, sniff
from tests.integration.transcoder.conftest import Start
from tests.integration.transcoder.test_scrub import master_of
from tests.legacy_samples import TEXT, heic, presentation, tiff, word_document, workbook
from tests.metadata_samples import ARTIST, AUTHOR, COMPANY
from tests.unit.media.test_ole_scrub import names_in
from tests.unit.media.test_redrawn_scrub import drawing

CHILD_TIMEOUT_S = 120


async def through_the_child(tmp_path: Path, data: bytes, suffix: str) -> tuple[bytes, list[str]]:
    source, target = tmp_path / f"upload{suffix}", tmp_path / f"master{suffix}"
    source.write_bytes(data)
    removed = await scrub_file_bounded(sniff(data[:16]), source, target, CHILD_TIMEOUT_S)
    return target.read_bytes(), removed


@pytest.mark.parametrize(
    ("make", "suffix", "kept"),
    [
        (word_document, ".doc", "WordDocument"),
        (workbook, ".xls", "Workbook"),
        (presentation, ".ppt", "PowerPoint Document"),
    ],
)
async def test_a_legacy_office_file_comes_out_of_the_child_naming_no_one_and_opening(
    tmp_path: Path, make: Callable[[], bytes], suffix: str, kept: str
) -> None:
    original = make()
    assert names_in(original)
    clean, removed = await through_the_child(tmp_path, original, suffix)
    assert "document properties" in removed and names_in(clean) == []
    shown = tmp_path / f"shown{suffix}"
    shown.write_bytes(clean)
    with olefile.OleFileIO(str(shown)) as ole:
        assert ole.exists(kept) and ole.get_metadata().author is None


async def test_a_tiff_and_a_heic_come_out_of_the_child_naming_no_one_and_opening(tmp_path: Path) -> None:
    for data, suffix in ((tiff(drawing()), ".tif"), (heic(drawing()), ".heic")):
        clean, removed = await through_the_child(tmp_path, data, suffix)
        assert removed and ARTIST.encode() not in clean and AUTHOR.encode() not in clean
        assert Image.open(io.BytesIO(clean)).size == drawing().size


async def test_a_24_megapixel_phone_heic_comes_out_of_the_child(tmp_path: Path) -> None:
    """An iPhone's default photo size (5712x4284): re-encoded within the child's 1 GiB."""
    clean, removed = await through_the_child(tmp_path, heic(drawing().resize((5712, 4284))), ".heic")
    assert removed and ARTIST.encode() not in clean and AUTHOR.encode() not in clean
    assert Image.open(io.BytesIO(clean)).size == (5712, 4284)


@pytest.mark.parametrize(
    ("data", "suffix", "fault"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600, ".doc", "MalformedCompoundFile"),
        (word_document()[:1500], ".doc", "MalformedCompoundFile"),
        (word_document(extra={"Macros/VBA/dir": b"Attribute"}), ".doc", "UnsafeCompoundFile"),
        (b"MM\0*" + b"\xff" * 300, ".tif", "MalformedPicture"),
        (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\xff" * 300, ".heic", "MalformedPicture"),
    ],
    ids=["ole-garbage", "ole-truncated", "ole-macros", "tiff-garbage", "heic-garbage"],
)
async def test_a_hostile_file_ends_in_the_child_with_its_fault_named(
    tmp_path: Path, data: bytes, suffix: str, fault: str
) -> None:
    with pytest.raises(ScrubFailed, match=f"cannot be rewritten: {fault}: "):
        await through_the_child(tmp_path, data, suffix)


async def test_a_doc_and_a_tiff_reach_reviewers_without_their_makers(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.doc"
    plan.write_bytes(word_document())
    master, _ = await master_of(start, settings, "text", plan, "application/msword")
    assert names_in(master) == [] and TEXT.encode("utf-16-le") in master

    scan = tmp_path / "scan.tif"
    scan.write_bytes(tiff(drawing()))
    master, _ = await master_of(start, settings, "images", scan, "image/tiff")
    assert [n for n in (ARTIST, AUTHOR, COMPANY) if n.encode() in master] == []
    assert Image.open(io.BytesIO(master)).tobytes() == drawing().tobytes()
