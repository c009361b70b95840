"""What a file is, by its first bytes, never its name: the one table the scrubbers (``scrub.sniff``,
``image_scrub.picture_format``) and the validator's picture checks (``validator.imageinfo``) read.

A format's name here is the name both sides use: a picture (jpeg, png, gif, webp, bmp, tiff, heic)
or a document container (ooxml: any ZIP, so DOCX, XLSX and PPTX; pdf; ole: a compound file, so DOC,
XLS and PPT, and an encrypted OOXML file). ``HEAD_BYTES`` of a file suffice to tell them apart.
"""

HEAD_BYTES = 16
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Leading bytes of each format; RIFF (WebP) and ISO base media (HEIC) are told by bytes further in.
_LEADING: dict[bytes, str] = {
    b"\xff\xd8\xff": "jpeg",
    b"\x89PNG\r\n\x1a\n": "png",
    b"GIF87a": "gif",
    b"GIF89a": "gif",
    b"BM": "bmp",
    b"II*\x00": "tiff",
    b"MM\x00*": "tiff",
    b"II+\x00": "tiff",  # BigTIFF
    b"MM\x00+": "tiff",
    b"PK\x03\x04": "ooxml",
    b"%PDF": "pdf",
    OLE_MAGIC: "ole",
}
PICTURES = frozenset({"jpeg", "png", "gif", "webp", "bmp", "tiff", "heic"})
# ISO base media brands of HEIF stills and sequences (HEVC-coded: "mif1" is the generic image brand).
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"mif1", b"heif", b"msf1", b"hevc", b"hevx"})


def format_of(head: bytes) -> str | None:
    """The format of a file starting with ``head`` (``HEAD_BYTES`` suffice), or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    return next((fmt for magic, fmt in _LEADING.items() if head.startswith(magic)), None)


def picture_of(head: bytes) -> str | None:
    """The picture format of a file starting with ``head``, or None (a document or unknown)."""
    found = format_of(head)
    return found if found in PICTURES else None
