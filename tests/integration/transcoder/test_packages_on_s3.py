"""An HLS package kept in object storage plays through the transcoder's package route (issue 11):
the playlists come from the route, so their relative names resolve back to it, and each segment
is a redirect to its presigned URL. Played by ffprobe over HTTP, as a player would."""

import json
from pathlib import Path

import httpx
import pytest

from services.common.blob_stores import open_blob_store
from services.common.settings import Settings
from services.media.inputs import OWN_PACKAGE_DEMUXERS, url_input_args
from services.media.process import run
from services.transcoder.packages import store_package
from tests.integration.blobs.conftest import new_bucket, s3_endpoint, s3_settings  # noqa: F401
from zhengji.server import running

FRAMES = 50  # 2 s at 25 fps


async def hls_ladder(out: Path) -> Path:
    """A master playlist naming one rung in a folder, with an init file and fMP4 segments."""
    argv = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={FRAMES / 25}",
        "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "300k", "-pix_fmt", "yuv420p", "-g", "25",
        "-f", "hls", "-hls_time", "1", "-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
        "-master_pl_name", "master.m3u8", "-var_stream_map", "v:0,name:180p",
        "-hls_fmp4_init_filename", "init.mp4",
        "-hls_segment_filename", str(out / "%v" / "seg%d.m4s"), str(out / "%v" / "index.m3u8"),
    ]  # fmt: skip
    (out / "180p").mkdir(parents=True)
    done = await run(argv, 120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return out


@pytest.fixture
def s3(settings: Settings, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Settings:
    endpoint = request.getfixturevalue("s3_endpoint")  # moto's S3 server (tests/integration/blobs)
    blob_url = s3_settings(monkeypatch, settings.data_dir, endpoint, new_bucket(endpoint)).blob_url
    return settings.model_copy(update={"blob_url": blob_url})


async def test_an_hls_package_in_object_storage_plays_through_the_route(s3: Settings) -> None:
    blobs = open_blob_store(s3)
    package = await store_package(blobs, await hls_ladder(blobs.work_dir("tmp") / "ladder"))
    assert blobs.file_path(f"packages/{package.sha256}") is None, "the package is in the bucket only"

    async with running(s3, ["transcoder"]), httpx.AsyncClient(base_url=s3.base_url(), timeout=30) as api:
        base = f"/api/transcoder/packages/{package.sha256}"
        playlist = await api.get(f"{base}/master.m3u8")
        assert playlist.status_code == 200 and "180p/index.m3u8" in playlist.text
        segment = await api.get(f"{base}/180p/seg0.m4s")
        assert segment.status_code == 307 and "X-Amz-Signature=" in segment.headers["location"]
        assert (await api.get(f"{base}/180p/nothing.m3u8")).status_code == 404
        assert (await api.get(f"{base}/../../sha256/x")).status_code == 404

        # A player: every frame of every segment, through the route and the store's redirects,
        # with nothing but HTTP over TCP allowed.
        url = f"{s3.base_url()}{base}/master.m3u8"
        argv = ["ffprobe", "-v", "error", "-count_frames", "-print_format", "json", "-show_streams"]
        done = await run([*argv, *url_input_args(url, OWN_PACKAGE_DEMUXERS)], 120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        (stream,) = json.loads(done.stdout)["streams"]
        assert (stream["codec_name"], stream["width"], int(stream["nb_read_frames"])) == ("h264", 320, FRAMES)
