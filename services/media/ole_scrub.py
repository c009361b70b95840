"""Legacy Office files (DOC, XLS, PPT: OLE2 compound files) without who wrote them, edited in place.

A compound file is a small file system: sectors, a FAT chaining them, a directory of streams. The
copy is edited where the names are, byte for byte the same size (each stream written over its own
sectors), so every other stream, and so the document, is exactly as uploaded:
- ``\\x05SummaryInformation`` (author, last saved by, title, subject, keywords, comments, template,
  times, thumbnail) and ``\\x05DocumentSummaryInformation`` (company, manager, category, and the
  user-defined custom properties in its second section), wherever they are in the tree (an
  embedded chart has its own): replaced by an empty property set of their kind, padded with zeros;
- Word's lists of names in its table stream (comment authors, tracked-change authors, the last
  authors and the paths they saved to, the template's path); the Windows user name Excel writes
  on every save (``WRITEACCESS``) and the authors of its cell notes (``NOTE``); the user name in
  PowerPoint's ``Current User`` stream: blanked to spaces, lengths kept (office_records.py);
- the directory's creation and modification times of every storage and stream: zeroed;
- free sectors and free mini sectors (Word's fast save and every editor leave earlier versions of
  streams, property sets included, in sectors no chain reaches): zeroed.

Refused (``UnsafeCompoundFile``: the job fails closed, docs/decisions/0037-legacy-metadata.md):
a password-protected file (its streams cannot be read, an encrypted DOCX is a compound file too),
and one holding a VBA project: its module sources and references carry paths and names, olefile
cannot remove a storage, and a zeroed project makes Office report a damaged file.

Runs only in the bounded child of ``services.media.scrub``; a compound file whose structure olefile
cannot walk raises ``MalformedCompoundFile``.
"""

import shutil
import struct
import uuid
from pathlib import Path

import olefile

from services.media.office_records import (
    blank_current_user,
    blank_word_names,
    blank_workbook_names,
    current_user_encrypted,
    word_name_lists,
    word_table_stream,
    workbook_encrypted,
)
from services.media.ooxml_scrub import MAX_PART_BYTES

SUMMARY = "\x05SummaryInformation"
DOCUMENT_SUMMARY = "\x05DocumentSummaryInformation"
_FMTIDS = {
    SUMMARY: uuid.UUID("f29f85e0-4ff9-1068-ab91-08002b27b3d9"),
    DOCUMENT_SUMMARY: uuid.UUID("d5cdd502-2e9c-101b-9397-08002b2cf9ae"),
}
_ENCRYPTED_STREAMS = {"EncryptionInfo", "EncryptedPackage", "EncryptedSummary"}
_MACRO_STORAGES = {"Macros", "_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA"}
_WORKBOOKS = {"Workbook", "Book"}
_WORD_ENCRYPTED_FLAG = 0x0100  # FibBase.fEncrypted ([MS-DOC] 2.5.2)
_DIRENTRY_SIZE, _TIMES_AT = 128, 100  # creation and modification FILETIMEs: 16 bytes at offset 100


class MalformedCompoundFile(Exception):
    """The compound file's sectors, FAT or directory cannot be walked."""


class UnsafeCompoundFile(Exception):
    """The compound file is encrypted or carries macros: it cannot be shown without its maker."""


def empty_property_set(stream: str, length: int) -> bytes:
    """A property set stream of ``length`` bytes holding one section of the stream's kind with only
    its code page ([MS-OLEPS] 2.21): readers see no properties. Zeros if ``length`` is too short."""
    # Size, one property; CodePage (id 1) at offset 16: VT_I2, padding, 1252, padding.
    section = struct.pack("<IIIIHHhH", 24, 1, 1, 16, 2, 0, 1252, 0)
    header = struct.pack("<HHI", 0xFFFE, 0, 0x00020006) + bytes(16) + struct.pack("<I", 1)
    body = header + _FMTIDS[stream].bytes_le + struct.pack("<I", 48) + section
    return body.ljust(length, b"\0") if len(body) <= length else bytes(length)


def _write_at(ole: olefile.OleFileIO, sector: int, offset: int, data: bytes) -> None:
    ole.fp.seek(ole.sectorsize * (sector + 1) + offset)
    ole.fp.write(data)


