"""Real ffprobe on real (tiny) files: each defect is found with the value a teacher would see."""

import time
from pathlib import Path

import pytest

from contracts.campaign import Campaign, VideoSpec
from contracts.events import Finding, Severity
from services.media.header_rules import check_video
from services.media.probe import ProbeFailed, ProbeUnavailable, probe
from services.validator.report import render_text
from services.validator.selfcheck import exit_code, self_check
from tests.integration.validator.conftest import Clip

CBR_8M = ("-x264-params", "nal-hrd=cbr", "-b:v", "8M", "-minrate", "8M", "-maxrate", "8M", "-bufsize", "2M")


async def findings_for(path: Path, spec: VideoSpec) -> list[Finding]:
    return check_video(await probe(path), spec)


def only(findings: list[Finding], rule_id: str) -> Finding:
    matching = [f for f in findings if f.rule_id == rule_id]
    assert len(matching) == 1, findings
    return matching[0]


@pytest.fixture
def yanbian_file(clip: Clip) -> Path:
    return clip("红色记忆—延吉市第一中学张老师.mp4", size="1920x1080", extra=CBR_8M)


async def test_conforming_yanbian_file_passes(yanbian_file: Path, yanbian: Campaign) -> None:
    result = await self_check(yanbian_file, yanbian, ("红色记忆", "延吉市第一中学", "张老师"))
    # A 2 s clip is far shorter than the 4-6 minutes the notice prefers: a warning only.
    assert [(f.rule_id, f.severity, f.measured) for f in result.findings] == [
        ("video.preferred_duration", Severity.WARNING, "2秒")
    ]
    assert result.passed and exit_code(result) == 0
    assert result.probe is not None
    assert (result.probe.container, result.probe.width, result.probe.height) == ("mp4", 1920, 1080)
    summary = result.probe
    assert (summary.frame_rate, summary.video_codec, summary.audio_codec) == (25.0, "h264", "aac")
    assert result.duration_s == pytest.approx(2.0, abs=0.1)


async def test_conforming_file_has_no_findings_against_a_relaxed_copy(
    yanbian_file: Path, yanbian: Campaign
) -> None:
    spec = yanbian.video_spec()
    assert spec is not None
    assert await findings_for(yanbian_file, spec.model_copy(update={"preferred_duration": None})) == []


async def test_thirty_fps_fails_an_exact_twenty_five(clip: Clip) -> None:
    found = await findings_for(clip("30fps.mp4", rate="30"), VideoSpec(frame_rate=25))
    finding = only(found, "video.frame_rate")
    assert (finding.severity, finding.measured, finding.expected) == (Severity.ERROR, "30 帧/秒", "25 帧/秒")


async def test_ntsc_rate_is_not_thirty(clip: Clip) -> None:
    finding = only(
        await findings_for(clip("2997.mp4", rate="30000/1001"), VideoSpec(frame_rate=30)), "video.frame_rate"
    )
    assert finding.measured == "29.97 帧/秒"


async def test_720p_fails_a_1080p_spec(clip: Clip) -> None:
    found = await findings_for(clip("720p.mp4", size="1280x720"), VideoSpec(width=1920, height=1080))
    assert only(found, "video.resolution").measured == "1280×720"


async def test_silent_video_fails_audio_required(clip: Clip) -> None:
    found = await findings_for(clip("silent.mp4", audio=False), VideoSpec(audio_required=True))
    assert only(found, "audio.present").severity is Severity.ERROR


async def test_rotation_metadata_makes_a_landscape_stream_portrait(clip: Clip, remux) -> None:
    rotated = remux(clip("flat.mp4"), "rotated.mp4", "-metadata:s:v:0", "rotate=90")
    p = await probe(rotated)
    assert p.video is not None and p.video.rotation in (90, 270) and p.video.display_size == (180, 320)
    found = check_video(p, VideoSpec(width=320, height=180, orientation="landscape", aspect_ratio="16:9"))
    assert only(found, "video.orientation").measured == "竖屏（180×320）"
    assert only(found, "video.resolution").measured.startswith("180×320（旋转")
    assert only(found, "video.aspect_ratio").measured == "9:16"


@pytest.mark.parametrize(("muxer", "measured"), [("mov", "MOV"), ("matroska", "MKV")])
async def test_renamed_container_is_seen_through(clip: Clip, remux, muxer: str, measured: str) -> None:
    disguised = remux(clip("source.mp4"), f"as-{muxer}.mp4", "-f", muxer)
    found = await findings_for(disguised, VideoSpec(containers=["mp4"]))
    assert only(found, "video.container").measured == measured


async def test_genuine_mp4_passes_the_container_rule(clip: Clip) -> None:
    p = await probe(clip("real.mp4"))
    assert (p.container, p.major_brand) == ("mp4", "isom")
    assert check_video(p, VideoSpec(containers=["mp4"])) == []


