"""Pictures without what identifies their maker: lossless rewrites that drop metadata. Pure.

The picture's coded data is copied byte for byte (never decoded or re-encoded, so nothing is lost
and a hostile picture is never decoded here); what goes is every segment or chunk that carries
words or numbers about the picture rather than the picture itself: EXIF (GPS position, camera
serial, owner name, time), XMP (author, editing history), IPTC (byline), comments and text chunks,
and anything after the end of the image (phones append second pictures with their own EXIF);
for a GIF, comment extensions and application extensions other than looping and ICC (XMP).

Kept, because the picture would look different without them and they name no person:
- ICC colour profiles (JPEG APP2 ``ICC_PROFILE``, PNG ``iCCP``, WebP ``ICCP``): a wide-gamut phone
  photo shown without its profile looks washed out to reviewers;
- the Adobe APP14 segment: it says how to convert CMYK/YCCK pixels, without it colours invert;
- JFIF APP0 (pixel density);
- a JPEG's EXIF orientation, rewritten as a new EXIF segment holding that one tag: without it a
  portrait phone photo would be shown lying on its side.
"""

from services.media.file_formats import picture_of

MAX_SEGMENTS = 100_000  # a JPEG of many thousand tiny segments is hostile, not a photo


class MalformedImage(Exception):
    """The picture's structure cannot be walked (cut short, or lengths that point nowhere)."""


_APP0, _APP1, _APP2, _APP14, _COM, _SOS, _EOI = 0xE0, 0xE1, 0xE2, 0xEE, 0xFE, 0xDA, 0xD9
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn have no length
_KEPT_APP = {_APP0: b"JFIF\0", _APP2: b"ICC_PROFILE\0", _APP14: b"Adobe"}
_ORIENTATION = 0x0112


def exif_orientation(tiff: bytes) -> int | None:
    """The Orientation tag (1-8) of EXIF's first IFD, or None."""
    order = {b"II": "little", b"MM": "big"}.get(tiff[:2])
    if order is None:
        return None

    def number(at: int, size: int) -> int:
        return int.from_bytes(tiff[at : at + size], order)  # type: ignore[arg-type]

    ifd = number(4, 4)
    for i in range(min(number(ifd, 2), 1000)):
        entry = ifd + 2 + 12 * i
        if number(entry, 2) == _ORIENTATION:
            value = number(entry + 8, 2)
            return value if 1 <= value <= 8 else None
    return None


def orientation_segment(orientation: int) -> bytes:
    """An APP1 EXIF segment holding only the Orientation tag (big-endian TIFF, one IFD, one entry)."""
    entry = _ORIENTATION.to_bytes(2, "big") + (3).to_bytes(2, "big") + (1).to_bytes(4, "big")
    tiff = b"MM\0*" + (8).to_bytes(4, "big") + (1).to_bytes(2, "big")
    tiff += entry + orientation.to_bytes(2, "big") + b"\0\0" + (0).to_bytes(4, "big")
    body = b"Exif\0\0" + tiff
    return bytes([0xFF, _APP1]) + (len(body) + 2).to_bytes(2, "big") + body


def _entropy_end(data: bytes, pos: int) -> int:
    """Where the coded data after SOS ends: the first marker that is not stuffing, a restart or fill."""
    at = data.find(b"\xff", pos)
    while at != -1 and at + 1 < len(data):
        following = data[at + 1]
        if following == 0 or following == 0xFF or 0xD0 <= following <= 0xD7:
            at = data.find(b"\xff", at + 1)
            continue
        return at
    return len(data)


def _kept(marker: int, body: bytes) -> bool:
    if marker == _COM:
        return False
    if 0xE0 <= marker <= 0xEF:
        prefix = _KEPT_APP.get(marker)
        return prefix is not None and body.startswith(prefix)
    return True


def scrub_jpeg(data: bytes) -> bytes:
    """The JPEG with APPn segments other than JFIF, ICC and Adobe, comments and trailing bytes removed."""
    if not data.startswith(b"\xff\xd8"):
        raise MalformedImage("not a JPEG")
    out, pos, orientation = [b"\xff\xd8"], 2, None
    for _ in range(MAX_SEGMENTS):
        if pos >= len(data) or data[pos] != 0xFF:
            raise MalformedImage(f"no marker at byte {pos}")
        while pos < len(data) and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= len(data):
            raise MalformedImage("cut short")
        marker = data[pos]
        pos += 1
        if marker == _EOI:
            out.append(b"\xff\xd9")
            break
        if marker in _STANDALONE:
            out.append(bytes([0xFF, marker]))
            continue
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2 or pos + length > len(data):
            raise MalformedImage(f"segment {marker:02X} runs past the end")
        body = data[pos + 2 : pos + length]
        if _kept(marker, body):
            out.append(bytes([0xFF, marker]) + data[pos : pos + length])
        elif marker == _APP1 and body.startswith(b"Exif\0\0") and orientation is None:
            orientation = exif_orientation(body[6:])
        pos += length
        if marker == _SOS:
            end = _entropy_end(data, pos)
            out.append(data[pos:end])
            pos = end
    else:
        raise MalformedImage("too many segments")
    if orientation not in (None, 1):
        assert orientation is not None
        after_jfif = 2 if len(out) > 1 and out[1][4:9] == b"JFIF\0" else 1
        out.insert(after_jfif, orientation_segment(orientation))
    return b"".join(out)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Text (tEXt, zTXt, iTXt: Author, Comment, XMP), EXIF, and the last-modified time.
