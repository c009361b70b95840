"""Bad input reaching the transcoder: each ends in a failed job with a clear reason on the submission,
its temporary files removed, and the transcoder still healthy for the next upload.

The validator's header checks let such files through (they probe fine), so these tests run intake
and the transcoder and publish the ``validated`` event themselves (conftest.pass_validation)."""

from pathlib import Path

import httpx

from services.common.settings import Settings
from tests.integration.transcoder.clips import clip, corrupt_middle, empty_audio_track, long_clip
from tests.integration.transcoder.conftest import (
    Start,
    define,
    ended,
    packages,
    pass_validation,
    small_campaign,
    submit,
    transcoded,
    work_dirs,
)

SERVICES = ["intake", "transcoder"]


async def fails_with(
    api: httpx.AsyncClient, settings: Settings, cid: str, media: Path, duration_s: float, i: int = 1
) -> str:
    """Upload, pass validation, wait for the outcome; the reason on the submission."""
    sid, upload = await submit(api, cid, media, i)
    await pass_validation(settings, cid, sid, upload, duration_s, i)
    status = await ended(api, sid)
    assert status["stage"] == "transcode_failed"
    event = transcoded(status)
    assert event["succeeded"] is False and event["renditions"] == []
    job = (await api.get(f"/api/transcoder/jobs/{sid}")).json()
    assert job["state"] == "failed" and job["reason"] == event["reason"]
    assert work_dirs(settings) == [] and packages(settings) == []
    return str(event["reason"])


async def still_healthy(api: httpx.AsyncClient, settings: Settings, cid: str, media: Path) -> None:
    sid, upload = await submit(api, cid, media, 9)
    await pass_validation(settings, cid, sid, upload, 2.0, 9)
    assert transcoded(await ended(api, sid))["succeeded"] is True
    assert work_dirs(settings) == []


async def test_a_file_that_probes_fine_but_fails_to_decode_half_way(
    start: Start, settings: Settings, tmp_path: Path
) -> None:
    good = await clip(tmp_path / "good.mp4", seconds=4)
    damaged = corrupt_middle(good, tmp_path / "damaged.mp4")
    async with start(SERVICES) as api:
        cid = await define(api, small_campaign("tx-damaged"))
        reason = await fails_with(api, settings, cid, damaged, 4.0)
        assert reason.startswith("视频") and "无法解码（文件已损坏）" in reason
        assert "cannot be decoded" in reason and "export it again" in reason
        await still_healthy(api, settings, cid, good)


async def test_a_zero_length_audio_stream(start: Start, settings: Settings, tmp_path: Path) -> None:
    empty = await empty_audio_track(tmp_path / "empty-audio.mkv")
    async with start(SERVICES) as api:
        cid = await define(api, small_campaign("tx-empty-audio", containers=None))
        reason = await fails_with(api, settings, cid, empty, 2.0)
        assert reason.startswith("音频轨道为空（时长为0秒）") and "The audio track is empty" in reason
        await still_healthy(api, settings, cid, await clip(tmp_path / "good.mp4"))


async def test_an_odd_resolution_1918x1080(start: Start, settings: Settings, tmp_path: Path) -> None:
    odd = await clip(tmp_path / "odd.mp4", size="1918x1080", seconds=1)
    async with start(SERVICES) as api:
        cid = await define(api)  # Yanbian: 1920x1080
        reason = await fails_with(api, settings, cid, odd, 1.0)
        assert reason.startswith("分辨率为1918×1080，交付规格要求1920×1080")
        assert "does not stretch or crop" in reason
        small = await define(api, small_campaign("tx-after-odd"))
        await still_healthy(api, settings, small, await clip(tmp_path / "good.mp4"))


async def test_an_encode_over_its_time_limit(start: Start, settings: Settings, tmp_path: Path) -> None:
    ten_minutes = await long_clip(tmp_path / "long.mp4", minutes=10)
    async with start(SERVICES, transcode_timeout_s=1.0) as api:
        cid = await define(api, small_campaign("tx-slow"))
        reason = await fails_with(api, settings, cid, ten_minutes, 600.0)
        assert reason.startswith("转码超过时限（1秒）未完成") and "time limit (1 s)" in reason
        # Still healthy: the next job is taken and finished (this one fails fast, before any encode).
        odd = await clip(tmp_path / "odd.mp4", size="1918x1080", seconds=1)
        yanbian = await define(api)
        assert "1918×1080" in await fails_with(api, settings, yanbian, odd, 1.0, i=2)
