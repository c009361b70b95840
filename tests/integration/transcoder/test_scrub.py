"""Works that are not videos reach reviewers and platforms without who made them or where (issue 12).

A photo with EXIF GPS and artist, an MP3 and an M4A tagged with their artist (the MP3 with cover
art), a DOCX with its author, company, a comment and a tracked change, and a PDF naming its author
in its Info, XMP, a note and an attachment go through intake and the
transcoder on the real broker, store and ffmpeg. The ``master`` rendition, which is what review
(services/review/blind.py) and the publisher (services/publisher/payload.py) hand out, holds none of
those names, and the work itself (pixels, sound, text) is as uploaded; the upload stays stored as
sent, for the campaign admin and the audit."""

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from services.common.settings import Settings
from services.media.probe import probe
from services.media.scrub import ScrubFailed, scrub_file_bounded
from tests.integration.transcoder.clips import ffmpeg
from tests.integration.transcoder.conftest import (
    Start,
    define,
    ended,
    pass_validation,
    small_campaign,
    submit,
    transcoded,
)
from tests.integration.transcoder.test_outputs import blob_path
from tests.metadata_samples import (
    ARTIST,
    AUTHOR,
    COMPANY,
    FIELD_NAME,
    docx,
    docx_text,
    pdf,
    pixels,
    with_camera_metadata,
)


def campaign_of(kind: str, campaign_id: str) -> str:
    raw = yaml.safe_load(small_campaign(campaign_id))
    raw["materials"][0] = {"key": "work", "label": "作品", "kind": kind, "primary": True}
    return yaml.safe_dump(raw, allow_unicode=True)


async def master_of(
    start: Start, settings: Settings, kind: str, upload: Path, media_type: str, duration_s: float = 0.0
) -> tuple[bytes, dict[str, Any]]:
    """The bytes of the work's master rendition, and the stored upload's answer."""
    async with start(["intake", "transcoder"]) as api:
        cid = await define(api, campaign_of(kind, f"scrub-{kind}-{upload.suffix[1:]}"))
        sid, answer = await submit(api, cid, upload)
        await pass_validation(settings, cid, sid, answer, duration_s, media_type=media_type)
        event = transcoded(await ended(api, sid))
        assert event["succeeded"] is True, event["reason"]
        job = (await api.get(f"/api/transcoder/jobs/{sid}")).json()
        assert job["state"] == "done" and job["scrub"]["format"] in (
            kind,
            "jpeg",
            "ooxml",
            "pdf",
            "ole",
            "tiff",
            "heic",
        )
    (master,) = event["renditions"]
    assert master["name"] == "master" and master["blob"]["sha256"] != answer["sha256"]
    assert master["blob"]["media_type"] == media_type
    original = settings.blobs_path() / "sha256" / answer["sha256"][:2] / answer["sha256"][2:]
    assert original.read_bytes() == upload.read_bytes()  # the admin's and the audit's copy
    return blob_path(settings, master).read_bytes(), answer


