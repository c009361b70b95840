"""Courseware and forms (PDF, PPT, PPTX, DOC/DOCX, images): the real format, readable, page count. Pure.

No new dependency; each format is read as lightly as it allows:
- PDF: ``%PDF-`` at the start, ``%%EOF`` near the end (a cut upload has
  none). Pages: the ``/Count`` of the page tree root (the largest ``/Count``
  of a ``/Type /Pages`` object), else the number of ``/Type /Page`` objects,
  searched in the file and in its compressed object streams (PDF 1.5+ keeps
  the page objects there). ``/Encrypt`` is a warning: reviewers may be
  unable to open or print it.
- PPTX/DOCX/XLSX: a ZIP whose central directory reads (a cut file has none)
  with the parts its format requires; slides are ``ppt/slides/slideN.xml``.
- PPT/DOC/XLS: an OLE2 compound file (``D0CF11E0``) holding a stream named
  "PowerPoint Document" (or "WordDocument", "Workbook"); a file cut short is
  not a whole number of sectors. A PPT's slide count needs a real parser: it
  is not measured, and a page limit is not applied to PPT.
- Images: ``imageinfo``.
Files are mapped (mmap), not read, so a 300 MB deck costs no memory.
"""

import mmap
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from services.validator.imageinfo import image_info, sniff_image

MAX_INFLATE = 32 * 1024 * 1024  # per PDF object stream; a bomb stops here
MAX_OBJECT_STREAMS = 2000
MAX_ZIP_TOTAL = 2 * 1024**3  # declared uncompressed size of an Office file
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_STREAMS = {"ppt": "PowerPoint Document", "doc": "WordDocument", "xls": "Workbook"}
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_PAGES_COUNT = re.compile(
    rb"/Type\s*/Pages(?![A-Za-z])[^>]{0,400}?/Count\s+(\d+)|/Count\s+(\d+)[^>]{0,400}?/Type\s*/Pages(?![A-Za-z])"
)
_OBJSTM = re.compile(rb"/Type\s*/ObjStm(?![A-Za-z])[^>]{0,400}?>>\s*stream\r?\n", re.S)
_OFFICE_PARTS = {"pptx": "ppt/presentation.xml", "docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
_SLIDE = re.compile(r"^ppt/slides/slide\d+\.xml$")


@dataclass(frozen=True)
class DocumentInfo:
    format: str | None  # pdf, pptx, ppt, docx, doc, xlsx, xls, jpeg, png, ... or None: unknown
    readable: bool = True
    reason_zh: str = ""
    reason_en: str = ""
    pages: int | None = None
    encrypted: bool = False


def _broken(fmt: str, zh: str, en: str) -> DocumentInfo:
    return DocumentInfo(fmt, readable=False, reason_zh=zh, reason_en=en)


_CUT = ("文件不完整（可能上传中断）", "the file is incomplete (perhaps an interrupted upload)")


def _pdf(data: mmap.mmap) -> DocumentInfo:
    if data.find(b"%%EOF", max(0, len(data) - 4096)) < 0:
        return _broken("pdf", *_CUT)
    encrypted = re.search(rb"/Encrypt\s", data) is not None
    counts = [int(m.group(1) or m.group(2)) for m in _PAGES_COUNT.finditer(data)]
    pages = len(_PAGE.findall(data))
    for n, m in enumerate(_OBJSTM.finditer(data)):
        if n >= MAX_OBJECT_STREAMS:
            break
        end = data.find(b"endstream", m.end())
        if end < 0:
            continue
        try:
            inflated = zlib.decompressobj().decompress(data[m.end() : end], MAX_INFLATE)
        except zlib.error:
            continue  # another filter, or damaged: the other streams still count
        counts += [int(c.group(1) or c.group(2)) for c in _PAGES_COUNT.finditer(inflated)]
        pages += len(_PAGE.findall(inflated))
    total = max(counts) if counts else pages
    if total == 0 and not encrypted:
        return _broken("pdf", "未找到任何页面，文件可能已损坏", "no page was found; the file may be damaged")
    return DocumentInfo("pdf", pages=total or None, encrypted=encrypted)


def _guess_office(path: Path) -> str:
    """A ZIP without its central directory (cut short) still names its parts in the local headers."""
    with path.open("rb") as f:
        head = f.read(1 << 20)
    return next(
        (fmt for fmt, part in _OFFICE_PARTS.items() if part.split("/")[0].encode() + b"/" in head), "zip"
    )


def _office_zip(path: Path) -> DocumentInfo:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            declared = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return _broken(_guess_office(path), *_CUT)
    fmt = next((f for f, part in _OFFICE_PARTS.items() if part in names), "zip")
    if declared > MAX_ZIP_TOTAL:
        return _broken(fmt, "文件解压后过大，无法检查", "the file unpacks to an implausible size")
    if fmt != "zip" and "[Content_Types].xml" not in names:
        return _broken(fmt, "缺少必需的文件结构，可能已损坏", "required parts are missing; it may be damaged")
    pages = sum(1 for n in names if _SLIDE.match(n)) if fmt == "pptx" else None
    if fmt == "pptx" and not pages:
        return _broken(fmt, "演示文稿中没有幻灯片", "the presentation has no slides")
    return DocumentInfo(fmt, pages=pages)


def _ole(data: mmap.mmap) -> DocumentInfo:
    names = {fmt: stream.encode("utf-16-le") for fmt, stream in _OLE_STREAMS.items()}
    fmt = next((f for f, encoded in names.items() if data.find(encoded) >= 0), "ole")
    if len(data) < 512:
        return _broken(fmt, *_CUT)
    sector = 1 << int.from_bytes(data[30:32], "little")
    if sector not in (512, 4096):
        return _broken(fmt, "文件头已损坏", "the file header is damaged")
    # Sector i starts at (i + 1) * sector: the directory and the FAT sectors the header lists must exist.
    in_file = len(data) // sector - 1
    fat_sectors = min(int.from_bytes(data[44:48], "little"), 109)
    listed = [int.from_bytes(data[76 + 4 * i : 80 + 4 * i], "little") for i in range(fat_sectors)]
    if any(i >= in_file for i in [int.from_bytes(data[48:52], "little"), *listed]):
        return _broken(fmt, *_CUT)
    return DocumentInfo(fmt)


def inspect_document(path: Path) -> DocumentInfo:
    """The real format of ``path`` and whether it reads; ``path`` is not empty (the caller checks)."""
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        head = data[:1024]
        if b"%PDF-" in head:
            return _pdf(data)
        if head.startswith(_OLE):
            return _ole(data)
        if head.startswith(b"PK\x03\x04"):
            return _office_zip(path)
        image = sniff_image(head[:32])
        if image is not None:
            info = image_info(data[:])
            if info is None or not info.complete or info.width is None:
                return _broken(image, "图片不完整或已损坏", "the image is incomplete or damaged")
            return DocumentInfo(image, pages=1)
    return DocumentInfo(None, readable=False)
