"""Pictures lose what names their maker (EXIF, XMP, comments, text chunks) and keep every pixel byte."""

import struct

import pytest

from services.media.image_scrub import (
    MalformedImage,
    exif_orientation,
    orientation_segment,
    scrub_gif,
    scrub_jpeg,
    scrub_png,
    scrub_webp,
)
from tests.metadata_samples import ARTIST, AUTHOR, exif_tiff, jpeg_segment, png_chunk, with_camera_metadata

JFIF = jpeg_segment(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")
ICC = jpeg_segment(0xE2, b"ICC_PROFILE\0\x01\x01" + b"profile")
ADOBE = jpeg_segment(0xEE, b"Adobe\0\x64\0\0\0\0\x01")
IPTC = jpeg_segment(0xED, b"Photoshop 3.0\0" + ARTIST.encode())
TABLES = jpeg_segment(0xDB, bytes(65)) + jpeg_segment(0xC0, b"\x08\0\x10\0\x10\x01\x01\x11\0")
SCAN = jpeg_segment(0xDA, b"\x01\x01\0\0\x3f\0")
# Coded data with a stuffed 0xFF00, a restart marker and fill bytes: none of them ends the scan.
CODED = b"\x12\xff\x00\x34\xff\xd0\x56\xff\xff\xd1\x78"


def photo(*app: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(app) + TABLES + SCAN + CODED + b"\xff\xd9"


def test_a_jpeg_keeps_its_picture_colour_and_orientation_and_loses_exif_xmp_iptc_and_comments() -> None:
    phone = with_camera_metadata(photo(JFIF, ICC, ADOBE, IPTC), orientation=6)
    # A phone appends a second picture (MPF) with its own EXIF after the first one's end.
    phone += with_camera_metadata(photo())
    clean = scrub_jpeg(phone)
    assert ARTIST.encode() not in clean and b"xap" not in clean and b"Photoshop" not in clean
    assert clean == photo(JFIF, orientation_segment(6), ICC, ADOBE)


def test_the_orientation_segment_follows_jfif_and_is_only_written_when_it_turns_the_picture() -> None:
    jfif_first = scrub_jpeg(photo(JFIF, jpeg_segment(0xE1, b"Exif\0\0" + exif_tiff(orientation=8))))
    assert jfif_first.startswith(b"\xff\xd8" + JFIF + orientation_segment(8))
    upright = scrub_jpeg(photo(JFIF, jpeg_segment(0xE1, b"Exif\0\0" + exif_tiff(orientation=1))))
    assert upright == photo(JFIF)
    assert exif_orientation(orientation_segment(3)[10:]) == 3


def test_exif_orientation_reads_both_byte_orders_and_ignores_nonsense() -> None:
    little = b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 1) + struct.pack("<HHIH", 0x0112, 3, 1, 5)
    assert exif_orientation(little + b"\0\0\0\0\0\0") == 5
    assert exif_orientation(b"XX") is None
    assert exif_orientation(b"MM\0*" + struct.pack(">I", 10**6)) is None  # IFD offset past the end


@pytest.mark.parametrize(
    "broken",
    [b"\x89PNG", b"\xff\xd8\xff\xe1\xff\xff", b"\xff\xd8\x00\x00", b"\xff\xd8"],
    ids=["not-jpeg", "segment-past-end", "no-marker", "cut-short"],
)
def test_a_jpeg_that_cannot_be_walked_is_refused(broken: bytes) -> None:
    with pytest.raises(MalformedImage):
        scrub_jpeg(broken)


def png(*chunks: bytes) -> bytes:
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + b"".join(chunks) + png_chunk(b"IDAT", b"pixels")


def test_a_png_loses_its_text_exif_and_time_chunks_and_keeps_colour_and_pixels() -> None:
    colour = png_chunk(b"iCCP", b"ICC\0\0profile") + png_chunk(b"gAMA", b"\0\0\xb1\x8f")
    marked = png(
        colour,
        png_chunk(b"tEXt", b"Author\0" + AUTHOR.encode()),
        png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + AUTHOR.encode()),
        png_chunk(b"zTXt", b"Comment\0\0x"),
        png_chunk(b"eXIf", exif_tiff()),
        png_chunk(b"tIME", b"\x07\xe8\x05\x01\x08\0\0"),
    )
    end = png_chunk(b"IEND", b"")
    assert scrub_png(marked + end + b"trailing " + AUTHOR.encode()) == png(colour) + end


def test_a_png_without_its_end_is_refused() -> None:
    with pytest.raises(MalformedImage):
        scrub_png(png())
    with pytest.raises(MalformedImage):
        scrub_png(png(png_chunk(b"tEXt", b"x")[:-6]))


def riff(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_chunk(kind: bytes, data: bytes) -> bytes:
    return kind + struct.pack("<I", len(data)) + data + (b"\0" if len(data) & 1 else b"")


def test_a_webp_loses_exif_and_xmp_and_stops_announcing_them() -> None:
    vp8x = webp_chunk(b"VP8X", bytes([0x20 | 0x08 | 0x04]) + bytes(9))
    icc, image = webp_chunk(b"ICCP", b"profile"), webp_chunk(b"VP8L", b"pixels!")
    marked = riff(vp8x, icc, image, webp_chunk(b"EXIF", exif_tiff()), webp_chunk(b"XMP ", AUTHOR.encode()))
    clean = scrub_webp(marked)
    assert clean == riff(webp_chunk(b"VP8X", bytes([0x20]) + bytes(9)), icc, image)


def gif_extension(label: int, *blocks: bytes) -> bytes:
    return bytes([0x21, label]) + b"".join(bytes([len(b)]) + b for b in blocks) + b"\0"


def test_a_gif_loses_comments_and_xmp_and_keeps_its_frames_and_looping() -> None:
    screen = b"GIF89a" + struct.pack("<HH", 2, 2) + bytes([0x80, 0, 0]) + bytes(6)  # 2-colour table
    looping = gif_extension(0xFF, b"NETSCAPE2.0", b"\x01\x00\x00")
    timing = gif_extension(0xF9, b"\x04\x0a\x00\x00")  # 0.1 s a frame
    frame = b"\x2c" + struct.pack("<HHHH", 0, 0, 2, 2) + b"\0" + b"\x02" + b"\x02\x4c\x01" + b"\0"
    comment = gif_extension(0xFE, f"made by {AUTHOR}".encode())
    xmp = gif_extension(0xFF, b"XMP DataXMP", f"<dc:creator>{AUTHOR}</dc:creator>".encode())
    clean = scrub_gif(screen + looping + comment + timing + frame + xmp + timing + frame + b"\x3b")
    assert clean == screen + looping + timing + frame + timing + frame + b"\x3b"


@pytest.mark.parametrize(
    "broken",
    [b"GIF89a\x02\0\x02\0\0\0\0", b"GIF89a\x02\0\x02\0\0\0\0\x21\xfe\x05ab", b"GIF89a\x02\0\x02\0\0\0\0\x99"],
    ids=["no-trailer", "sub-blocks-past-end", "unknown-block"],
)
def test_a_gif_that_cannot_be_walked_is_refused(broken: bytes) -> None:
    with pytest.raises(MalformedImage):
        scrub_gif(broken)
