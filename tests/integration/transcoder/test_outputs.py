"""Uploads through all five services on the real broker, store and ffmpeg, to the transcoder's outputs."""

import re
from pathlib import Path

import yaml
from prometheus_client import REGISTRY

from services.common.settings import Settings
from services.media.inputs import OWN_PACKAGE_DEMUXERS
from services.media.probe import probe
from tests.integration.transcoder.clips import clip, conforming_1080p, integrated_loudness, video_packets
from tests.integration.transcoder.conftest import (
    Start,
    define,
    ended,
    pass_validation,
    small_campaign,
    submit,
    transcoded,
)

ALL = ["intake", "validator", "transcoder", "review", "publisher"]


def encodes_timed() -> float:
    return REGISTRY.get_sample_value("zhengji_ffmpeg_speed_ratio_count", {"phase": "encode"}) or 0


def blob_path(settings: Settings, rendition: dict[str, object]) -> Path:
    blob = rendition["blob"]
    assert isinstance(blob, dict)
    uri = str(blob["uri"])
    if uri.startswith("blob://package/"):
        return settings.blobs_path() / "packages" / uri.removeprefix("blob://package/")
    sha = str(blob["sha256"])
    return settings.blobs_path() / "sha256" / sha[:2] / sha[2:]


async def test_a_conforming_upload_is_remuxed_never_encoded(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    upload = await conforming_1080p(tmp_path / "conforming.mp4")
    async with start(ALL) as api:
        cid = await define(api)
        sid, _ = await submit(api, cid, upload)
        status = await ended(api, sid)
        job = (await api.get(f"/api/transcoder/jobs/{sid}")).json()
        unknown = await api.get("/api/transcoder/jobs/S0000000000000000")
        assert unknown.status_code == 404 and "没有转码任务" in unknown.json()["detail"]["message_zh"]
        found = (await api.get("/api/transcoder/hardware")).json()
        assert found["encoder"]["encoder"] == ("nvenc" if found["hardware"]["nvenc"] else "x264")

        event = transcoded(status)
        assert event["succeeded"] is True
        by_name = {r["name"]: r for r in event["renditions"]}
        assert set(by_name) == {"master", "hls", "poster", "sprite", "thumbnails"}
        master = by_name["master"]
        assert (master["codec"], master["width"], master["height"], master["frame_rate"]) == (
            "h264",
            1920,
            1080,
            25,
        )
        assert master["remuxed"] is True
        assert job["state"] == "done" and job["percent"] == 100.0
        assert job["plan"] == {"video": "copy", "audio": "copy", "remux": True, "why": []}

        # No encode: the master carries the very packets that were uploaded, now with faststart.
        master_file = blob_path(settings, master)
        assert await video_packets(master_file) == await video_packets(upload)
        info = await probe(master_file)
        assert info.container == "mp4" and info.faststart is True

        # The HLS package is served as a directory: master playlist, three rungs, fMP4 segments.
        hls = by_name["hls"]
        base = f"/api/transcoder/packages/{hls['package_sha256']}"
        playlist = (await api.get(f"{base}/master.m3u8")).text
        assert re.findall(r"RESOLUTION=(\d+x\d+)", playlist) == ["1920x1080", "1280x720", "640x360"]
        lines = playlist.splitlines()
        variant = lines[next(i for i, line in enumerate(lines) if "1280x720" in line) + 1]
        rung = (await api.get(f"{base}/{variant}")).text
        assert '#EXT-X-MAP:URI="init' in rung and ".m4s" in rung
        segment = next(line for line in rung.splitlines() if line.endswith(".m4s"))
        folder = variant.rsplit("/", 1)[0]
        assert (await api.get(f"{base}/{folder}/{segment}")).status_code == 200

        poster = await probe(blob_path(settings, by_name["poster"]), demuxers=OWN_PACKAGE_DEMUXERS)
        assert poster.video is not None and (poster.video.width, poster.video.height) == (1280, 720)
        vtt = (await api.get(f"{base}/thumbnails.vtt")).text
        assert vtt.startswith("WEBVTT") and vtt.count("sprite.jpg#xywh=") == 2  # one per second of a 2 s clip


async def test_an_upload_needing_work_is_encoded_once_to_the_spec(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    # H.264 4:2:2 (High 4:2:2) with loud MP3 sound: the campaign states no pixel format, audio
    # codec or loudness, so the validator passes it; delivery wants 8-bit 4:2:0 High and AAC, and
    # sound that is encoded anyway is normalised (to GY/T 282's -24 LUFS, the campaign naming none).
    upload = await clip(tmp_path / "422.mp4", pix_fmt="yuv422p", audio="libmp3lame", volume_db=6)
    encodes_before = encodes_timed()
    async with start(ALL) as api:
        cid = await define(api, small_campaign("tx-small"))
        sid, _ = await submit(api, cid, upload)
        status = await ended(api, sid)
        job = (await api.get(f"/api/transcoder/jobs/{sid}")).json()
    # ffmpeg's realtime factor of the encode pass, as the dashboard's ffmpeg-speed panel reads it.
    assert encodes_timed() == encodes_before + 1

    master = next(r for r in transcoded(status)["renditions"] if r["name"] == "master")
    assert master["remuxed"] is False
    assert job["plan"]["video"] == "encode" and job["plan"]["audio"] == "encode"
    info = await probe(blob_path(settings, master))
    v, a = info.video, info.audio
    assert v is not None and a is not None
    assert (v.codec_name, v.profile, v.pix_fmt, v.width, v.height) == ("h264", "High", "yuv420p", 320, 180)
    assert v.frame_rate == 25
    assert (a.codec_name, a.sample_rate, a.channels) == ("aac", 48000, 2)
    assert abs(await integrated_loudness(blob_path(settings, master)) - (-24)) <= 1.0
    assert info.faststart is True
    hls = next(r for r in transcoded(status)["renditions"] if r["name"] == "hls")
    assert hls["height"] == 180  # a 180p upload is not upscaled: one rung, its own height


async def test_a_work_that_is_not_a_video_gets_a_master_without_metadata_and_no_streaming_renditions(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    raw = yaml.safe_load(small_campaign("tx-audio"))
    raw["materials"][0] = {"key": "work", "label": "音频作品", "kind": "audio", "primary": True, "audio": {}}
    sound = await clip(tmp_path / "sound.mp4")
    async with start(["intake", "transcoder"]) as api:
        cid = await define(api, yaml.safe_dump(raw, allow_unicode=True))
        sid, upload = await submit(api, cid, sound)
        await pass_validation(settings, cid, sid, upload, 2.0, media_type="audio/mp4")
        event = transcoded(await ended(api, sid))
        # Its master is its sound, copied without tags (tests/integration/transcoder/test_scrub.py):
        # nothing is encoded, no HLS, poster or sprite is made for it.
        assert event["succeeded"] is True
        (master,) = event["renditions"]
        assert master["name"] == "master" and master["blob"]["sha256"] != upload["sha256"]
        job = (await api.get(f"/api/transcoder/jobs/{sid}")).json()
        assert job["state"] == "done" and job["plan"] is None and job["scrub"] == {"format": "audio"}
    heard = await probe(blob_path(settings, master))
    assert [s.codec_type for s in heard.streams] == ["audio"]
