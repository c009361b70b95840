"""Bad files and bad tools end in a finding or a clear tool error, never a crash or an unbounded wait.

Hunan's preset states no header rule but one that needs the decode pass (no
QR codes), so a damaged file reaches the decode; Yanbian's states many, so a
file that breaks them is never decoded at all."""

import shutil
from pathlib import Path

import pytest

from contracts.campaign import Campaign
from contracts.events import Severity
from services.intake.presets import load_preset
from services.validator.selfcheck import SelfCheckResult, exit_code, self_check
from tests.integration.validator import defects


@pytest.fixture(scope="module")
def hunan() -> Campaign:
    return load_preset("hunan-smart-edu-2022")


def rules(result: SelfCheckResult) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.severity) for f in result.findings]


async def test_matroska_cut_short_is_found_by_the_decode(tmp_path: Path, hunan: Campaign) -> None:
    source = defects.conforming(tmp_path / "whole.mp4", seconds=6)
    cut = defects.truncated_mkv(tmp_path / "cut.mkv", source)
    result = await self_check(cut, hunan, None)
    assert rules(result) == [("file.readable", Severity.ERROR)]
    finding = result.findings[0]
    # The demuxer says "File ended prematurely", or the streams stop before the header's length.
    assert "截断" in finding.message_zh and finding.time_range is not None
    assert finding.time_range.start_s < 4.0
    assert not result.passed and exit_code(result) == 1


async def test_mp4_cut_short_fails_at_the_headers_and_is_not_decoded(tmp_path: Path, hunan: Campaign) -> None:
    whole = defects.conforming(tmp_path / "whole.mp4")
    cut = tmp_path / "cut.mp4"
    data = (tmp_path / "whole.mp4").read_bytes()
    defects.ffmpeg("-i", str(whole), "-c", "copy", "-movflags", "+faststart", str(tmp_path / "front.mp4"))
    data = (tmp_path / "front.mp4").read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    result = await self_check(cut, hunan, None)
    assert rules(result) == [("file.readable", Severity.ERROR)]
    assert result.quality is None


async def test_zero_length_file_is_unreadable_and_not_decoded(tmp_path: Path, hunan: Campaign) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    result = await self_check(empty, hunan, None)
    assert rules(result) == [("file.readable", Severity.ERROR)] and result.quality is None


async def test_tracks_without_a_single_frame_fail(tmp_path: Path, hunan: Campaign) -> None:
    result = await self_check(defects.no_frames(tmp_path / "empty-tracks.flv"), hunan, None)
    assert rules(result) == [("video.frames", Severity.ERROR)]
    assert result.quality is not None and result.quality.video_frames == 0
    assert not result.passed


def claim_a_month(path: Path) -> Path:
    """Overwrite the movie's and each track's duration (version-0 boxes) with 2^32 - 2^28 ticks."""
    data = bytearray(path.read_bytes())
    for box in (b"mvhd", b"mdhd"):
        at = data.find(box)
        while at >= 0:
            if data[at + 4] == 0:  # version 0: 32-bit creation, modification, timescale, duration
                data[at + 20 : at + 24] = (0xF000_0000).to_bytes(4, "big")
            at = data.find(box, at + 4)
    path.write_bytes(bytes(data))
    return path


async def test_absurd_duration_in_the_headers(tmp_path: Path, hunan: Campaign) -> None:
    path = claim_a_month(defects.conforming(tmp_path / "month.mp4", seconds=2))
    yanbian = load_preset("yanbian-2024")
    rejected = await self_check(path, yanbian, None)
    assert ("video.duration", Severity.ERROR) in rules(rejected) and rejected.quality is None
    # Without a duration rule the decode runs, finds the two seconds that are really there, and says so.
    decoded = await self_check(path, hunan, None)
    assert decoded.duration_s is not None and decoded.duration_s > 100_000
    assert decoded.quality is not None and decoded.quality.video_length_s == pytest.approx(2.0)
    assert rules(decoded) == [("file.readable", Severity.ERROR)]
    assert decoded.findings[0].measured == "只有0:02.0"


def fake_tool(folder: Path, name: str, script: str) -> str:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    path.chmod(0o755)
    return str(path)


async def test_hanging_ffmpeg_is_stopped_and_reported(tmp_path: Path, hunan: Campaign) -> None:
    sleep = shutil.which("sleep") or "/bin/sleep"
    hangs = fake_tool(tmp_path, "ffmpeg-hangs", f"{sleep} 300 &\nwait")
    result = await self_check(
        defects.conforming(tmp_path / "ok.mp4"), hunan, None, ffmpeg_bin=hangs, quality_timeout_s=1
    )
    assert rules(result) == [("quality.incomplete", Severity.WARNING)]
    assert "超过1秒" in result.findings[0].message_zh
    assert result.passed and exit_code(result) == 0  # headers passed; the warning tells the teacher


async def test_ffmpeg_that_cannot_start_is_a_tool_error(tmp_path: Path, hunan: Campaign) -> None:
    result = await self_check(
        defects.conforming(tmp_path / "ok.mp4"), hunan, None, ffmpeg_bin=str(tmp_path / "no-ffmpeg")
    )
    assert result.tool_error is not None and exit_code(result) == 2 and not result.passed


async def test_ffmpeg_that_fails_makes_the_file_undecodable(tmp_path: Path, hunan: Campaign) -> None:
    fails = fake_tool(tmp_path, "ffmpeg-fails", "echo 'Invalid data found when processing input' >&2\nexit 1")
    result = await self_check(defects.conforming(tmp_path / "ok.mp4"), hunan, None, ffmpeg_bin=fails)
    assert rules(result) == [("file.decodable", Severity.ERROR)]


@pytest.mark.slow
async def test_very_long_file_is_bounded(tmp_path: Path, hunan: Campaign) -> None:
    path = defects.long_file(tmp_path / "two-hours.mp4", minutes=120)
    yanbian = load_preset("yanbian-2024")
    too_long = await self_check(path, yanbian, None)
    assert ("video.duration", Severity.ERROR) in rules(too_long) and too_long.quality is None
    bounded = await self_check(path, hunan, None, quality_timeout_s=2)
    assert rules(bounded) == [("quality.incomplete", Severity.WARNING)]
    assert bounded.duration_s is not None and bounded.duration_s > 7000
