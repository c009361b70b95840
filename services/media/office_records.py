"""The names Word, Excel and PowerPoint write inside their own streams, blanked at the same length. Pure.

Excel's ``Workbook`` stream is a run of BIFF records (type, length, data; [MS-XLS] 2.1.4). Two
name a person: ``WRITEACCESS`` (the Windows user name of whoever saved last, written on every
save) and ``NOTE`` (the author of a cell's comment). Their characters become spaces, their lengths
stay, so every record keeps its size and every offset in the file stays true. Excel 5 and 95 write
a ``Book`` stream of BIFF5 records, whose BOF says so: its WRITEACCESS holds a byte string (a length
byte, not BIFF8's count and flags), all of it blanked after the length. PowerPoint's
``Current User`` stream ([MS-PPT] 2.3.2) holds the name of whoever had the file open, in ANSI and
in UTF-16: both blanked the same way. Word keeps its lists of names in its table stream (below).
"""

import struct
from collections.abc import Iterator

BOF, WRITEACCESS, NOTE, FILEPASS, EOF = 0x0809, 0x005C, 0x001C, 0x002F, 0x000A
BIFF8 = 0x0600  # BOF.vers of Excel 97 and later; Excel 5 and 95 (BIFF5/7, a "Book" stream) write 0x0500
# As many as the largest stream edited in memory (100 MiB) holds of the smallest cell record (10 bytes).
MAX_RECORDS = 10_000_000
_ENCRYPTED_TOKEN = 0xF3D1C4DF  # CurrentUserAtom.headerToken of a password-protected presentation
_USER_NAME_AT = 28  # CurrentUserAtom: header 8, size, token, offset 12, lenUserName 20, versions


class TooManyRecords(Exception):
    """A workbook stream of more than ``MAX_RECORDS`` records: refused as too large to rewrite, since
    a copy scrubbed up to the cap would pass on the names in the rest."""


def _records(stream: bytes) -> Iterator[tuple[int, int, int]]:
    """(type, data start, data end) of each BIFF record, read as they are asked for (a list of them
    would hold ~150 bytes of Python objects per record); a record running past the end raises."""
    pos = 0
    for _ in range(MAX_RECORDS):
        if pos + 4 > len(stream):
            return
        kind, size = struct.unpack_from("<HH", stream, pos)
        if pos + 4 + size > len(stream):
            raise ValueError(f"BIFF record {kind:04X} at {pos} runs past the end")
        yield kind, pos + 4, pos + 4 + size
        pos += 4 + size
    if pos + 4 <= len(stream):
        raise TooManyRecords(f"the workbook has more than {MAX_RECORDS} records: too large to rewrite")


def workbook_encrypted(stream: bytes) -> bool:
    """Whether the workbook's globals hold a ``FILEPASS`` record (its data is encrypted after it)."""
    for kind, _, _ in _records(stream):
        if kind == FILEPASS:
            return True
        if kind == EOF:
            return False
    return False


def _blank_unicode_string(data: bytearray, at: int, stop: int) -> bool:
    """Spaces for the characters of the XLUnicodeString at ``at`` (cch, fHighByte, characters), up to
    ``stop``, the end of its record."""
    if at + 3 > stop:
        return False
    count: int = struct.unpack_from("<H", data, at)[0]
    wide = data[at + 2] & 1
    start = at + 3
    end = min(stop, start + count * (2 if wide else 1))
    space = b" \0" if wide else b" "
    data[start:end] = (space * count)[: end - start]
    return end > start


def _blank_byte_string(data: bytearray, at: int, stop: int) -> bool:
    """Spaces for everything after the length byte of BIFF5's WRITEACCESS: the user name in the
    workbook's code page (a length in bytes or in double-byte characters), then spaces to 32 bytes."""
    data[at + 1 : stop] = b" " * max(0, stop - at - 1)
    return stop > at + 1 and data[at] > 0


def blank_workbook_names(stream: bytes) -> tuple[bytes, set[str]]:
    """The workbook stream with its last saver's and its note authors' names blanked; what was found."""
    data, found = bytearray(stream), set()
    byte_strings = False  # BIFF5/7 strings: a length byte, then 8-bit characters
    for kind, start, end in _records(stream):
        if kind == BOF and end - start >= 2:
            byte_strings = struct.unpack_from("<H", data, start)[0] < BIFF8
        elif kind == WRITEACCESS:
            blank = _blank_byte_string if byte_strings else _blank_unicode_string
            if blank(data, start, end):
                found.add("last saved by")
        elif kind == NOTE and _blank_unicode_string(data, start + 8, end):  # after rw, col, flags, object id
            found.add("note authors")
    return bytes(data), found


