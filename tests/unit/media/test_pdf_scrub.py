"""PDFs lose who made them wherever a PDF keeps it, and keep what a reader sees and fills in."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from services.media.pdf_scrub import EncryptedPdf, scrub_pdf
from services.media.scrub import sniff
from tests.metadata_samples import FIELD_NAME, pdf


def scrubbed(tmp_path: Path, data: bytes) -> tuple[bytes, list[str]]:
    source, target = tmp_path / "in.pdf", tmp_path / "out.pdf"
    source.write_bytes(data)
    removed = scrub_pdf(source, target)
    return target.read_bytes(), removed


def test_a_pdf_loses_info_xmp_note_authors_and_attachments_from_every_revision(tmp_path: Path) -> None:
    original = pdf()
    assert original.count(b"LiSi") >= 4 and original.count(b"%%EOF") == 2  # two revisions name them
    clean, removed = scrubbed(tmp_path, original)
    assert removed == ["annotation authors", "application data", "embedded files", "info", "xmp"]
    # pypdf writes AUTHOR's hyphen as \055, the attachment keeps it: its first half is in both.
    assert b"LiSi" not in clean and b"Yueyang" in clean  # the page's own text names the school
    assert clean.count(b"%%EOF") == 1
    shown = PdfReader(io.BytesIO(clean))
    assert shown.metadata is None and shown.attachments == {}
    assert "/Metadata" not in shown.root_object and "/Metadata" not in shown.pages[0]
    assert shown.pages[0].extract_text() == "Lesson plan: Yueyang Tower"
    note, field = (a.get_object() for a in shown.pages[0].annotations or [])
    assert note["/Subtype"] == "/Text" and note["/T"] == "" and note["/Contents"] == "see p.2"
    assert field["/T"] == FIELD_NAME  # a form field's /T is its name, not an author


def test_a_pdf_without_metadata_comes_out_the_same_and_says_nothing_was_removed(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.metadata = None
    blank = io.BytesIO()
    writer.write(blank)
    clean, removed = scrubbed(tmp_path, blank.getvalue())
    assert removed == []
    assert len(PdfReader(io.BytesIO(clean)).pages) == 1 and sniff(clean[:16]) == "pdf"


def test_a_pdf_locked_only_for_permissions_is_rewritten_and_one_with_a_password_is_refused(
    tmp_path: Path,
) -> None:
    for user_password, readable in (("", True), ("secret", False)):
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf())))
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-128")
        locked = io.BytesIO()
        writer.write(locked)
        if readable:
            clean, removed = scrubbed(tmp_path, locked.getvalue())
            assert "info" in removed and b"LiSi" not in clean
            assert not PdfReader(io.BytesIO(clean)).is_encrypted
        else:
            with pytest.raises(EncryptedPdf):
                scrubbed(tmp_path, locked.getvalue())