async def test_interlaced_encode_fails_progressive(clip: Clip) -> None:
    interlaced = clip("interlaced.mp4", extra=("-flags", "+ilme+ildct"))
    found = await findings_for(interlaced, VideoSpec(progressive=True))
    assert only(found, "video.interlaced").measured == "隔行扫描（上场优先）"


async def test_yuv444_fails_a_yuv420_spec(clip: Clip) -> None:
    found = await findings_for(clip("444.mp4", pix_fmt="yuv444p"), VideoSpec(pixel_formats=["yuv420p"]))
    assert only(found, "video.pixel_format").measured == "yuv444p"


async def test_moov_at_the_end_fails_faststart_and_the_front_passes(clip: Clip, remux) -> None:
    at_end = clip("moov-last.mp4")
    at_front = remux(at_end, "moov-first.mp4", "-movflags", "+faststart")
    spec = VideoSpec(faststart=True)
    assert (await probe(at_end)).faststart is False
    assert only(await findings_for(at_end, spec), "file.faststart").severity is Severity.ERROR
    assert (await probe(at_front)).faststart is True
    assert await findings_for(at_front, spec) == []


def write_text(path: Path) -> Path:
    path.write_text("这不是视频，只是改了扩展名的文本。\n", encoding="utf-8")
    return path


def write_half(source: Path, path: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


async def test_text_file_named_mp4_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ProbeFailed) as failed:
        await probe(write_text(tmp_path / "notes.mp4"))
    assert "无法识别" in failed.value.reason_zh


async def test_zero_length_file_is_unreadable(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(ProbeFailed) as failed:
        await probe(empty)
    assert "0字节" in failed.value.reason_zh


async def test_truncated_mp4_without_front_index_is_unreadable(clip: Clip, tmp_path: Path) -> None:
    with pytest.raises(ProbeFailed) as failed:
        await probe(write_half(clip("whole.mp4"), tmp_path / "half.mp4"))
    assert "不完整" in failed.value.reason_zh


@pytest.mark.parametrize("make", ["text", "empty", "half", "half-faststart"])
async def test_self_check_turns_unreadable_files_into_a_finding(
    make: str, clip: Clip, remux, tmp_path: Path, yanbian: Campaign
) -> None:
    path = tmp_path / f"{make}.mp4"
    if make == "text":
        write_text(path)
    elif make == "empty":
        path.touch()
    elif make == "half":
        write_half(clip("whole.mp4"), path)
    else:  # the index survives at the front, so ffprobe reads it: the box walk sees the cut
        write_half(remux(clip("whole.mp4"), "front.mp4", "-movflags", "+faststart"), path)
    result = await self_check(path, yanbian, None)
    assert only(result.findings, "file.readable").severity is Severity.ERROR
    assert not result.passed and exit_code(result) == 1


async def test_hanging_ffprobe_is_killed_at_the_timeout(clip: Clip, hanging_ffprobe: str) -> None:
    started = time.monotonic()
    with pytest.raises(ProbeFailed) as failed:
        await probe(clip("any.mp4", audio=False), timeout_s=1, ffprobe_bin=hanging_ffprobe)
    assert time.monotonic() - started < 5
    assert "超时" in failed.value.reason_zh


async def test_missing_ffprobe_is_a_tool_error(clip: Clip, tmp_path: Path, yanbian: Campaign) -> None:
    path = clip("any.mp4", audio=False)
    missing = str(tmp_path / "no-such-ffprobe")
    with pytest.raises(ProbeUnavailable):
        await probe(path, ffprobe_bin=missing)
    result = await self_check(path, yanbian, None, ffprobe_bin=missing)
    assert result.tool_error is not None and exit_code(result) == 2


async def test_wrong_dash_in_the_file_name_is_named(clip: Clip, yanbian: Campaign) -> None:
    path = clip("红色记忆--延吉市第一中学张老师.mp4", audio=False)
    result = await self_check(path, yanbian, ("红色记忆", "延吉市第一中学", "张老师"))
    finding = only(result.findings, "file.name")
    assert finding.expected == "红色记忆—延吉市第一中学张老师.mp4"
    assert "“—”" in finding.message_zh


async def test_report_of_a_failing_file(clip: Clip, yanbian: Campaign) -> None:
    result = await self_check(clip("小视频.mp4", rate="30"), yanbian, None)
    assert not result.passed and exit_code(result) == 1
    text = render_text(result.findings)
    assert text.splitlines()[0].startswith("检查结果：未通过")
    assert "帧率为30帧/秒，要求25帧/秒：导出时请将帧率设为25" in text
    assert "Frame rate is 30 fps" in render_text(result.findings, lang="en")
    ids = {f.rule_id for f in result.findings}
    assert {"video.frame_rate", "video.resolution", "video.bit_rate", "video.preferred_duration"} <= ids
    assert only(result.findings, "video.bit_rate").severity is Severity.WARNING