def current_user_encrypted(stream: bytes) -> bool:
    return len(stream) >= 16 and stream[12:16] == struct.pack("<I", _ENCRYPTED_TOKEN)


def blank_current_user(stream: bytes) -> bytes:
    """The ``Current User`` stream with its ANSI and UTF-16 user names as spaces."""
    if len(stream) < _USER_NAME_AT:
        return stream
    data = bytearray(stream)
    length = min(struct.unpack_from("<H", data, 20)[0], 255)
    ansi_end = min(len(data), _USER_NAME_AT + length)
    data[_USER_NAME_AT:ansi_end] = b" " * (ansi_end - _USER_NAME_AT)
    wide_at = ansi_end + 4  # after relVersion
    wide_end = min(len(data), wide_at + 2 * length)
    data[wide_at:wide_end] = (b" \0" * length)[: max(0, wide_end - wide_at)]
    return bytes(data)


# Word ([MS-DOC] 2.5): the FIB in ``WordDocument`` locates lists of strings in the table stream by
# (offset, length) pairs. Four of them name people: SttbfAssoc (template path, author, last saved
# by), GrpXstAtnOwners (comment authors), SttbfRMark (tracked-change authors) and SttbSavedBy (the
# last authors and the paths they saved to). Places of the pairs in FibRgFcLcb97, in bytes.
WORD_NAME_LISTS = {256: "sttb", 288: "xst", 408: "sttb", 568: "sttb"}
_WHICH_TABLE_FLAG = 0x0200  # FibBase.fWhichTblStm: 1Table, else 0Table
_FIB_BASE = 32


def word_table_stream(word_document: bytes) -> str:
    flags = struct.unpack_from("<H", word_document, 10)[0] if len(word_document) >= 12 else 0
    return "1Table" if flags & _WHICH_TABLE_FLAG else "0Table"


def word_name_lists(word_document: bytes) -> list[tuple[int, int, str]]:
    """(offset, length, kind) in the table stream of each list of names the FIB points to."""
    pos = _FIB_BASE
    csw = struct.unpack_from("<H", word_document, pos)[0]
    pos += 2 + 2 * csw
    cslw = struct.unpack_from("<H", word_document, pos)[0]
    pos += 2 + 4 * cslw
    pairs = struct.unpack_from("<H", word_document, pos)[0]
    blob = pos + 2
    found = []
    for at, kind in WORD_NAME_LISTS.items():
        if at + 8 <= 8 * pairs:
            offset, length = struct.unpack_from("<II", word_document, blob + at)
            if length:
                found.append((offset, length, kind))
    return found


def _blank_utf16(data: bytearray, start: int, count: int, end: int) -> int:
    stop = start + 2 * count
    if stop > end:
        raise ValueError("a string runs past its list")
    data[start:stop] = b" \0" * count
    return stop


def blank_word_names(table: bytes, lists: list[tuple[int, int, str]]) -> bytes:
    """The table stream with the characters of every string in ``lists`` as spaces, lengths kept."""
    data = bytearray(table)
    for offset, length, kind in lists:
        end = offset + length
        if end > len(data):
            raise ValueError("a list of names runs past the table stream")
        if kind == "xst":  # Xst after Xst: a character count, then UTF-16
            pos = offset
            while pos + 2 <= end:
                pos = _blank_utf16(data, pos + 2, struct.unpack_from("<H", data, pos)[0], end)
            continue
        if length < 6:
            continue
        extended = data[offset : offset + 2] == b"\xff\xff"
        count, extra = struct.unpack_from("<HH", data, offset + (2 if extended else 0))
        pos = offset + (6 if extended else 4)
        for _ in range(count):
            if pos >= end:
                raise ValueError("a list of names is cut short")
            if extended:
                pos = _blank_utf16(data, pos + 2, struct.unpack_from("<H", data, pos)[0], end) + extra
            else:
                size = data[pos]
                if pos + 1 + size > end:
                    raise ValueError("a string runs past its list")
                data[pos + 1 : pos + 1 + size] = b" " * size
                pos += 1 + size + extra
    return bytes(data)
