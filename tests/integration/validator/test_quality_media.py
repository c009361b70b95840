"""The quality pass on real (tiny) files: each defect gives its finding, measured value and time range.

Every file is checked twice, with the cheap decode settings the service uses
(deblocking skipped, fast flags, a 480x270 proxy) and with an exact decode at
full resolution: the verdicts must be the same."""

from collections.abc import Callable
from pathlib import Path

import pytest

from contracts.campaign import AudioSpec, VideoSpec
from contracts.events import Finding, Severity
from services.media.probe import probe
from services.validator.qc_graph import CHEAP, EXACT, DecodeSettings
from services.validator.quality import QualityResult, check_quality
from tests.integration.validator import defects

# Every quality rule a notice can state; the header rules are left out.
SPEC = VideoSpec(
    constant_frame_rate=True,
    no_dropped_frames=True,
    av_sync=True,
    no_flashes=True,
    intro_slate_max_s=5,
    loudness_lufs=-23,
    loudness_tolerance_lu=2,
    true_peak_max_dbtp=-1,
    no_qr_codes=True,
    audio_required=True,
)


async def quality(path: Path, spec: VideoSpec = SPEC, settings: DecodeSettings = CHEAP) -> QualityResult:
    result = await check_quality(path, await probe(path), spec, settings=settings)
    assert result is not None
    return result


def verdicts(result: QualityResult) -> list[tuple[str, Severity, float | None, float | None]]:
    """What must not change with the decode settings: which rule, how severe, and where."""
    return sorted(
        (
            f.rule_id,
            f.severity,
            f.time_range.start_s if f.time_range else None,
            f.time_range.end_s if f.time_range else None,
        )
        for f in result.findings
    )


def same_verdicts(a: QualityResult, b: QualityResult, within_s: float = 0.2) -> bool:
    """Same rules and severities; time ranges within a few frames (skipped frames move an edge by one)."""
    left, right = verdicts(a), verdicts(b)
    return len(left) == len(right) and all(
        (x[0], x[1]) == (y[0], y[1])
        and all(
            (p is None and q is None) or (p is not None and q is not None and abs(p - q) <= within_s)
            for p, q in zip(x[2:], y[2:], strict=True)
        )
        for x, y in zip(left, right, strict=True)
    )


def only(result: QualityResult, rule_id: str) -> Finding:
    matching = [f for f in result.findings if f.rule_id == rule_id]
    assert len(matching) == 1, result.findings
    return matching[0]


MAKERS: dict[str, Callable[[Path], Path]] = {
    "conforming": defects.conforming,
    "black": defects.black_stretch,
    "frozen": defects.frozen,
    "silence": defects.silence,
    "silent-track": defects.silent_track,
    "quiet": defects.quiet,
    "flashing": defects.flashing,
    "slow-blink": defects.slow_blink,
    "slate": defects.slate,
    "dropped": defects.dropped_frames,
    "vfr": defects.variable_rate,
    "short-audio": defects.short_audio,
    "late-audio": defects.late_audio,
}


# Flashes need every frame; without them the cheap decode also skips frames nothing refers to.
NO_FLASHES = SPEC.model_copy(update={"no_flashes": None})


@pytest.mark.parametrize("spec", [SPEC, NO_FLASHES], ids=["every-frame", "reference-frames-only"])
@pytest.mark.parametrize("name", sorted(MAKERS))
async def test_cheap_decode_gives_the_verdicts_of_an_exact_decode(
    name: str, spec: VideoSpec, tmp_path: Path
) -> None:
    path = MAKERS[name](tmp_path / f"{name}.mp4")
    cheap, exact = await quality(path, spec), await quality(path, spec, settings=EXACT)
    assert same_verdicts(cheap, exact), (verdicts(cheap), verdicts(exact))
    assert cheap.summary.completed and exact.summary.completed
    if spec is NO_FLASHES:
        assert cheap.summary.vfrdet_ratio is None  # frames were skipped: vfrdet is not run


