"""Small valid files written by hand: PDF, PPTX/DOCX, an OLE2 (PPT) shell, PNG and JPEG headers."""

import io
import struct
import zipfile
import zlib
from xml.sax.saxutils import escape


def pdf(pages: int, compressed: bool = False, encrypted: bool = False) -> bytes:
    """A PDF with ``pages`` empty pages; ``compressed`` keeps the page tree in a FlateDecode object stream."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    tree = [f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>"]
    tree += ["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>" for _ in range(pages)]
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = [out.tell()]
    out.write(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
    if compressed:
        numbers, body = [], b""
        for n, text in enumerate(tree, start=2):
            numbers.append(f"{n} {len(body)}")
            body += text.encode() + b"\n"
        header = (" ".join(numbers) + "\n").encode()
        data = zlib.compress(header + body)
        offsets.append(out.tell())
        out.write(
            f"2 0 obj\n<< /Type /ObjStm /N {len(tree)} /First {len(header)} /Filter /FlateDecode "
            f"/Length {len(data)} >>\nstream\n".encode()
            + data
            + b"\nendstream\nendobj\n"
        )
    else:
        for n, text in enumerate(tree, start=2):
            offsets.append(out.tell())
            out.write(f"{n} 0 obj\n{text}\nendobj\n".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
    encrypt = " /Encrypt 9 0 R" if encrypted else ""
    out.write(
        f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R{encrypt} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def office(kind: str, slides: int = 2) -> bytes:
    """A minimal OOXML package: pptx (with ``slides`` slides), docx or xlsx."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="urn:x"/>')
        if kind == "pptx":
            z.writestr("ppt/presentation.xml", "<p:presentation/>")
            for n in range(1, slides + 1):
                z.writestr(f"ppt/slides/slide{n}.xml", "<p:sld/>")
        elif kind == "docx":
            z.writestr("word/document.xml", "<w:document/>")
        else:
            z.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


def docx(paragraphs: list[str]) -> bytes:
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{p}</w:t></w:r></w:p>' for p in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f"<w:document><w:body>{body}</w:body></w:document>")
    return out.getvalue()


def ole(stream: str = "PowerPoint Document") -> bytes:
    """An OLE2 compound file: header, one FAT sector, one directory sector naming ``stream``."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HH", header, 0x1A, 0x3E, 3)  # minor, major version 3
    struct.pack_into("<HH", header, 0x1C, 0xFFFE, 9)  # byte order, 512-byte sectors
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 0x4C, 0)  # the FAT is sector 0
    fat = struct.pack("<4I", 0xFFFFFFFD, 0xFFFFFFFE, 0xFFFFFFFE, 0xFFFFFFFE) + b"\xff" * 496
    directory = bytearray(512)
    root = "Root Entry".encode("utf-16-le")
    directory[0 : len(root)] = root
    entry = stream.encode("utf-16-le")
    directory[128 : 128 + len(entry)] = entry
    return bytes(header) + fat + bytes(directory)


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int) -> bytes:
    """SOI, an APP0 segment, a baseline SOF0 with the size, EOI: enough for a header reader."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\x00" * 64 + b"\xff\xd9"


def xlsx(rows: list[list[str]], dimension: str | None = None, last_row: int | None = None) -> bytes:
    """An XLSX written by hand (inline strings), with the sheet's ``<dimension ref=...>`` as given.

    Excel and openpyxl trust the dimension; a hostile file declares a million rows it does not have.
    ``last_row``: the last of ``rows`` is placed at that row number, far below the others."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    cells = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            for c, v in enumerate(row)
        )
        + "</row>"
        for r, row in zip([*range(1, len(rows)), last_row or len(rows)], rows, strict=True)
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
        'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{_PKG_RELS}"><Relationship Id="rId1" '
        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}"><sheets>'
        '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{_PKG_RELS}">'
        f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0"?><worksheet {ns}>{declared}'
        f"<sheetData>{cells}</sheetData></worksheet>",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
