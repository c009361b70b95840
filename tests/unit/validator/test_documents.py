"""Courseware and the registration form: real format, readable, page count, from hand-written files."""

from pathlib import Path

import pytest

from contracts.campaign import DocumentSpec, Material, WorkKind
from contracts.events import Severity
from services.validator.documents import inspect_document
from services.validator.kinds import check_material
from tests.unit.validator import handmade

COURSEWARE = Material(
    key="courseware",
    label="课件",
    kind=WorkKind.COURSEWARE,
    document=DocumentSpec(formats=["ppt", "pptx", "pdf"], max_pages=20, max_size_bytes=10_000_000),
)
FORM = Material(
    key="registration_form",
    label="参赛报名表（盖章扫描件）",
    kind=WorkKind.REGISTRATION_FORM,
    document=DocumentSpec(formats=["pdf", "jpeg", "png"], stamped=True),
)


def put(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rules(path: Path, material: Material = COURSEWARE) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.severity) for f in check_material(path, material)]


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "object-stream"])
def test_pdf_pages_are_counted(compressed: bool, tmp_path: Path) -> None:
    info = inspect_document(put(tmp_path, "a.pdf", handmade.pdf(3, compressed=compressed)))
    assert (info.format, info.readable, info.pages, info.encrypted) == ("pdf", True, 3, False)


def test_pdf_over_the_page_limit_fails_with_the_count(tmp_path: Path) -> None:
    [finding] = check_material(put(tmp_path, "long.pdf", handmade.pdf(25, compressed=True)), COURSEWARE)
    assert (finding.rule_id, finding.measured, finding.expected) == ("document.pages", "25 页", "≤ 20 页")
    assert finding.message_zh.startswith("课件：共25页")


def test_pdf_cut_short_is_unreadable(tmp_path: Path) -> None:
    data = handmade.pdf(3)
    assert rules(put(tmp_path, "cut.pdf", data[: len(data) - 30])) == [("document.readable", Severity.ERROR)]


def test_encrypted_pdf_is_a_warning(tmp_path: Path) -> None:
    assert rules(put(tmp_path, "locked.pdf", handmade.pdf(2, encrypted=True))) == [
        ("document.encrypted", Severity.WARNING)
    ]


def test_pptx_slides_are_pages(tmp_path: Path) -> None:
    info = inspect_document(put(tmp_path, "deck.pptx", handmade.office("pptx", slides=4)))
    assert (info.format, info.pages) == ("pptx", 4)
    assert rules(tmp_path / "deck.pptx") == []


def test_pptx_cut_short_is_unreadable(tmp_path: Path) -> None:
    data = handmade.office("pptx")
    assert rules(put(tmp_path, "cut.pptx", data[: len(data) // 2])) == [("document.readable", Severity.ERROR)]


def test_word_file_renamed_pptx_is_seen_through(tmp_path: Path) -> None:
    [finding] = check_material(put(tmp_path, "deck.pptx", handmade.office("docx")), COURSEWARE)
    assert (finding.rule_id, finding.measured, finding.expected) == (
        "document.format",
        "DOCX",
        "PPT/PPTX/PDF",
    )


def test_ppt_is_recognised_and_a_cut_one_is_not_readable(tmp_path: Path) -> None:
    whole = handmade.ole()
    assert inspect_document(put(tmp_path, "old.ppt", whole)).format == "ppt"
    assert rules(tmp_path / "old.ppt") == []
    assert rules(put(tmp_path, "cut.ppt", whole[:1024])) == [("document.readable", Severity.ERROR)]
    assert inspect_document(put(tmp_path, "old.doc", handmade.ole("WordDocument"))).format == "doc"


def test_stamped_form_as_a_picture_or_a_pdf(tmp_path: Path) -> None:
    assert rules(put(tmp_path, "form.jpg", handmade.jpeg(2480, 3508)), FORM) == []
    assert rules(put(tmp_path, "form.png", handmade.png(40, 60)), FORM) == []
    assert rules(put(tmp_path, "form.pdf", handmade.pdf(1)), FORM) == []
    cut = handmade.png(40, 60)[:-20]
    assert rules(put(tmp_path, "cut.png", cut), FORM) == [("document.readable", Severity.ERROR)]


def test_form_in_a_format_the_notice_does_not_take(tmp_path: Path) -> None:
    [finding] = check_material(put(tmp_path, "form.docx", handmade.office("docx")), FORM)
    assert (finding.rule_id, finding.measured, finding.expected) == ("document.format", "DOCX", "PDF/JPG/PNG")
    assert finding.message_zh.startswith("参赛报名表（盖章扫描件）：")


def test_text_renamed_pdf_empty_and_missing_files(tmp_path: Path) -> None:
    assert rules(put(tmp_path, "fake.pdf", "不是PDF".encode())) == [("document.format", Severity.ERROR)]
    assert rules(put(tmp_path, "empty.pdf", b"")) == [("document.readable", Severity.ERROR)]
    assert rules(tmp_path / "absent.pdf") == [("document.readable", Severity.ERROR)]


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    big = COURSEWARE.model_copy(update={"document": DocumentSpec(max_size_bytes=1000)})
    [finding] = check_material(put(tmp_path, "deck.pdf", handmade.pdf(40)), big)
    assert finding.rule_id == "document.size"
