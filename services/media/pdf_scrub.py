"""A PDF without who made it: the Info dictionary, XMP streams, application data, markup authors
and attached files go; pages, fonts, pictures, links and form fields stay as they were.

The file is read with pypdf and written again as one revision holding only what the document
reaches, so the earlier revisions of an incrementally updated file (which keep the metadata as it
was before the last save) and objects nothing points to are left behind. Runs only in the bounded
child of ``services.media.scrub`` (RLIMIT_AS, CPU, wall clock): a hostile PDF costs that child.
"""

from pathlib import Path

from pypdf import PasswordType, PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    TextStringObject,
)

# Per-object private data: XMP packets (on the catalog, pages, pictures, fonts) and the
# authoring application's own dictionaries (Illustrator and InDesign keep file paths there).
PRIVATE_KEYS = ("/Metadata", "/PieceInfo")
# Markup annotations carry their author in /T (PDF 32000 12.5.6.2). Form fields use /T for the
# field's name, which a form needs: only these subtypes lose it.
MARKUP = frozenset({
    "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight",
    "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink", "/FileAttachment", "/Sound",
    "/Redact",
})  # fmt: skip


class EncryptedPdf(Exception):
    """The PDF needs a password to be read: it cannot be rewritten (nor reviewed)."""


def scrub_pdf(source: Path, target: Path) -> list[str]:
    """Write ``source`` to ``target`` without its identifying metadata; the kinds of parts removed."""
    reader = PdfReader(source, strict=False)
    # Many exported PDFs are "encrypted" with an empty password only to set permissions.
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise EncryptedPdf("the PDF is protected by a password")
    writer = PdfWriter(clone_from=reader)
    removed: set[str] = set()
    if writer.metadata:
        removed.add("info")
    writer.metadata = None
    names = writer.root_object.get("/Names")
    names = names.get_object() if names is not None else None
    if isinstance(names, DictionaryObject) and "/EmbeddedFiles" in names:
        del names[NameObject("/EmbeddedFiles")]
        removed.add("embedded files")
    for key in ("/AF", "/Collection"):  # associated files and portfolios point at attachments too
        if key in writer.root_object:
            del writer.root_object[NameObject(key)]
            removed.add("embedded files")
    seen: set[int] = set()
    _clean(writer.root_object, removed, seen)
    for page in writer.pages:
        _clean(page, removed, seen)
    # What was cut off (the old Info, old XMP streams, attachments) is not written. pypdf drops
    # the objects nothing points to, one level per pass: repeat until nothing more goes.
    live = -1
    while live != (live := sum(o is not None for o in writer._objects)):
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    with target.open("wb") as out:
        writer.write(out)
    return sorted(removed)


def _clean(node: PdfObject, removed: set[str], seen: set[int]) -> None:
    """Walk the object graph from ``node`` once, removing private keys and markup authors."""
    stack: list[PdfObject | None] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            item = item.get_object()
        if isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, DictionaryObject):  # stream objects are dictionaries too
            _clean_dictionary(item, removed)
            stack.extend(value for key, value in item.items() if key not in ("/Parent", "/P"))


def _clean_dictionary(item: DictionaryObject, removed: set[str]) -> None:
    for key in PRIVATE_KEYS:
        if key in item:
            del item[NameObject(key)]
            removed.add("xmp" if key == "/Metadata" else "application data")
    if item.get("/Subtype") in MARKUP and item.get("/T"):
        item[NameObject("/T")] = TextStringObject("")
        removed.add("annotation authors")
    if item.get("/Subtype") == "/FileAttachment" and "/FS" in item:
        del item[NameObject("/FS")]
        removed.add("embedded files")