async def test_conforming_clip_has_no_findings_and_is_measured(tmp_path: Path) -> None:
    result = await quality(defects.conforming(tmp_path / "ok.mp4"))
    assert result.findings == []
    s = result.summary
    assert (s.video_frames, s.video_length_s, s.frame_interval_ms, s.dropped_frames) == (100, 4.0, 40.0, 0)
    assert s.variable_frame_rate is False and s.flashes == 0 and s.qr_codes == []
    assert s.audio_length_s == pytest.approx(4.0, abs=0.05)
    assert s.loudness_lufs == pytest.approx(-21.8, abs=0.5)  # a sine at amplitude 1/8


async def test_black_stretch_is_a_note_with_its_time(tmp_path: Path) -> None:
    finding = only(await quality(defects.black_stretch(tmp_path / "black.mp4")), "video.black")
    assert finding.severity is Severity.INFO
    assert finding.time_range is not None
    assert (finding.time_range.start_s, finding.time_range.end_s) == pytest.approx((2.0, 4.5), abs=0.05)
    assert finding.measured == "黑屏2.5秒（0:02.0–0:04.5）"


async def test_frozen_picture_is_a_note_running_to_the_end(tmp_path: Path) -> None:
    finding = only(await quality(defects.frozen(tmp_path / "frozen.mp4")), "video.freeze")
    assert finding.severity is Severity.INFO and finding.time_range is not None
    assert finding.time_range.start_s == pytest.approx(2.0, abs=0.1)
    assert finding.time_range.end_s == pytest.approx(14.0, abs=0.1)


async def test_silence_is_a_note_with_its_time(tmp_path: Path) -> None:
    finding = only(await quality(defects.silence(tmp_path / "silence.mp4")), "audio.silence")
    assert finding.severity is Severity.INFO and finding.time_range is not None
    assert (finding.time_range.start_s, finding.time_range.end_s) == pytest.approx((1.0, 7.0), abs=0.05)


async def test_silent_track_fails_loudness_and_warns_with_confidence(tmp_path: Path) -> None:
    result = await quality(defects.silent_track(tmp_path / "mute.mp4"))
    silent = only(result, "audio.silent")
    assert (silent.severity, silent.confidence) == (Severity.WARNING, 0.9)
    assert only(result, "audio.loudness").severity is Severity.ERROR


async def test_quiet_sound_fails_the_loudness_target(tmp_path: Path) -> None:
    result = await quality(defects.quiet(tmp_path / "quiet.mp4"))
    finding = only(result, "audio.loudness")
    assert finding.severity is Severity.ERROR and finding.expected == "-23 LUFS（±2 LU）"
    assert result.summary.loudness_lufs == pytest.approx(-41.8, abs=0.5)
    assert finding.measured.startswith(f"{result.summary.loudness_lufs:.1f} LUFS")
    assert "偏小" in finding.message_zh


@pytest.mark.parametrize(("colour", "red"), [("white", False), ("red", True)])
async def test_flashing_is_a_heuristic_warning_with_its_time(colour: str, red: bool, tmp_path: Path) -> None:
    finding = only(await quality(defects.flashing(tmp_path / "flash.mp4", colour=colour)), "video.flashes")
    assert finding.severity is Severity.WARNING
    assert finding.confidence == (0.6 if red else 0.7)
    assert ("红色" in finding.measured) is red
    assert finding.time_range is not None
    assert finding.time_range.start_s == pytest.approx(1.0, abs=0.2)
    assert finding.time_range.end_s == pytest.approx(3.0, abs=0.2)


async def test_a_campaign_can_make_heuristics_errors(tmp_path: Path) -> None:
    strict = SPEC.model_copy(update={"heuristic_severity": "error"})
    finding = only(await quality(defects.flashing(tmp_path / "flash.mp4"), strict), "video.flashes")
    assert finding.severity is Severity.ERROR


async def test_two_blinks_a_second_are_not_flashing(tmp_path: Path) -> None:
    result = await quality(defects.slow_blink(tmp_path / "blink.mp4"))
    assert [f for f in result.findings if f.rule_id == "video.flashes"] == []


