"""Office files lose their authors, company, comments and local paths; their text and parts stay whole."""

import io
import zipfile
from pathlib import Path

import pytest

from services.media import ooxml_scrub
from services.media.ooxml_scrub import (
    MalformedPackage,
    clean_content_types,
    clean_relationships,
    clean_xml_part,
    scrub_ooxml,
)
from services.media.scrub import audio_scrub_args, sniff
from tests.metadata_samples import ARTIST, AUTHOR, COMPANY, docx, docx_text, with_camera_metadata

PICTURE = b"\xff\xd8" + b"\xff\xdb\x00\x04\x00\x00" + b"\xff\xda\x00\x02" + b"coded" + b"\xff\xd9"


def scrubbed(tmp_path: Path, data: bytes) -> tuple[bytes, list[str]]:
    source, target = tmp_path / "in.docx", tmp_path / "out.docx"
    source.write_bytes(data)
    removed = scrub_ooxml(source, target)
    return target.read_bytes(), removed


def test_a_docx_keeps_its_text_and_loses_author_company_comments_and_template_path(tmp_path: Path) -> None:
    original = docx("岳阳楼记教学设计", picture=with_camera_metadata(PICTURE, orientation=1))
    clean, removed = scrubbed(tmp_path, original)
    assert removed == ["word/comments.xml"]
    for name in (AUTHOR, COMPANY, ARTIST):
        assert name.encode() not in clean  # compressed parts too: read each one below
    with zipfile.ZipFile(io.BytesIO(clean)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert all(AUTHOR.encode() not in p and COMPANY.encode() not in p for p in parts.values())
    assert docx_text(clean) == "岳阳楼记教学设计!"  # the tracked insertion is kept, its author is not
    assert b"comment" not in parts["word/document.xml"]
    assert b"comments.xml" not in parts["word/_rels/document.xml.rels"]
    assert b"comments.xml" not in parts["[Content_Types].xml"]
    assert b'Target="media/image1.jpeg"' in parts["word/_rels/document.xml.rels"]
    assert parts["word/media/image1.jpeg"] == PICTURE
    assert parts["docProps/core.xml"] == ooxml_scrub.EMPTY_PARTS["docProps/core.xml"]
    assert b"docProps/core.xml" in parts["_rels/.rels"]


def test_relationships_resolve_targets_relative_to_their_source_part() -> None:
    rels = (
        b'<Relationships><Relationship Id="r1" Target="../comments/comment1.xml" Type="c"/>'
        b'<Relationship Id="r2" Target="../media/image1.png" Type="i"/>'
        b'<Relationship Id="r3" Target="https://example.org/x" TargetMode="External" Type="h"/>'
        b'<Relationship Id="r4" Target="\\\\server\\share\\a.pptx" TargetMode="External" Type="h"/>'
        b"</Relationships>"
    )
    clean = clean_relationships("ppt/slides/_rels/slide1.xml.rels", rels, {"ppt/comments/comment1.xml"})
    assert clean == (
        b'<Relationships><Relationship Id="r2" Target="../media/image1.png" Type="i"/>'
        b'<Relationship Id="r3" Target="https://example.org/x" TargetMode="External" Type="h"/>'
        b'<Relationship Id="r4" Target="" TargetMode="External" Type="h"/>'
        b"</Relationships>"
    )
    types = b'<Types><Override PartName="/ppt/authors.xml" ContentType="a"/>'
    types += b'<Default Extension="xml"/></Types>'
    assert clean_content_types(types, {"ppt/authors.xml"}) == b'<Types><Default Extension="xml"/></Types>'


def test_names_are_emptied_in_tags_never_in_the_text() -> None:
    xml = (
        b'<w:p><w:ins w:id="1" w:author="Li Si" w:initials="LS" w:date="2024"><w:t>author="Li Si"</w:t>'
        b'</w:ins><p:cm authorId="0"/></w:p>'
    )
    assert clean_xml_part("word/document.xml", xml) == (
        b'<w:p><w:ins w:id="1" w:author="" w:initials="" w:date="2024"><w:t>author="Li Si"</w:t>'
        b'</w:ins><p:cm authorId="0"/></w:p>'
    )


def test_a_package_over_its_limits_or_not_a_zip_is_refused(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(MalformedPackage):
        scrubbed(tmp_path, b"PK\x03\x04 not really a zip")
    monkeypatch.setattr(ooxml_scrub, "MAX_PART_BYTES", 100)
    with pytest.raises(MalformedPackage, match="too large"):
        scrubbed(tmp_path, docx("x" * 200))
    monkeypatch.setattr(ooxml_scrub, "MAX_ENTRIES", 3)
    with pytest.raises(MalformedPackage, match="entries"):
        scrubbed(tmp_path, docx("x"))


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "png"),
        (b"RIFF\0\0\0\0WEBPVP8X", "webp"),
        (b"GIF89a\x02\0\x02\0", "gif"),
        (b"PK\x03\x04\x14\0\x06\0", "ooxml"),
        (b"%PDF-1.7\n", "pdf"),
        ("第一题，答案\n".encode()[:16], "text"),
        (b"\0\x01\x02\x03binary", "unknown"),
    ],
)
def test_the_format_comes_from_the_bytes(head: bytes, fmt: str) -> None:
    assert sniff(head) == fmt


def test_audio_is_copied_without_tags_chapters_or_cover_art() -> None:
    args = audio_scrub_args(Path("/w/in"), Path("/w/out"), "mp3")
    assert args[args.index("-map") + 1] == "0:a" and args.count("-map") == 1
    assert args[args.index("-c") + 1] == "copy"
    assert {"-map_metadata", "-map_chapters", "-id3v2_version"} <= set(args)
    assert args[-3:] == ["-f", "mp3", "file:/w/out"]
    assert audio_scrub_args(Path("/w/in"), Path("/w/out"), "mov,mp4,m4a,3gp,3g2,mj2")[-3:-1] == ["-f", "mp4"]
