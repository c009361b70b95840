"""The scrubbers and the validator tell a file's format from one table: what either knew, both know."""

import pytest

from services.media.file_formats import OLE_MAGIC
from services.media.image_scrub import picture_format
from services.media.scrub import sniff
from services.validator.imageinfo import sniff_image

# The first bytes of each picture format as its writers start it (name: format, head).
PICTURES = {
    "jpeg": ("jpeg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
    "png": ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    "gif87": ("gif", b"GIF87a\x01\x00\x01\x00"),
    "gif89": ("gif", b"GIF89a\x01\x00\x01\x00"),
    "bmp": ("bmp", b"BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00"),
    "webp": ("webp", b"RIFF\x24\x00\x00\x00WEBPVP8 "),
    "tiff-le": ("tiff", b"II*\x00\x08\x00\x00\x00"),
    "tiff-be": ("tiff", b"MM\x00*\x00\x00\x00\x08"),
    "bigtiff-le": ("tiff", b"II+\x00\x08\x00\x00\x00"),
    "bigtiff-be": ("tiff", b"MM\x00+\x00\x08\x00\x00"),
    **{f"heif-{brand}": ("heic", b"\x00\x00\x00\x18ftyp" + brand.encode() + b"\x00\x00\x00\x00")
       for brand in ("heic", "heix", "heim", "heis", "mif1", "heif", "msf1", "hevc", "hevx")},
}  # fmt: skip


@pytest.mark.parametrize("name", PICTURES)
def test_every_picture_format_is_the_same_format_to_the_scrubber_and_the_validator(name: str) -> None:
    expected, head = PICTURES[name][0], PICTURES[name][1].ljust(32, b"\0")
    assert sniff(head[:16]) == expected
    assert sniff_image(head) == expected


def test_only_the_pictures_rewritten_byte_for_byte_are_image_scrubs() -> None:
    found = {name: picture_format(PICTURES[name][1].ljust(16, b"\0")) for name in PICTURES}
    assert {fmt for fmt in found.values() if fmt} == {"jpeg", "png", "gif", "webp"}


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"PK\x03\x04\x14\x00", "ooxml"),
        (b"%PDF-1.7\n", "pdf"),
        (OLE_MAGIC, "ole"),
        ("教学设计".encode(), "text"),
    ],
)
def test_a_document_is_no_picture_to_the_validator(head: bytes, expected: str) -> None:
    assert sniff(head[:16]) == expected
    assert sniff_image(head.ljust(32, b"\0")) is None


def test_a_bitmap_too_short_for_its_info_header_is_no_picture_to_the_validator() -> None:
    assert sniff(b"BM") == "bmp"  # passed on as uploaded: nothing in it to strip
    assert sniff_image(b"BM" + bytes(10)) is None