async def test_long_still_slate_is_found_and_a_short_one_is_not(tmp_path: Path) -> None:
    finding = only(await quality(defects.slate(tmp_path / "long.mp4")), "video.intro_slate")
    assert (finding.severity, finding.measured, finding.expected) == (Severity.WARNING, "约7.0秒", "≤ 5秒")
    assert finding.confidence == 0.8  # the still opening ends at a scene cut
    short = await quality(defects.slate(tmp_path / "short.mp4", slate_s=3, rest_s=3))
    assert [f for f in short.findings if f.rule_id == "video.intro_slate"] == []
    assert short.summary.scene_cuts_s == [3.0]


async def test_dropped_frames_are_counted_from_timestamps(tmp_path: Path) -> None:
    result = await quality(defects.dropped_frames(tmp_path / "drop.mp4"))
    finding = only(result, "video.dropped_frames")
    assert (finding.severity, finding.measured) == (Severity.ERROR, "丢失5帧（1处）")
    assert finding.time_range is not None
    assert (finding.time_range.start_s, finding.time_range.end_s) == pytest.approx((1.16, 1.40))
    assert result.summary.dropped_frames == 5 and result.summary.video_frames == 95


async def test_variable_frame_rate_fails_a_constant_rate(tmp_path: Path) -> None:
    result = await quality(defects.variable_rate(tmp_path / "vfr.mp4"))
    finding = only(result, "video.constant_frame_rate")
    assert (finding.severity, finding.measured) == (Severity.ERROR, "可变帧率（15–25 帧/秒）")
    assert result.summary.variable_frame_rate is True
    assert [
        f for f in result.findings if f.rule_id == "video.dropped_frames"
    ] == []  # rate changes, not drops


async def test_sound_shorter_than_picture_fails_av_sync(tmp_path: Path) -> None:
    finding = only(await quality(defects.short_audio(tmp_path / "short.mp4")), "av.sync")
    assert (finding.severity, finding.measured) == (Severity.ERROR, "声音4.0秒，画面6.0秒")


async def test_sound_starting_late_fails_av_sync(tmp_path: Path) -> None:
    finding = only(await quality(defects.late_audio(tmp_path / "late.mp4")), "av.sync")
    assert finding.severity is Severity.ERROR
    assert finding.measured.startswith("声音晚0.4")  # 0.5 s less the AAC encoder's priming


async def test_rules_the_spec_does_not_state_are_not_applied(tmp_path: Path) -> None:
    path = defects.dropped_frames(tmp_path / "drop.mp4")
    result = await quality(path, VideoSpec(loudness_lufs=-23))
    assert [f.rule_id for f in result.findings] == []
    assert (
        await check_quality(path, await probe(path), VideoSpec(width=1920)) is None
    )  # nothing to decode for


@pytest.mark.parametrize("settings", [CHEAP, EXACT], ids=["cheap", "exact"])
async def test_small_qr_code_is_read_with_its_time(settings: DecodeSettings, tmp_path: Path) -> None:
    image = defects.qr_image(tmp_path / "qr.pgm", "https://u.wechat.com/kABCDEF", pixels=60)
    result = await quality(defects.qr_code(tmp_path / "qr.mp4", image), settings=settings)
    finding = only(result, "video.qr_code")
    assert finding.severity is Severity.ERROR and finding.confidence is None  # read, not guessed
    assert finding.measured == "二维码“https://u.wechat.com/kABCDEF”（0:02.0–0:05.0）"
    assert finding.time_range is not None
    assert (finding.time_range.start_s, finding.time_range.end_s) == (2.0, 5.0)
    assert result.summary.qr_codes == ["https://u.wechat.com/kABCDEF"]


async def test_audio_work_loudness_and_true_peak(tmp_path: Path) -> None:
    path = tmp_path / "recitation.m4a"
    defects.ffmpeg(
        "-f", "lavfi", "-i", "sine=f=440:sample_rate=48000:d=4,volume=-20dB", *defects.AUDIO, str(path)
    )
    spec = AudioSpec(loudness_lufs=-23, loudness_tolerance_lu=1, true_peak_max_dbtp=-1)
    result = await check_quality(path, await probe(path), spec)
    assert result is not None
    assert [(f.rule_id, f.severity) for f in result.findings] == [("audio.loudness", Severity.ERROR)]
    assert result.summary.audio_length_s == pytest.approx(4.0, abs=0.05)
    assert result.summary.video_frames is None
