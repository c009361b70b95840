"""ffprobe reads a blob in object storage in place, through its presigned URL (issue 11), with
exactly the protocols that URL needs and the same demuxer allow-list as a local file."""

import json
from pathlib import Path

import pytest

from services.common.blob_stores import open_blob_store
from services.common.blobs import blob_key
from services.common.settings import Settings
from services.media.ffprobe import run_ffprobe
from services.media.process import run
from tests.integration.blobs.conftest import new_bucket, s3_endpoint, s3_settings  # noqa: F401

SHOWN = ["-print_format", "json", "-show_streams"]


@pytest.fixture
def s3(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    endpoint = request.getfixturevalue("s3_endpoint")  # moto's S3 server (tests/integration/blobs)
    return s3_settings(monkeypatch, tmp_path, endpoint, new_bucket(endpoint))


async def clip(out: Path) -> Path:
    argv = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(out),
    ]  # fmt: skip
    done = await run(argv, 60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return out


async def test_ffprobe_reads_a_presigned_url_in_place_and_no_disguised_playlist(
    s3: Settings, tmp_path: Path
) -> None:
    blobs = open_blob_store(s3)
    video = await blobs.put_file(await clip(tmp_path / "clip.mp4"), "video/mp4")
    url = await blobs.url(blob_key(video.sha256), 60, public=False)
    done = await run_ffprobe(SHOWN, url, 60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    (stream,) = json.loads(done.stdout)["streams"]
    assert (stream["codec_name"], stream["width"]) == ("h264", 320)

    # An upload that is really a playlist naming another stored file opens nothing.
    playlist = tmp_path / "work.mp4"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\n{url}\n#EXT-X-ENDLIST\n")
    disguised = await blobs.put_file(playlist, "video/mp4")
    done = await run_ffprobe(SHOWN, await blobs.url(blob_key(disguised.sha256), 60, public=False), 60)
    assert done.returncode != 0 and not json.loads(done.stdout or b"{}").get("streams")
