"""DOC, XLS and PPT files lose every name Office keeps in them, and keep every stream of the work."""

import struct
from pathlib import Path

import olefile
import pytest

from services.media import office_records
from services.media.office_records import (
    TooManyRecords,
    blank_word_names,
    blank_workbook_names,
    word_name_lists,
)
from services.media.ole_scrub import MalformedCompoundFile, UnsafeCompoundFile, empty_property_set, scrub_ole
from services.media.scrub import FILE_FAULT, main, sniff
from tests.compound_file import compound_file
from tests.legacy_samples import OLD_SAVE, TEXT, presentation, word_document, workbook
from tests.metadata_samples import ARTIST, AUTHOR, COMPANY

WORD_ENCRYPTED = 0x0100


def names_in(data: bytes) -> list[str]:
    """The names found in ``data`` as Office stores text: ANSI/GBK, or UTF-16."""
    return [n for n in (AUTHOR, ARTIST, COMPANY) for enc in ("gbk", "utf-16-le") if n.encode(enc) in data]


def stream_declared_longer(data: bytes, name: str, size: int) -> bytes:
    """The compound file with the directory entry of ``name`` declaring ``size`` bytes (at byte 120)."""
    entry = data.index(name.encode("utf-16-le"))
    return data[: entry + 120] + struct.pack("<I", size) + data[entry + 124 :]


def mini_chain_looping(data: bytes, name: str) -> bytes:
    """The compound file with the mini FAT sending the first sector of ``name`` back to itself."""
    with olefile.OleFileIO(data) as ole:
        start = ole.direntries[ole._find(name)].isectStart
        at = (ole.minifatsect + 1) * ole.sectorsize + 4 * start
    return data[:at] + struct.pack("<I", start) + data[at + 4 :]


def scrubbed(tmp_path: Path, data: bytes) -> tuple[bytes, list[str]]:
    source, target = tmp_path / "in.ole", tmp_path / "out.ole"
    source.write_bytes(data)
    removed = scrub_ole(source, target)
    return target.read_bytes(), removed


def streams(data: bytes, tmp_path: Path) -> dict[str, bytes]:
    path = tmp_path / "read.ole"
    path.write_bytes(data)
    with olefile.OleFileIO(str(path)) as ole:
        return {"/".join(p): ole.openstream(p).read() for p in ole.listdir()}


def test_a_word_document_loses_its_properties_everywhere_and_its_earlier_save(tmp_path: Path) -> None:
    original = word_document()
    assert names_in(original) and OLD_SAVE in original and sniff(original[:16]) == "ole"
    clean, removed = scrubbed(tmp_path, original)
    assert removed == ["author lists", "company and custom properties", "document properties"]
    assert names_in(clean) == [] and OLD_SAVE not in clean
    assert len(clean) == len(original)  # edited in place: every offset in the file stays true
    before, after = streams(original, tmp_path), streams(clean, tmp_path)
    assert after.keys() == before.keys()
    assert after["WordDocument"] == before["WordDocument"]  # the text, untouched
    assert TEXT.encode("utf-16-le") in after["WordDocument"]
    # The comment authors, tracked-change authors and savers: the same lists, spaces for letters.
    lists = word_name_lists(after["WordDocument"])
    assert len(lists) == 3 and blank_word_names(after["1Table"], lists) == after["1Table"]
    assert (" " * len(AUTHOR)).encode("utf-16-le") in after["1Table"]
    path = tmp_path / "shown.doc"
    path.write_bytes(clean)
    with olefile.OleFileIO(str(path)) as ole:
        meta = ole.get_metadata()
        assert (meta.author, meta.last_saved_by, meta.company, meta.manager, meta.comments) == (None,) * 5
        assert ole.getproperties("\x05SummaryInformation") == {1: 1252}  # a valid, empty property set
        assert ole.getproperties("ObjectPool/_1234/\x05SummaryInformation") == {1: 1252}
        assert ole.root.getmtime() is None and ole.root.getctime() is None


def test_a_workbook_loses_the_savers_user_name_and_the_note_authors(tmp_path: Path) -> None:
    original = workbook()
    clean, removed = scrubbed(tmp_path, original)
    assert removed == [
        "company and custom properties",
        "document properties",
        "last saved by",
        "note authors",
    ]
    assert names_in(clean) == []
    before, after = streams(original, tmp_path), streams(clean, tmp_path)
    assert len(after["Workbook"]) == len(before["Workbook"])
    # Blanked, not cut: the same records, the same lengths, read as spaces.
    assert blank_workbook_names(after["Workbook"]) == (after["Workbook"], {"last saved by", "note authors"})


