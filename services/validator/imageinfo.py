"""What an image file is (by its bytes, never its name), its size in pixels, and whether it is whole. Pure.

Only headers are read: PNG's IHDR, JPEG's SOF marker, GIF's screen
descriptor, BMP's info header, WebP's VP8/VP8L/VP8X chunk. "Whole" means
the file ends as its format says a file ends (PNG's IEND chunk, JPEG's EOI
marker, GIF's trailer, WebP's RIFF length): a photo cut short by an
interrupted upload shows grey bands, and reviewers would see a broken picture.
"""

from dataclasses import dataclass

from services.media.file_formats import picture_of

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_MAX_SEGMENTS = 10_000


@dataclass(frozen=True)
class ImageInfo:
    format: str  # jpeg, png, gif, bmp, webp, tiff, heic
    width: int | None = None
    height: int | None = None
    complete: bool = True


def sniff_image(head: bytes) -> str | None:
    """The image format from the first bytes (``services.media.file_formats``), or None."""
    found = picture_of(head)
    if found == "bmp" and len(head) < 26:  # "BM" and no info header to hold a size: not a picture
        return None
    return found


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    for _ in range(_MAX_SEGMENTS):
        while i < len(data) and data[i] == 0xFF:
            i += 1  # fill bytes before a marker
        if i + 3 >= len(data):
            return None
        marker = data[i]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 1
            continue
        length = int.from_bytes(data[i + 1 : i + 3], "big")
        if marker in _JPEG_SOF and i + 8 <= len(data):
            return int.from_bytes(data[i + 6 : i + 8], "big"), int.from_bytes(data[i + 4 : i + 6], "big")
        if length < 2:
            return None
        i += 1 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and len(data) >= 30:
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    return None


def image_info(data: bytes) -> ImageInfo | None:
    """Format, size and completeness of an image held in ``data``; None when it is no image we know."""
    kind = sniff_image(data[:32])
    if kind is None:
        return None
    size: tuple[int, int] | None = None
    complete = True
    tail = data[-1024:]
    if kind == "png":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            size = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        complete = b"IEND" in tail
    elif kind == "jpeg":
        size = _jpeg_size(data)
        complete = b"\xff\xd9" in tail
    elif kind == "gif":
        size = int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
        complete = data.rstrip(b"\x00").endswith(b";")
    elif kind == "bmp":
        size = (
            int.from_bytes(data[18:22], "little", signed=True),
            abs(int.from_bytes(data[22:26], "little", signed=True)),
        )
        complete = int.from_bytes(data[2:6], "little") <= len(data)
    elif kind == "webp":
        size = _webp_size(data)
        complete = int.from_bytes(data[4:8], "little") + 8 <= len(data)
    if size is not None and (size[0] <= 0 or size[1] <= 0):
        return ImageInfo(kind, complete=False)
    return ImageInfo(kind, size[0] if size else None, size[1] if size else None, complete)
