"""Legacy Office files, TIFFs and HEICs naming their makers the way Office, scanners and phones do.

The compound files are laid out by ``tests.compound_file`` with property sets built here as [MS-OLEPS]
lays them out; the Word, Excel and PowerPoint streams inside hold only the records the scrubber
reads (the FIB's first bytes, BIFF records, the CurrentUserAtom) around some text. TIFFs are
written by Pillow with every tag a scanner or an editor sets, HEICs by pillow-heif with EXIF and XMP.
"""

import io
import struct
import uuid

import pillow_heif
from PIL import Image, ImageCms, TiffImagePlugin

from tests.compound_file import compound_file
from tests.metadata_samples import ARTIST, AUTHOR, COMPANY

SUMMARY_ID = uuid.UUID("f29f85e0-4ff9-1068-ab91-08002b27b3d9")
DOCUMENT_SUMMARY_ID = uuid.UUID("d5cdd502-2e9c-101b-9397-08002b2cf9ae")
CUSTOM_ID = uuid.UUID("d5cdd505-2e9c-101b-9397-08002b2cf9ae")
# PIDSI_TITLE, AUTHOR, COMMENTS, TEMPLATE, LASTAUTHOR; PIDDSI_MANAGER, COMPANY.
SUMMARY = {
    2: "Lesson plan",
    4: AUTHOR,
    6: f"checked by {ARTIST}",
    7: f"C:\\Users\\{AUTHOR}\\Normal.dot",
    8: AUTHOR,
}
DOCUMENT_SUMMARY = {14: ARTIST, 15: COMPANY}
TEXT = "岳阳楼记教学设计"
OLD_SAVE = f"an earlier save by {AUTHOR}".encode()


def _section(properties: dict[int, str]) -> bytes:
    values = [struct.pack("<HHh2x", 2, 0, 936)]  # CodePage: GBK, as Chinese Windows writes it
    for text in properties.values():
        encoded = text.encode("gbk") + b"\0"
        values.append(
            struct.pack("<HHI", 0x1E, 0, len(encoded)) + encoded.ljust(-(-len(encoded) // 4) * 4, b"\0")
        )
    ids = [1, *properties]
    offset, table = 8 + 8 * len(ids), b""
    for pid, value in zip(ids, values, strict=True):
        table += struct.pack("<II", pid, offset)
        offset += len(value)
    return struct.pack("<II", offset, len(ids)) + table + b"".join(values)


def property_set(*sections: tuple[uuid.UUID, dict[int, str]]) -> bytes:
    """A property set stream: header, one (FMTID, offset) per section, then the sections."""
    header = struct.pack("<HHI", 0xFFFE, 0, 0x00020006) + bytes(16) + struct.pack("<I", len(sections))
    offset, table, bodies = 28 + 20 * len(sections), b"", b""
    for fmtid, properties in sections:
        body = _section(properties)
        table += fmtid.bytes_le + struct.pack("<I", offset + len(bodies))
        bodies += body
    return header + table + bodies


def _properties() -> dict[str, bytes]:
    return {
        "\x05SummaryInformation": property_set((SUMMARY_ID, SUMMARY)),
        "\x05DocumentSummaryInformation": property_set(
            (DOCUMENT_SUMMARY_ID, DOCUMENT_SUMMARY), (CUSTOM_ID, {2: f"reviewed for {COMPANY}"})
        ),
    }


def _xst(text: str) -> bytes:
    return struct.pack("<H", len(text)) + text.encode("utf-16-le")


def _sttb(*texts: str) -> bytes:
    """An extended (UTF-16) string table without extra data ([MS-DOC] 2.2.4)."""
    return struct.pack("<HHH", 0xFFFF, len(texts), 0) + b"".join(_xst(text) for text in texts)


def word_document(flags: int = 0, extra: dict[str, bytes] | None = None) -> bytes:
    """A DOC: a FIB pointing into its table stream at the comment authors, the tracked-change
    authors and the last savers with their paths; the text; properties naming its author and
    school; an embedded object with properties of its own; an earlier save left in a free sector."""
    lists = {
        288: _xst(AUTHOR) + _xst(ARTIST),  # GrpXstAtnOwners
        408: _sttb(ARTIST),  # SttbfRMark
        568: _sttb(AUTHOR, f"C:\\Users\\{AUTHOR}\\lesson.doc"),  # SttbSavedBy
    }
    table, blob = bytearray(b"\0" * 64), bytearray(93 * 8)  # FibRgFcLcb97: 93 pairs
    for at, data in lists.items():
        blob[at : at + 8] = struct.pack("<II", len(table), len(data))
        table += data
    base = struct.pack("<HHHHHH", 0xA5EC, 0xC1, 0, 0x0409, 0, 0x0200 | flags).ljust(32, b"\0")  # 1Table
    fib = base + struct.pack("<H", 14) + bytes(28) + struct.pack("<H", 22) + bytes(88)
    fib += struct.pack("<H", 93) + bytes(blob) + struct.pack("<H", 0)
    word = (fib + TEXT.encode("utf-16-le")).ljust(5000, b"\0")  # over 4096: sectors of its own
    streams = {"WordDocument": word, "1Table": bytes(table).ljust(600, b"\0"), **_properties()}
    streams["ObjectPool/_1234/\x05SummaryInformation"] = property_set((SUMMARY_ID, {4: AUTHOR}))
    return compound_file({**streams, **(extra or {})}, leftover=OLD_SAVE)


def _biff(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _xl_string(text: str) -> bytes:
    return struct.pack("<HB", len(text), 1) + text.encode("utf-16-le")


def workbook(encrypted: bool = False) -> bytes:
    """An XLS: globals with the saver's user name (WRITEACCESS, padded to 112 bytes), a sheet with a
    cell note by the author, and the properties."""
    bof = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0, 1997, 0, 0))
    globals_ = bof + (_biff(0x002F, bytes(54)) if encrypted else b"")
    globals_ += _biff(0x005C, _xl_string(ARTIST).ljust(112, b" ")) + _biff(0x000A, b"")
    sheet = _biff(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0, 1997, 0, 0))
    sheet += _biff(0x001C, struct.pack("<HHHH", 0, 0, 0, 1) + _xl_string(AUTHOR) + b"\0") + _biff(0x000A, b"")
    return compound_file({"Workbook": globals_ + sheet, **_properties()})