PNG_DROPPED = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})


def scrub_png(data: bytes) -> bytes:
    """The PNG without its text, EXIF and time chunks, nor anything after IEND."""
    if not data.startswith(PNG_SIGNATURE):
        raise MalformedImage("not a PNG")
    out, pos = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise MalformedImage(f"chunk {kind!r} runs past the end")
        if kind not in PNG_DROPPED:
            out.append(data[pos:end])
        pos = end
        if kind == b"IEND":
            return b"".join(out)
    raise MalformedImage("no IEND chunk")


_WEBP_DROPPED = {b"EXIF", b"XMP "}
_VP8X_METADATA_FLAGS = 0x08 | 0x04  # "has EXIF", "has XMP"


def scrub_webp(data: bytes) -> bytes:
    """The WebP without its EXIF and XMP chunks (and the VP8X flags that announce them)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise MalformedImage("not a WebP")
    chunks, pos = [], 12
    end_of_riff = min(len(data), 8 + int.from_bytes(data[4:8], "little"))
    while pos + 8 <= end_of_riff:
        kind, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > end_of_riff:
            raise MalformedImage(f"chunk {kind!r} runs past the end")
        chunk = data[pos:end]
        if kind == b"VP8X" and size >= 1:
            chunk = chunk[:8] + bytes([chunk[8] & ~_VP8X_METADATA_FLAGS & 0xFF]) + chunk[9:]
        if kind not in _WEBP_DROPPED:
            chunks.append(chunk)
        pos = end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + len(body).to_bytes(4, "little") + body


# Application extensions a GIF needs to play as drawn: looping (Netscape, AnimExts) and its ICC
# profile. Others (XMP DataXMP, editors' own) are metadata.
_GIF_KEPT_APPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0", b"ICCRGBG1012")


def _gif_blocks_end(data: bytes, pos: int) -> int:
    """Where a run of GIF sub-blocks (size byte, bytes, ..., a zero size) ends."""
    while True:
        if pos >= len(data):
            raise MalformedImage("sub-blocks run past the end")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def _colour_table(packed: int) -> int:
    return 3 * 2 ** ((packed & 7) + 1) if packed & 0x80 else 0


def scrub_gif(data: bytes) -> bytes:
    """The GIF without comment extensions and application extensions other than looping and ICC."""
    if data[:6] not in (b"GIF87a", b"GIF89a") or len(data) < 13:
        raise MalformedImage("not a GIF")
    pos = 13 + _colour_table(data[10])
    out = [data[:pos]]
    for _ in range(MAX_SEGMENTS):
        if pos >= len(data):
            raise MalformedImage("no trailer")
        start, introducer = pos, data[pos]
        if introducer == 0x3B:
            out.append(b"\x3b")
            return b"".join(out)
        if introducer == 0x2C:  # image: descriptor, local colour table, LZW code size, data
            if start + 10 > len(data):
                raise MalformedImage("image descriptor cut short")
            pos = _gif_blocks_end(data, start + 10 + _colour_table(data[start + 9]) + 1)
            out.append(data[start:pos])
        elif introducer == 0x21:
            label = data[start + 1] if start + 1 < len(data) else None
            pos = _gif_blocks_end(data, start + 2)
            app = data[start + 3 : start + 14] if label == 0xFF else None
            if label != 0xFE and (app is None or app in _GIF_KEPT_APPS):
                out.append(data[start:pos])
        else:
            raise MalformedImage(f"unknown block {introducer:02X}")
    raise MalformedImage("too many blocks")


SCRUBBERS = {"jpeg": scrub_jpeg, "png": scrub_png, "webp": scrub_webp, "gif": scrub_gif}


def picture_format(head: bytes) -> str | None:
    """Which of ``SCRUBBERS`` reads a file starting with ``head`` (16 bytes suffice), or None."""
    found = picture_of(head)
    return found if found in SCRUBBERS else None
