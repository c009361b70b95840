"""TIFF and HEIC pictures lose every tag naming their maker, place and time, and look as they did."""

import io
import struct
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image, ImageChops, ImageOps, ImageStat, TiffImagePlugin

from services.media.redrawn_scrub import MalformedPicture, PictureTooLarge, scrub_heic, scrub_tiff
from services.media.scrub import sniff
from tests.legacy_samples import TIFF_TAGS, heic, heic_declaring, tiff
from tests.metadata_samples import ARTIST, AUTHOR, COMPANY

NAMES = (ARTIST, AUTHOR, COMPANY, "Canon", "Photoshop", "2024:01:01")


def drawing() -> Image.Image:
    """A picture with edges and colours, so a lost or rotated pixel shows."""
    picture = Image.new("RGB", (96, 64), (250, 250, 240))
    picture.paste((200, 30, 30), (0, 0, 48, 32))
    picture.paste((30, 30, 200), (48, 32, 96, 64))
    return picture


def scrubbed(tmp_path: Path, data: bytes, suffix: str) -> bytes:
    source, target = tmp_path / f"in{suffix}", tmp_path / f"out{suffix}"
    source.write_bytes(data)
    (scrub_tiff if suffix == ".tif" else scrub_heic)(source, target)
    return target.read_bytes()


def pages(data: bytes) -> list[Image.Image]:
    picture = Image.open(io.BytesIO(data))
    found = []
    for index in range(getattr(picture, "n_frames", 1)):
        picture.seek(index)
        found.append(picture.copy())
    return found


def test_a_tiff_loses_its_tags_exif_gps_xmp_and_iptc_and_keeps_every_page_pixel_and_profile(
    tmp_path: Path,
) -> None:
    original = tiff(drawing(), pages=2)
    assert sniff(original[:16]) == "tiff" and all(name.encode() in original for name in NAMES)
    clean = scrubbed(tmp_path, original, ".tif")
    assert [name for name in NAMES if name.encode() in clean] == []
    shown = Image.open(io.BytesIO(clean))
    assert isinstance(shown, TiffImagePlugin.TiffImageFile)
    assert not set(shown.tag_v2) & {*TIFF_TAGS, 700, 33723, 34665, 34853}
    profile = Image.open(io.BytesIO(original)).info["icc_profile"]
    assert profile and shown.info["icc_profile"] == profile and shown.info["dpi"] == (300, 300)
    assert [page.tobytes() for page in pages(clean)] == [page.tobytes() for page in pages(original)]


def test_a_tiff_turned_by_its_orientation_tag_stands_upright_without_it(tmp_path: Path) -> None:
    out = io.BytesIO()
    drawing().save(out, "TIFF", tiffinfo={274: 6}, compression="tiff_lzw")  # "rotate 90° clockwise"
    clean = scrubbed(tmp_path, out.getvalue(), ".tif")
    shown = Image.open(io.BytesIO(clean))
    assert isinstance(shown, TiffImagePlugin.TiffImageFile)
    assert 274 not in shown.tag_v2 and shown.info["compression"] == "tiff_lzw"
    assert shown.tobytes() == ImageOps.exif_transpose(Image.open(io.BytesIO(out.getvalue()))).tobytes()


@pytest.mark.parametrize(
    ("mode", "compression", "rewritten_as"),
    [
        ("I;16", "raw", "raw"),
        ("CMYK", "tiff_lzw", "tiff_lzw"),
        ("1", "group4", "group4"),
        ("P", "packbits", "packbits"),
        ("LA", "tiff_adobe_deflate", "tiff_adobe_deflate"),
        ("L", "jpeg", "tiff_lzw"),
    ],
)
def test_every_kind_of_tiff_page_comes_back_pixel_for_pixel_in_its_own_compression_unless_lossy(
    tmp_path: Path, mode: str, compression: str, rewritten_as: str
) -> None:
    page = drawing().convert("L").convert(mode) if mode != "I;16" else Image.new("I;16", (96, 64), 1000)
    out = io.BytesIO()
    page.save(out, "TIFF", compression=compression, tiffinfo={315: ARTIST})
    clean = scrubbed(tmp_path, out.getvalue(), ".tif")
    shown = Image.open(io.BytesIO(clean))
    assert ARTIST.encode() not in clean and shown.info["compression"] == rewritten_as
    assert shown.mode == mode and shown.tobytes() == Image.open(io.BytesIO(out.getvalue())).tobytes()


def test_a_heic_loses_exif_and_xmp_and_looks_the_same(tmp_path: Path) -> None:
    pillow_heif.register_heif_opener()
    original = heic(drawing())
    assert sniff(original[:16]) == "heic" and ARTIST.encode() in original and AUTHOR.encode() in original
    clean = scrubbed(tmp_path, original, ".heic")
    assert ARTIST.encode() not in clean and AUTHOR.encode() not in clean and b"Exif" not in clean
    before, after = Image.open(io.BytesIO(original)), Image.open(io.BytesIO(clean))
    assert sniff(clean[:16]) == "heic" and after.size == before.size
    assert not after.info.get("exif") and not after.info.get("xmp")
    # Re-encoded: the same picture within HEVC's rounding, not the same bytes.
    difference = ImageStat.Stat(ImageChops.difference(before.convert("RGB"), after.convert("RGB")))
    assert max(difference.mean) < 3


def bomb_tiff(width: int, height: int) -> bytes:
    """A TIFF header declaring a grey picture of ``width`` x ``height`` with almost no data."""
    entries = [(256, 4, width), (257, 4, height), (258, 3, 8), (259, 3, 1), (262, 3, 1),
               (273, 4, 200), (277, 3, 1), (278, 4, height), (279, 4, width * height)]  # fmt: skip
    ifd = struct.pack("<H", len(entries))
    ifd += b"".join(
        struct.pack("<HHI", tag, kind, 1) + struct.pack("<I", value) for tag, kind, value in entries
    )
    return b"II*\0" + struct.pack("<I", 8) + ifd + bytes(4) + bytes(100)


@pytest.mark.parametrize(
    ("data", "suffix", "fault"),
    [
        (b"II*\0" + b"\xff" * 300, ".tif", MalformedPicture),
        (tiff(drawing(), pages=1)[:400], ".tif", MalformedPicture),
        (bomb_tiff(12_000, 12_000), ".tif", PictureTooLarge),
        (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\xff" * 300, ".heic", MalformedPicture),
        (heic(drawing())[:600], ".heic", MalformedPicture),
        (heic_declaring(6000, 6000), ".heic", PictureTooLarge),  # 36 MP: more than x265 encodes in 1 GiB
    ],
    ids=["tiff-garbage", "tiff-truncated", "tiff-bomb", "heic-garbage", "heic-truncated", "heic-36-mp"],
)
def test_a_picture_that_cannot_be_decoded_or_is_too_large_gives_its_fault(
    tmp_path: Path, data: bytes, suffix: str, fault: type[Exception]
) -> None:
    with pytest.raises(fault):
        scrubbed(tmp_path, data, suffix)
