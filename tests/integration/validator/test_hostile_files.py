"""Hostile non-media files end in a finding, and the validator goes on to the next submission.

Each file is made here: a quiz sheet declaring a million rows, a DOCX whose central directory
repeats one 1 GiB entry a thousand times (a ZIP bomb), a PDF cut short."""

import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from contracts import SubmissionSubmitted
from contracts.blobs import BlobRef
from contracts.campaign import DocumentSpec, Material, WorkKind
from contracts.events import EntryInfo
from services.common.blob_files import FileBlobStore
from services.common.settings import Settings
from services.intake.presets import load_preset
from services.validator.bounded_check import CheckUnavailable, check_material_bounded
from tests.conftest import eventually
from tests.integration.validator.test_validator_service import submitted, validator_alone
from tests.unit.validator import handmade
from tests.unit.validator.test_kinds import PHOTOS, REPORT
from tests.unit.validator.test_quiz import FIELDS, GOOD

SHANXI = load_preset("shanxi-xuexi-2019")
COURSEWARE = Material(key="courseware", label="课件", kind=WorkKind.COURSEWARE, document=DocumentSpec())


def quiz_entry(sid: str, sheet: BlobRef) -> SubmissionSubmitted:
    return submitted(sid, sheet, campaign=SHANXI, entry=EntryInfo(title="强国问答", series="quiz"))


async def test_a_sheet_declaring_a_million_rows_is_a_finding_and_the_next_entry_is_checked(
    settings: Settings, tmp_path: Path
) -> None:
    blobs = FileBlobStore(settings.blobs_path())
    hostile = tmp_path / "试题.xlsx"
    hostile.write_bytes(handmade.xlsx([FIELDS, *GOOD, ["x"]], dimension="A1:XFD1048576", last_row=1048576))
    normal = tmp_path / "正常试题.xlsx"
    normal.write_bytes(handmade.xlsx([FIELDS, *GOOD]))
    first = quiz_entry("s-sheet", await blobs.put_file(hostile, "application/vnd.ms-excel"))
    second = quiz_entry("s-next", await blobs.put_file(normal, "application/vnd.ms-excel"))
    async with validator_alone(settings, SHANXI, first, second) as db:

        async def report(rid: str) -> dict[str, Any] | None:
            return await db["reports"].find_one({"_id": rid})

        hostile_report = await eventually(lambda: report("s-sheet:v1"), 60, "the hostile sheet's report")
        next_report = await eventually(lambda: report("s-next:v1"), 60, "the next entry's report")
    [finding] = hostile_report["findings"]
    assert finding["rule_id"] == "quiz.readable" and "超过40000行" in finding["message_zh"]
    assert hostile_report["passed"] is False
    assert next_report["passed"] is True
    assert [(f["rule_id"], f["severity"]) for f in next_report["findings"]] == [("quiz.questions", "info")]


def _bomb_docx(path: Path, copies: int) -> Path:
    """A DOCX whose central directory names one 1 GiB run of zeros ``copies`` times (entries overlap)."""
    chunk = 64 * 1024 * 1024
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(chunk)) + packer.flush(zlib.Z_FULL_FLUSH)
    # Full-flushed blocks do not refer back, so 16 copies and a final empty block inflate to 1 GiB.
    data = block * 16 + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    size = 16 * chunk
    crc, zeros = 0, bytes(chunk)
    for _ in range(16):
        crc = zlib.crc32(zeros, crc)
    parts = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    out, central = bytearray(), bytearray()
    local_header, central_header = "<IHHHHHIIIHH", "<IHHHHHHIIIHHHHHII"

    def local(name: bytes, method: int, crc: int, packed: int, size: int) -> int:
        offset = len(out)
        fields = (20, 0, method, 0, 0, crc, packed, size, len(name), 0)
        out.extend(struct.pack(local_header, 0x04034B50, *fields))
        out.extend(name)
        return offset

    def listed(name: bytes, method: int, crc: int, packed: int, size: int, offset: int) -> None:
        fields = (20, 20, 0, method, 0, 0, crc, packed, size, len(name), 0, 0, 0, 0, 0, offset)
        central.extend(struct.pack(central_header, 0x02014B50, *fields))
        central.extend(name)

    for name, body in parts.items():
        at = local(name.encode(), 0, zlib.crc32(body), len(body), len(body))
        out.extend(body)
        listed(name.encode(), 0, zlib.crc32(body), len(body), len(body), at)
    image = b"word/media/image1.png"
    at = local(image, 8, crc, len(data), size)
    out.extend(data)
    for _ in range(copies):
        listed(image, 8, crc, len(data), size, at)
    entries = 2 + copies
    start = len(out)
    out.extend(central)
    out.extend(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, len(central), start, 0))
    path.write_bytes(bytes(out))
    return path