def presentation(token: int = 0xE391C05F) -> bytes:
    """A PPT: the CurrentUserAtom naming who had it open (ANSI and UTF-16), and the properties."""
    name = ARTIST
    atom = struct.pack("<IIIHHBBH", 0x14, token, 0, len(name), 0x03F4, 3, 0, 0) + name.encode()
    atom += struct.pack("<I", 8) + name.encode("utf-16-le")
    current = struct.pack("<HHI", 0, 0x0FF6, len(atom)) + atom
    slides = TEXT.encode("utf-16-le").ljust(300, b"\0")
    return compound_file({"Current User": current, "PowerPoint Document": slides, **_properties()})


TIFF_TAGS = {
    315: ARTIST,  # Artist
    33432: f"(c) {AUTHOR}",  # Copyright
    270: f"scanned for {COMPANY}",  # ImageDescription
    271: "Canon",  # Make
    272: f"LiDE-{AUTHOR}",  # Model
    305: f"Photoshop ({AUTHOR})",  # Software
    306: "2024:01:01 10:00:00",  # DateTime
    316: f"{AUTHOR}-PC",  # HostComputer
    269: f"{AUTHOR}.tif",  # DocumentName
}


def srgb_profile() -> bytes:
    profile: bytes = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return profile


def tiff(picture: Image.Image, pages: int = 2) -> bytes:
    """A TIFF of ``pages`` pages with the tags above, EXIF and GPS IFDs, XMP, IPTC and an ICC profile."""
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    for tag, value in TIFF_TAGS.items():
        tags[tag] = value
    tags[700] = f"<x:xmpmeta><dc:creator>{AUTHOR}</dc:creator></x:xmpmeta>".encode()  # XMP
    tags[33723] = b"\x1c\x02\x50" + struct.pack(">H", len(AUTHOR)) + AUTHOR.encode()  # IPTC byline
    tags[34665] = {0x9003: "2024:01:01 10:00:00", 0xA430: AUTHOR}  # EXIF: time, camera owner
    tags[34853] = {1: "N", 2: (29.0, 22.0, 12.34)}  # GPS: near Yueyang
    out = io.BytesIO()
    more = [picture.rotate(90 * k) for k in range(1, pages)]
    # Pillow writes nested IFDs only uncompressed (its own writer, not libtiff's).
    picture.save(out, "TIFF", tiffinfo=tags, compression="raw", icc_profile=srgb_profile(), dpi=(300, 300),
                 save_all=pages > 1, append_images=more)  # fmt: skip
    return out.getvalue()


def heic(picture: Image.Image) -> bytes:
    """A HEIC photo with EXIF (artist, GPS) and XMP (creator), as a phone saves it."""
    pillow_heif.register_heif_opener()
    exif = Image.Exif()
    exif[0x013B] = ARTIST
    exif[0x8825] = {1: "N", 2: (29.0, 22.0, 12.34)}
    xmp = f"<x:xmpmeta><dc:creator>{AUTHOR}</dc:creator></x:xmpmeta>".encode()
    out = io.BytesIO()
    picture.save(out, "HEIF", exif=exif.tobytes(), xmp=xmp, quality=90)
    return out.getvalue()


def heic_declaring(width: int, height: int) -> bytes:
    """A small HEIC whose image spatial extents (``ispe``) declare ``width`` x ``height``: a reader
    learns the size before decoding, as from a real photo of that size."""
    data = heic(Image.new("RGB", (64, 64)))
    at = data.index(b"ispe") + 8  # after the box type, version and flags
    return data[:at] + struct.pack(">II", width, height) + data[at + 8 :]
