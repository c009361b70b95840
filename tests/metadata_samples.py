"""Identifying metadata put into files the way cameras, phones and Office write it, for the scrub tests.

ffmpeg writes audio tags (``-metadata artist=...``) but no EXIF into a JPEG nor text chunks into a
PNG, and neither Pillow nor python-docx is a dependency: the EXIF segment, PNG chunks and the DOCX
package are built here byte by byte, as their specifications lay them out. The PDF is built with
pypdf (the scrubber's own library), saved twice as an editor saves an incremental update."""

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import cast

from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Text
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from services.media.process import run

ARTIST = "ZhangSan-Artist"
AUTHOR = "LiSi-Author"
COMPANY = "Yueyang-No1-School"
# 29°22'N, as a phone near Yueyang writes it: three rationals.
GPS_LATITUDE = ((29, 1), (22, 1), (1234, 100))


def _entry(tag: int, kind: int, count: int, value: bytes) -> bytes:
    return struct.pack(">HHI", tag, kind, count) + value.ljust(4, b"\0")


def exif_tiff(artist: str = ARTIST, orientation: int = 6) -> bytes:
    """A big-endian TIFF block: IFD0 with Orientation, Artist and a GPS IFD with the latitude."""
    artist_bytes = artist.encode() + b"\0"
    ifd0_at, ifd0_entries = 8, 3
    artist_at = ifd0_at + 2 + 12 * ifd0_entries + 4
    gps_at = artist_at + len(artist_bytes) + (len(artist_bytes) & 1)
    latitude_at = gps_at + 2 + 12 * 2 + 4
    ifd0 = struct.pack(">H", ifd0_entries)
    ifd0 += _entry(0x0112, 3, 1, struct.pack(">H", orientation))
    ifd0 += _entry(0x013B, 2, len(artist_bytes), struct.pack(">I", artist_at))
    ifd0 += _entry(0x8825, 4, 1, struct.pack(">I", gps_at)) + b"\0\0\0\0"
    gps = struct.pack(">H", 2) + _entry(1, 2, 2, b"N\0") + _entry(2, 5, 3, struct.pack(">I", latitude_at))
    gps += b"\0\0\0\0" + b"".join(struct.pack(">II", n, d) for n, d in GPS_LATITUDE)
    body = b"MM\0*" + struct.pack(">I", ifd0_at) + ifd0 + artist_bytes.ljust(gps_at - artist_at, b"\0") + gps
    return body