def _sectors_of(table: list[int], start: int, size: int, sector_size: int) -> list[int]:
    """The ``size`` bytes' worth of sectors of a chain, each once, or MalformedCompoundFile. (olefile's
    own writer follows a chain until its end marker: a chain that loops would never end.)"""
    chain, seen, at = [], set(), start
    for _ in range(-(-size // sector_size)):
        if not 0 <= at < len(table) or at in seen:
            raise MalformedCompoundFile("a stream's sector chain loops or points outside the file")
        seen.add(at)
        chain.append(at)
        at = table[at]
    return chain


def _overwrite(ole: olefile.OleFileIO, path: list[str], data: bytes) -> None:
    """Write ``data`` over the stream at ``path``, whose length it has, sector by sector."""
    entry = ole.direntries[ole._find(path)]
    if entry.size >= ole.minisectorcutoff:
        for i, sector in enumerate(_sectors_of(ole.fat, entry.isectStart, entry.size, ole.sectorsize)):
            _write_at(ole, sector, 0, data[i * ole.sectorsize : (i + 1) * ole.sectorsize])
        return
    if ole.minifat is None:
        ole.loadminifat()
    container, mini_size = _mini_stream_sectors(ole), ole.minisectorsize
    per_sector = ole.sectorsize // mini_size
    for i, mini in enumerate(_sectors_of(ole.minifat, entry.isectStart, entry.size, mini_size)):
        if mini // per_sector >= len(container):
            raise MalformedCompoundFile("a mini stream sector lies outside the mini stream")
        piece = data[i * mini_size : (i + 1) * mini_size]
        _write_at(ole, container[mini // per_sector], (mini % per_sector) * mini_size, piece)


def _mini_stream_sectors(ole: olefile.OleFileIO) -> list[int]:
    """The sectors holding the mini stream (the root entry's stream), where small streams live."""
    return _sectors_of(ole.fat, ole.root.isectStart, ole.root.size, ole.sectorsize)


def _zero_times(ole: olefile.OleFileIO) -> None:
    per_sector = ole.sectorsize // _DIRENTRY_SIZE
    directory = len(ole.direntries) * _DIRENTRY_SIZE
    for sector in _sectors_of(ole.fat, ole.first_dir_sector, directory, ole.sectorsize):
        for slot in range(per_sector):
            _write_at(ole, sector, slot * _DIRENTRY_SIZE + _TIMES_AT, bytes(16))


def _zero_free_sectors(ole: olefile.OleFileIO, file_size: int) -> None:
    for sector, following in enumerate(ole.fat):
        if following == olefile.FREESECT and ole.sectorsize * (sector + 2) <= file_size:
            _write_at(ole, sector, 0, bytes(ole.sectorsize))
    if ole.root.size == 0 or ole.root.isectStart == olefile.ENDOFCHAIN:
        return
    ole.loadminifat()
    container, mini_size = _mini_stream_sectors(ole), ole.minisectorsize
    per_sector = ole.sectorsize // mini_size
    for mini, following in enumerate(ole.minifat[: ole.root.size // mini_size]):
        if following == olefile.FREESECT and mini // per_sector < len(container):
            _write_at(ole, container[mini // per_sector], (mini % per_sector) * mini_size, bytes(mini_size))


def _edited_size(ole: olefile.OleFileIO, path: list[str]) -> int:
    """The size of a stream to be edited in memory, as an OOXML part is, or MalformedCompoundFile."""
    size: int = ole.get_size(path)
    if size > MAX_PART_BYTES:
        raise MalformedCompoundFile(f"{'/'.join(path)} is too large to edit")
    return size


def _read(ole: olefile.OleFileIO, path: list[str]) -> bytes:
    _edited_size(ole, path)
    data: bytes = ole.openstream(path).read()
    return data


def _refuse_unsafe(entries: list[list[str]], word: bytes | None) -> None:
    names = {name for path in entries for name in path}
    if names & _ENCRYPTED_STREAMS:
        raise UnsafeCompoundFile("the file is protected by a password")
    if names & _MACRO_STORAGES:
        raise UnsafeCompoundFile("the file holds a VBA project (macros)")
    if word is not None:
        flags = struct.unpack("<H", word[10:12].rjust(2, b"\0"))[0]
        if flags & _WORD_ENCRYPTED_FLAG:
            raise UnsafeCompoundFile("the document is protected by a password")


def _blank_word_lists(ole: olefile.OleFileIO, word: bytes) -> set[str]:
    """Blank the lists of names the ``WordDocument`` stream's FIB points to in its table stream."""
    lists, table = word_name_lists(word), word_table_stream(word)
    if lists and ole.exists(table):
        _overwrite(ole, [table], blank_word_names(_read(ole, [table]), lists))
        return {"author lists"}
    return set()


def scrub_ole(source: Path, target: Path) -> list[str]:
    """Write ``source`` to ``target`` without its people's names; returns the kinds of parts cleared."""
    shutil.copyfile(source, target)
    try:
        # Incorrect, not only fatal, defects raise: a file cut short is refused, not half cleared.
        ole = olefile.OleFileIO(str(target), raise_defects=olefile.DEFECT_INCORRECT, write_mode=True)
    except (OSError, ValueError, IndexError, struct.error) as exc:
        raise MalformedCompoundFile(str(exc)) from exc
    removed: set[str] = set()
    with ole:
        try:
            entries = ole.listdir(streams=True, storages=True)
            streams = [path for path in entries if ole.get_type(path) == olefile.STGTY_STREAM]
            if any(ole.get_size(path) > target.stat().st_size for path in streams):
                raise MalformedCompoundFile("a stream is declared longer than the file")
            # Read once: its FIB says whether it is encrypted and where its lists of names are.
            word = _read(ole, ["WordDocument"]) if ole.exists("WordDocument") else None
            _refuse_unsafe(entries, word)
            if word is not None:
                removed |= _blank_word_lists(ole, word)
            del word
            for path in streams:
                removed |= _scrub_stream(ole, path)
            _zero_times(ole)
            _zero_free_sectors(ole, target.stat().st_size)
        except (OSError, ValueError, IndexError, struct.error) as exc:
            raise MalformedCompoundFile(str(exc)) from exc
    return sorted(removed)


def _scrub_stream(ole: olefile.OleFileIO, path: list[str]) -> set[str]:
    name = path[-1]
    if name in _FMTIDS:
        _overwrite(ole, path, empty_property_set(name, _edited_size(ole, path)))
        return {"document properties" if name == SUMMARY else "company and custom properties"}
    if name in _WORKBOOKS and len(path) == 1:
        workbook = _read(ole, path)
        if workbook_encrypted(workbook):
            raise UnsafeCompoundFile("the workbook is protected by a password")
        blanked, found = blank_workbook_names(workbook)
        if found:
            _overwrite(ole, path, blanked)
        return found
    if name == "Current User" and len(path) == 1:
        current = _read(ole, path)
        if current_user_encrypted(current):
            raise UnsafeCompoundFile("the presentation is protected by a password")
        blanked = blank_current_user(current)
        if blanked != current:
            _overwrite(ole, path, blanked)
            return {"current user"}
    return set()