async def test_a_photo_loses_its_gps_artist_and_comments_and_keeps_every_pixel(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    plain = tmp_path / "plain.jpg"
    await ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360", "-frames:v", "1", str(plain))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(with_camera_metadata(plain.read_bytes(), orientation=1))
    assert ARTIST.encode() in photo.read_bytes()

    master, _ = await master_of(start, settings, "images", photo, "image/jpeg")
    assert ARTIST.encode() not in master
    assert b"Exif" not in master and b"xap/1.0" not in master
    shown = tmp_path / "shown.jpg"
    shown.write_bytes(master)
    info = await probe(shown, demuxers="image2,jpeg_pipe")
    assert info.video is not None and (info.video.width, info.video.height) == (640, 360)
    assert await pixels(shown) == await pixels(plain)


async def test_tagged_audio_loses_artist_title_and_cover_art_and_keeps_its_sound(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    cover = tmp_path / "cover.png"
    await ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x64", "-frames:v", "1", str(cover))
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100:duration=3"]
    tags = ["-metadata", f"artist={ARTIST}", "-metadata", f"album_artist={ARTIST}", "-metadata", "title=秘密"]
    song = tmp_path / "song.mp3"
    await ffmpeg(*tone, "-i", str(cover), "-map", "0", "-map", "1", "-c:a", "libmp3lame", "-c:v", "png",
                 "-disposition:v", "attached_pic", *tags, str(song))  # fmt: skip
    m4a = tmp_path / "talk.m4a"
    await ffmpeg(*tone, "-c:a", "aac", *tags, str(m4a))

    for upload, media_type in ((song, "audio/mpeg"), (m4a, "audio/mp4")):
        before = await probe(upload)
        assert ARTIST.encode() in upload.read_bytes()
        master, _ = await master_of(start, settings, "audio", upload, media_type, before.duration_s or 0)
        assert ARTIST.encode() not in master and "秘密".encode() not in master
        heard = tmp_path / f"heard{upload.suffix}"
        heard.write_bytes(master)
        after = await probe(heard)
        assert [s.codec_type for s in after.streams] == ["audio"]  # the cover art is gone
        assert after.audio is not None and before.audio is not None
        assert after.audio.codec_name == before.audio.codec_name
        assert after.duration_s is not None and before.duration_s is not None
        assert abs(after.duration_s - before.duration_s) < 0.1


async def test_a_document_loses_its_author_company_and_comments_and_keeps_its_text(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.docx"
    plan.write_bytes(docx("岳阳楼记教学设计"))
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    master, _ = await master_of(start, settings, "text", plan, media_type)
    assert docx_text(master) == "岳阳楼记教学设计!"
    for name in (AUTHOR, COMPANY):
        assert name.encode() not in master
        assert all(name.encode() not in part for part in unzipped(master).values())
    assert "word/comments.xml" not in unzipped(master)


async def test_a_pdf_loses_every_name_in_it_and_keeps_its_page_and_form(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.pdf"
    plan.write_bytes(pdf())
    master, _ = await master_of(start, settings, "text", plan, "application/pdf")
    assert b"LiSi" not in master  # pypdf escapes the hyphen of AUTHOR: look for its first half
    shown = PdfReader(io.BytesIO(master))
    assert shown.metadata is None and "/Metadata" not in shown.root_object
    assert shown.pages[0].extract_text() == "Lesson plan: Yueyang Tower"
    assert list(shown.get_fields() or {}) == [FIELD_NAME]
    assert shown.attachments == {}


def unzipped(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


async def test_a_picture_that_cannot_be_rewritten_is_never_shown_as_uploaded(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    # A JPEG whose EXIF segment says it runs past the end of the file: the structure cannot be walked.
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe1\xff\xf0Exif\0\0" + ARTIST.encode())
    async with start(["intake", "transcoder"]) as api:
        cid = await define(api, campaign_of("images", "scrub-broken"))
        sid, answer = await submit(api, cid, broken)
        await pass_validation(settings, cid, sid, answer, 0.0, media_type="image/jpeg")
        status = await ended(api, sid)
    event = transcoded(status)
    assert event["succeeded"] is False and event["renditions"] == []
    assert event["reason"].startswith("作品文件无法去除元数据") and "cannot be stripped" in event["reason"]
    assert status["stage"] == "transcode_failed"


async def test_an_office_file_over_the_limits_ends_in_the_child_not_the_transcoder(tmp_path: Path) -> None:
    # 200 MB of zeros in one part inflate from a few hundred KB: over the 100 MB an edited part may declare.
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z, z.open("word/document.xml", "w") as part:
        for _ in range(200):
            part.write(bytes(1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(ScrubFailed, match="too large to edit"):
        await scrub_file_bounded("ooxml", bomb, tmp_path / "out.docx", timeout_s=60)