def excel95_book() -> bytes:
    """An XLS as Excel 95 saves it: a ``Book`` stream of BIFF5 records, the saver's user name in
    WRITEACCESS as a length byte and 8-bit characters padded with spaces to 32 bytes."""
    bof = struct.pack("<HHHHHH", 0x0809, 8, 0x0500, 0x0005, 0x096C, 1995)
    name = bytes([len(ARTIST)]) + ARTIST.encode("ascii")
    write_access = struct.pack("<HH", 0x005C, 32) + name.ljust(32, b" ")
    return compound_file({"Book": bof + write_access + struct.pack("<HH", 0x000A, 0)})


def test_an_excel_95_workbook_loses_every_character_of_the_savers_user_name(tmp_path: Path) -> None:
    original = excel95_book()
    clean, removed = scrubbed(tmp_path, original)
    assert removed == ["last saved by"]
    book = streams(clean, tmp_path)["Book"]
    assert len(book) == len(streams(original, tmp_path)["Book"])
    # The record as it was, its length byte kept, every character of the name a space.
    assert book[12:48] == struct.pack("<HH", 0x005C, 32) + bytes([len(ARTIST)]) + b" " * 31
    assert not any(ARTIST[i : i + 2].encode() in clean for i in range(len(ARTIST) - 1))


def test_a_workbook_of_more_records_than_the_cap_is_refused_not_half_scrubbed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note's author is in the sixth and last record: a scrub that stopped at the cap would pass
    it on. The cap is lowered to the sample's size (ten million records is a 40 MB stream)."""
    monkeypatch.setattr(office_records, "MAX_RECORDS", 6)
    assert names_in(scrubbed(tmp_path, workbook())[0]) == []  # at the cap: scrubbed whole
    monkeypatch.setattr(office_records, "MAX_RECORDS", 5)
    with pytest.raises(TooManyRecords, match="more than 5 records"):
        scrubbed(tmp_path, workbook())
    source = tmp_path / "in.ole"  # the child refuses the file as it refuses one too large
    assert main(["ole", str(source), str(tmp_path / "child.ole")]) == FILE_FAULT


def test_a_presentation_loses_the_current_users_name(tmp_path: Path) -> None:
    clean, removed = scrubbed(tmp_path, presentation())
    assert "current user" in removed and names_in(clean) == []
    after = streams(clean, tmp_path)
    assert TEXT.encode("utf-16-le") in after["PowerPoint Document"]
    assert b" " * len(ARTIST) in after["Current User"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (word_document(flags=WORD_ENCRYPTED), "password"),
        (word_document(extra={"EncryptionInfo": b"\4\0\4\0", "EncryptedPackage": bytes(100)}), "password"),
        (workbook(encrypted=True), "password"),
        (presentation(token=0xF3D1C4DF), "password"),
        (word_document(extra={"Macros/VBA/dir": b"Attribute VB_Name", "Macros/PROJECT": b"ID="}), "macros"),
    ],
    ids=["encrypted-doc", "encrypted-docx", "encrypted-xls", "encrypted-ppt", "doc-with-macros"],
)
def test_an_encrypted_or_macro_carrying_file_is_refused_not_passed_on(
    tmp_path: Path, data: bytes, reason: str
) -> None:
    with pytest.raises(UnsafeCompoundFile, match=reason):
        scrubbed(tmp_path, data)


@pytest.mark.parametrize(
    "data",
    [
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 600,  # the magic, then garbage
        word_document()[:1500],  # cut short inside its FAT and directory
        stream_declared_longer(word_document(), "\x05SummaryInformation", 2**31),
        mini_chain_looping(word_document(), "\x05SummaryInformation"),
    ],
    ids=["garbage", "truncated", "stream-longer-than-file", "chain-loops"],
)
def test_a_compound_file_that_cannot_be_walked_is_a_malformed_file(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(MalformedCompoundFile):
        scrubbed(tmp_path, data)


def test_a_list_of_names_pointing_past_the_table_stream_is_a_malformed_file() -> None:
    with pytest.raises(ValueError, match="past the table stream"):
        blank_word_names(bytes(100), [(90, 20, "sttb")])
    with pytest.raises(ValueError, match="past its list"):
        blank_word_names(b"\x10\x00" + bytes(10), [(0, 12, "xst")])


def test_a_property_stream_too_short_for_an_empty_set_is_zeroed() -> None:
    assert empty_property_set("\x05SummaryInformation", 20) == bytes(20)
    full = empty_property_set("\x05SummaryInformation", 200)
    assert len(full) == 200 and full.startswith(b"\xfe\xff") and full[72:] == bytes(128)