def jpeg_segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def with_camera_metadata(jpeg: bytes, artist: str = ARTIST, orientation: int = 6) -> bytes:
    """The JPEG with EXIF (artist, GPS, orientation), XMP and a comment, as phones and editors leave them."""
    exif = jpeg_segment(0xE1, b"Exif\0\0" + exif_tiff(artist, orientation))
    xmp_body = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{artist}</dc:creator></x:xmpmeta>'
    xmp = jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + xmp_body.encode())
    comment = jpeg_segment(0xFE, f"taken by {artist}".encode())
    return jpeg[:2] + exif + xmp + comment + jpeg[2:]


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def with_text_chunks(png: bytes, author: str = AUTHOR) -> bytes:
    """The PNG with an Author text chunk and an EXIF chunk after its header (IHDR ends at byte 33)."""
    extra = png_chunk(b"tEXt", b"Author\0" + author.encode())
    extra += png_chunk(b"eXIf", exif_tiff(author))
    return png[:33] + extra + png[33:]


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def docx(text: str, author: str = AUTHOR, picture: bytes | None = None) -> bytes:
    """A minimal Word document: one paragraph with a comment and a tracked insertion by ``author``,
    core and app properties naming them and their school, and optionally a picture part."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="jpeg" ContentType="image/jpeg"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/><Override PartName="/word/comments.xml" ContentType="'
        'application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.'
        'core-properties+xml"/></Types>'
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL}">'
        f'<Relationship Id="rId1" Type="{DOC_REL}/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{DOC_REL}/extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    document_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{REL}">'
        f'<Relationship Id="rId1" Type="{DOC_REL}/comments" Target="comments.xml"/>'
        f'<Relationship Id="rId2" Type="{DOC_REL}/image" Target="media/image1.jpeg"/>'
        f'<Relationship Id="rId3" Type="{DOC_REL}/attachedTemplate" '
        f'Target="file:///C:\\Users\\{author}\\Templates\\Normal.dotm" TargetMode="External"/>'
        "</Relationships>"
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body><w:p>'
        f'<w:commentRangeStart w:id="0"/><w:r><w:t>{text}</w:t></w:r><w:commentRangeEnd w:id="0"/>'
        '<w:r><w:commentReference w:id="0"/></w:r>'
        f'<w:ins w:id="1" w:author="{author}" w:date="2024-05-01T08:00:00Z"><w:r><w:t>!</w:t></w:r></w:ins>'
        "</w:p></w:body></w:document>"
    )
    comments = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:comments xmlns:w="{W}"><w:comment w:id="0" '
        f'w:author="{author}" w:initials="LS"><w:p><w:r><w:t>{author} wrote this</w:t></w:r></w:p>'
        "</w:comment></w:comments>"
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
        'package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator>{author}</dc:creator><cp:lastModifiedBy>{author}</cp:lastModifiedBy>"
        "</cp:coreProperties>"
    )
    app = (
        '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/'
        f'officeDocument/2006/extended-properties"><Company>{COMPANY}</Company></Properties>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", document)
        z.writestr("word/_rels/document.xml.rels", document_rels)
        z.writestr("word/comments.xml", comments)
        z.writestr("docProps/core.xml", core)
        z.writestr("docProps/app.xml", app)
        if picture is not None:
            z.writestr("word/media/image1.jpeg", picture)
    return buffer.getvalue()


def docx_text(data: bytes) -> str:
    """The text of a document's paragraphs (its ``w:t`` elements), as a reader sees it."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode()
    return "".join(re.findall(r"<w:t>([^<]*)</w:t>", xml))


PAGE_TEXT = b"BT /F1 24 Tf 72 720 Td (Lesson plan: Yueyang Tower) Tj ET"
FIELD_NAME = "school_name"


def pdf(author: str = AUTHOR) -> bytes:
    """A one-page PDF naming ``author`` everywhere a PDF can: Info, XMP on the catalog and the page,
    a sticky note's author, an attached file; with a form field (whose /T is its name and stays) and
    an incremental update whose Info no longer names the author (the first revision still does)."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    content = StreamObject()
    content.set_data(PAGE_TEXT)
    page[NameObject("/Contents")] = writer._add_object(content)
    writer.add_metadata({"/Author": author, "/Creator": f"WPS ({COMPANY})", "/Title": "Lesson"})
    xmp = StreamObject()
    packet = f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>{author}</dc:creator></x:xmpmeta>'
    xmp.set_data(packet.encode())
    xmp.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    page[NameObject("/Metadata")] = writer._add_object(xmp.clone(writer))
    page[NameObject("/PieceInfo")] = DictionaryObject({NameObject("/Illustrator"): TextStringObject(author)})
    note = writer.add_annotation(0, Text(rect=(50, 550, 200, 650), text="see p.2", open=False))
    note[NameObject("/T")] = TextStringObject(author)
    field = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject(FIELD_NAME),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (50, 500, 200, 520)]),
        }
    )
    field_ref = writer._add_object(field)
    cast(ArrayObject, page["/Annots"]).append(field_ref)
    form = DictionaryObject({NameObject("/Fields"): ArrayObject([field_ref])})
    writer.root_object[NameObject("/AcroForm")] = form
    writer.add_attachment("notes.txt", f"drafted by {author}".encode())
    first = io.BytesIO()
    writer.write(first)
    update = PdfWriter(PdfReader(io.BytesIO(first.getvalue())), incremental=True)
    update.add_metadata({"/Author": "", "/Title": "Lesson, final"})
    final = io.BytesIO()
    update.write(final)
    return final.getvalue()


async def pixels(path: Path) -> bytes:
    """A picture's decoded pixels (RGB), as a browser draws them: equal pixels, the same picture."""
    out = path.with_name(path.name + ".rgb")
    argv = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", str(path)]
    done = await run([*argv, "-f", "rawvideo", "-pix_fmt", "rgb24", str(out)], 60)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()