async def test_a_zip_bomb_docx_in_a_photo_set_ends_in_a_time_limit_finding(tmp_path: Path) -> None:
    bomb = _bomb_docx(tmp_path / "照片说明.docx", copies=1000)
    photo = tmp_path / "a.png"
    photo.write_bytes(handmade.png(200, 200))
    [finding] = await check_material_bounded([photo, bomb], PHOTOS, timeout_s=3)
    assert finding.rule_id == "images.readable"
    assert finding.message_zh.startswith("图片：文件无法在限定时间内读取（3秒）")


async def test_a_zip_bomb_docx_as_courseware_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    bomb = _bomb_docx(tmp_path / "课件.docx", copies=1000)
    [finding] = await check_material_bounded([bomb], COURSEWARE, timeout_s=10)
    assert finding.rule_id == "document.readable" and "解压后过大" in finding.message_zh


async def test_a_truncated_pdf_is_unreadable(tmp_path: Path) -> None:
    whole = handmade.pdf(3, compressed=True)
    cut = tmp_path / "课件.pdf"
    cut.write_bytes(whole[: len(whole) // 2])
    [finding] = await check_material_bounded([cut], COURSEWARE, timeout_s=10)
    assert finding.rule_id == "document.readable" and "不完整" in finding.message_zh


async def test_a_child_that_cannot_start_is_our_problem_not_a_finding(tmp_path: Path) -> None:
    form = tmp_path / "报名表.pdf"
    form.write_bytes(handmade.pdf(1))
    with pytest.raises(CheckUnavailable):
        await check_material_bounded([form], COURSEWARE, timeout_s=10, python_bin=str(tmp_path / "no-python"))


def _patched_zip(
    path: Path, name: str, data: bytes, *, method: int | None = None, name_bytes: bytes = b""
) -> Path:
    """A one-member ZIP as zipfile writes it, then changed in both headers as a broken packer writes
    it: an unknown compression ``method``, or the name's bytes replaced (same length) and flagged
    UTF-8 (bit 11)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name, data)
    raw = bytearray(buffer.getvalue())
    for signature, flags_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        at = raw.index(signature)
        if method is not None:
            raw[at + method_at : at + method_at + 2] = struct.pack("<H", method)
        if name_bytes:
            raw[at + flags_at : at + flags_at + 2] = struct.pack("<H", 0x800)
    if name_bytes:
        raw = bytearray(bytes(raw).replace(name.encode()[: len(name_bytes)], name_bytes))
    path.write_bytes(bytes(raw))
    return path


async def test_a_package_the_parser_cannot_read_says_why_in_words_the_entrant_can_act_on(
    tmp_path: Path,
) -> None:
    docx = zipfile.ZipFile(io.BytesIO(handmade.docx(["第一段"])))
    document = docx.read("word/document.xml")
    # A DOCX whose text part is compressed with a method no reader knows (99 is AES in WinZip's use).
    odd = _patched_zip(tmp_path / "文字稿.docx", "word/document.xml", document, method=99)
    [finding] = await check_material_bounded([odd], REPORT, timeout_s=10)
    assert finding.rule_id == "text.readable" and "无法读取的压缩方式" in finding.message_zh
    # A ZIP of photos whose member name is flagged UTF-8 but is GBK, as old Windows packers write.
    gbk = "照片".encode("gbk")
    photos = _patched_zip(tmp_path / "照片.zip", "abcd.png", handmade.png(8, 8), name_bytes=gbk)
    [finding] = await check_material_bounded([photos], PHOTOS, timeout_s=10)
    assert finding.rule_id == "images.readable" and "编码无法识别" in finding.message_zh
