"""Office files (DOCX, PPTX, XLSX) without who wrote them: the ZIP rewritten entry by entry. Pure.

What names a person in an Office file, and what happens to it here:
- ``docProps/core.xml`` (creator, lastModifiedBy, title, dates), ``docProps/app.xml`` (Company,
  Manager, template) and ``docProps/custom.xml``: replaced by empty property sets (kept as parts,
  so the package's relationships stay whole);
- comments and their authors (Word ``comments*.xml``/``people.xml``, PowerPoint ``comments``/
  ``commentAuthors``/``authors``, Excel ``comments``/``threadedComments``/``persons``) and the
  document thumbnail: removed, with their relationships and content-type entries and Word's
  comment anchors in the text;
- ``author``/``initials`` attributes anywhere else (tracked changes ``w:ins w:author=...``): emptied;
- external relationships to local files (a template at ``C:\\Users\\<name>\\...``): emptied;
- pictures inside (``*/media/``): rewritten like uploaded pictures (image_scrub.py): a phone photo
  pasted into a lesson plan carries its GPS position.
The XML is edited as bytes with narrow patterns, never parsed and re-serialised: Word refuses a part
whose namespace prefixes a serialiser renamed (``mc:Ignorable`` names prefixes by text).

Bounded like the validator's reads of the same files: the ZIP's declared sizes are checked before
anything is inflated, and an entry never yields more than its declared size.
"""

import posixpath
import re
import shutil
import zipfile
from pathlib import Path

from services.media.image_scrub import SCRUBBERS, MalformedImage, picture_format

MAX_ENTRIES = 10_000
MAX_PART_BYTES = 100 * 1024 * 1024  # declared uncompressed size of one part that is edited in memory
MAX_TOTAL_BYTES = 2 * 1024**3  # declared uncompressed size of the whole file
_EPOCH = (1980, 1, 1, 0, 0, 0)  # entry times say when and in which time zone someone worked

EMPTY_PARTS = {
    "docProps/core.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/"/>',
    "docProps/app.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>',
    "docProps/custom.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>',
}
_DROPPED = re.compile(
    r"^(word/(comments[A-Za-z]*\.xml|people\.xml)"
    r"|ppt/(comments/.*|commentAuthors\.xml|authors\.xml)"
    r"|xl/(comments\d*\.xml|threadedComments/.*|persons/.*)"
    r"|docProps/thumbnail\.[A-Za-z]+)$"
)
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*?(?:/>|>\s*</Relationship>)")
_OVERRIDE = re.compile(rb"<Override\b[^>]*?/>")
_ATTR = re.compile(rb'\b(Target|TargetMode|PartName)="([^"]*)"')
_COMMENT_ANCHOR = re.compile(rb"<(?:\w+:)?comment(?:RangeStart|RangeEnd|Reference)\b[^>]*/>")
# Inside a start tag only: a cell or paragraph may hold the text author="..." (quotes need no escaping
# in XML text, "<" does, so text never matches a tag).
_TAG_NAMING_PERSON = re.compile(rb'<[A-Za-z][^<>]*\s(?:\w+:)?(?:author|initials)="[^<>]*>')
_PERSON_ATTR = re.compile(rb'(\s(?:\w+:)?(?:author|initials))="[^"]*"')
_LOCAL_FILE = re.compile(rb"^(file:|[A-Za-z]:[\\/]|\\\\)", re.IGNORECASE)


class MalformedPackage(Exception):
    """The ZIP is too large, too many-parted, or not readable as a ZIP."""


def _attrs(element: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(2) for m in _ATTR.finditer(element)}


def _rels_source_dir(rels_name: str) -> str:
    """``word/_rels/document.xml.rels`` describes ``word/document.xml``: targets are relative to ``word``."""
    return posixpath.dirname(posixpath.dirname(rels_name))


def clean_relationships(rels_name: str, xml: bytes, dropped: set[str]) -> bytes:
    """The relationships part without those pointing at dropped parts or at local files."""
    base = _rels_source_dir(rels_name)

    def edit(match: re.Match[bytes]) -> bytes:
        element = match.group(0)
        attrs = _attrs(element)
        target = attrs.get(b"Target", b"")
        if attrs.get(b"TargetMode") == b"External":
            if _LOCAL_FILE.match(target):
                return element.replace(b'Target="' + target + b'"', b'Target=""')
            return element
        text = target.decode(errors="replace")
        part = text.lstrip("/") if text.startswith("/") else posixpath.normpath(posixpath.join(base, text))
        return b"" if part in dropped else element

    return _RELATIONSHIP.sub(edit, xml)


def clean_content_types(xml: bytes, dropped: set[str]) -> bytes:
    def edit(match: re.Match[bytes]) -> bytes:
        part = _attrs(match.group(0)).get(b"PartName", b"").decode(errors="replace").lstrip("/")
        return b"" if part in dropped else match.group(0)

    return _OVERRIDE.sub(edit, xml)


def clean_xml_part(name: str, xml: bytes) -> bytes:
    """A content part with its people's names emptied (and Word's comment anchors removed)."""
    if name.startswith("word/"):
        xml = _COMMENT_ANCHOR.sub(b"", xml)
    return _TAG_NAMING_PERSON.sub(lambda tag: _PERSON_ATTR.sub(rb'\1=""', tag.group(0)), xml)


def clean_picture(data: bytes) -> bytes:
    fmt = picture_format(data[:16])
    if fmt is None:
        return data
    try:
        return SCRUBBERS[fmt](data)
    except MalformedImage:
        return data  # Office shows a broken picture as a box; the rest of the file is still the work


def _edited(name: str, data: bytes, dropped: set[str]) -> bytes:
    if name in EMPTY_PARTS:
        return EMPTY_PARTS[name]
    if name == "[Content_Types].xml":
        return clean_content_types(data, dropped)
    if name.endswith(".rels"):
        return clean_relationships(name, data, dropped)
    if "/media/" in name:
        return clean_picture(data)
    if name.endswith(".xml"):
        return clean_xml_part(name, data)
    return data


def _checked_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise MalformedPackage(f"{len(entries)} entries")
    if sum(e.file_size for e in entries) > MAX_TOTAL_BYTES:
        raise MalformedPackage("declared size over the limit")
    return entries


def scrub_ooxml(source: Path, target: Path) -> list[str]:
    """Write ``source`` without its people's names to ``target``; returns the parts removed."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise MalformedPackage(str(exc)) from exc
    with archive, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        entries = _checked_entries(archive)
        dropped = {e.filename for e in entries if _DROPPED.match(e.filename)}
        written: set[str] = set()
        for entry in entries:
            name = entry.filename
            if name in dropped or name in written or entry.is_dir():
                continue
            written.add(name)
            info = zipfile.ZipInfo(name, _EPOCH)
            info.compress_type = zipfile.ZIP_STORED if entry.compress_type == 0 else zipfile.ZIP_DEFLATED
            edits = name in EMPTY_PARTS or name.endswith((".xml", ".rels")) or "/media/" in name
            if edits and entry.file_size > MAX_PART_BYTES:
                raise MalformedPackage(f"{name} is too large to edit")
            with archive.open(entry) as part:
                if edits:
                    out.writestr(info, _edited(name, part.read(), dropped))
                else:
                    with out.open(info, "w", force_zip64=entry.file_size >= 1 << 31) as copy:
                        shutil.copyfileobj(part, copy, 1024 * 1024)
    return sorted(dropped)
