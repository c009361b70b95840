"""Quality findings from hand-made measurements: which rule speaks, how severe, how sure."""

from contracts.campaign import AudioSpec, VideoSpec
from contracts.events import Finding, Severity
from services.validator.flashes import FlashEpisode
from services.validator.qc_log import Loudness, QcLog, Segment
from services.validator.quality_rules import Measured, check_quality_audio, check_quality_video
from services.validator.timestamps import Packet, analyse

SPEC = VideoSpec(intro_slate_max_s=5, no_flashes=True, av_sync=True, audio_required=True, loudness_lufs=-23)


def measured(log: QcLog, seconds: float = 60, audio_s: float | None = 60, **extra: object) -> Measured:
    timing = analyse([Packet(i / 25, i / 25, 0.04) for i in range(int(seconds * 25))])
    return Measured(
        media_end_s=seconds,
        header_duration_s=seconds,
        has_video=True,
        has_audio=audio_s is not None,
        log=log,
        timing=timing,
        audio_rate=48000,
        audio_start_s=0.0,
        **extra,  # type: ignore[arg-type]
    )


def ids(findings: list[Finding]) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.severity) for f in findings]


def loud(i: float = -23.0) -> Loudness:
    return Loudness(integrated_lufs=i, range_lu=6.0, true_peak_dbtp=-3.0)


def test_a_still_opening_ending_at_a_cut_is_a_slate_with_higher_confidence() -> None:
    log = QcLog(freeze=[Segment(0.0, 9.0)], cuts=[9.0], audio_samples=48000 * 60, loudness=loud())
    [finding] = check_quality_video(measured(log), SPEC)
    assert (finding.rule_id, finding.severity, finding.confidence, finding.measured) == (
        "video.intro_slate",
        Severity.WARNING,
        0.8,
        "约9.0秒",
    )
    no_cut = QcLog(freeze=[Segment(0.0, 9.0)], audio_samples=48000 * 60, loudness=loud())
    assert check_quality_video(measured(no_cut), SPEC)[0].confidence == 0.6


def test_a_still_picture_for_the_whole_video_is_not_a_slate() -> None:
    log = QcLog(freeze=[Segment(0.0, None)], audio_samples=48000 * 60, loudness=loud())
    assert "video.intro_slate" not in [f.rule_id for f in check_quality_video(measured(log), SPEC)]


def test_a_short_slate_or_a_freeze_later_on_is_fine() -> None:
    log = QcLog(freeze=[Segment(0.0, 5.3), Segment(20.0, 25.0)], audio_samples=48000 * 60, loudness=loud())
    assert check_quality_video(measured(log), SPEC) == []


def test_heuristic_severity_error_makes_guesses_fail() -> None:
    log = QcLog(audio_samples=48000 * 60, loudness=loud())
    flashes = [FlashEpisode(3.0, 5.0, 12, red=False)]
    strict = SPEC.model_copy(update={"heuristic_severity": "error"})
    assert ids(check_quality_video(measured(log, flashes=flashes), SPEC)) == [
        ("video.flashes", Severity.WARNING)
    ]
    assert ids(check_quality_video(measured(log, flashes=flashes), strict)) == [
        ("video.flashes", Severity.ERROR)
    ]


def test_streams_ending_well_before_the_header_mean_a_cut_file() -> None:
    log = QcLog(audio_samples=48000 * 30, loudness=loud())
    m = measured(log, seconds=30, audio_s=30)
    m.header_duration_s = 60
    assert ids(check_quality_video(m, VideoSpec(no_dropped_frames=True))) == [
        ("file.readable", Severity.ERROR)
    ]
    m.header_duration_s = 30.5  # within a second: packaging, not a cut
    assert check_quality_video(m, VideoSpec(no_dropped_frames=True)) == []


def test_no_frames_at_all_is_the_only_finding() -> None:
    m = measured(QcLog(), seconds=0)
    assert ids(check_quality_video(m, SPEC)) == [("video.frames", Severity.ERROR)]


def test_an_unfinished_pass_warns_and_says_why() -> None:
    m = Measured(media_end_s=60, incomplete=("超过9秒", "over 9 s"))
    [finding] = check_quality_video(m, SPEC)
    assert (finding.rule_id, finding.severity) == ("quality.incomplete", Severity.WARNING)
    assert "超过9秒" in finding.message_zh and "over 9 s" in finding.message_en


def test_decoder_errors_warn_and_a_failed_decode_is_an_error() -> None:
    m = measured(
        QcLog(errors=["h264: error while decoding MB 1 1"], audio_samples=48000 * 60, loudness=loud())
    )
    assert ids(check_quality_video(m, VideoSpec(no_dropped_frames=True))) == [
        ("file.decode_errors", Severity.WARNING)
    ]
    failed = Measured(media_end_s=60, failed="Invalid data found")
    assert ids(check_quality_video(failed, SPEC)) == [("file.decodable", Severity.ERROR)]


def test_loudness_and_true_peak_of_an_audio_work() -> None:
    log = QcLog(loudness=Loudness(integrated_lufs=-16.0, range_lu=4.0, true_peak_dbtp=0.4))
    spec = AudioSpec(loudness_lufs=-24, loudness_tolerance_lu=2, true_peak_max_dbtp=-2)
    findings = check_quality_audio(Measured(media_end_s=60, has_audio=True, log=log), spec)
    assert ids(findings) == [("audio.loudness", Severity.ERROR), ("audio.true_peak", Severity.ERROR)]
    assert findings[0].measured == "-16.0 LUFS（响度范围4.0 LU，真峰值0.4 dBTP）"
    assert "偏大" in findings[0].message_zh and findings[1].expected == "≤ -2 dBTP"


def test_notes_for_black_still_and_silent_stretches_never_fail() -> None:
    log = QcLog(
        black=[Segment(10.0, 13.0), Segment(30.0, 30.5)],
        freeze=[Segment(10.0, 13.0), Segment(40.0, None)],
        silence=[Segment(20.0, 27.0)],
        audio_samples=48000 * 60,
        loudness=loud(),
    )
    findings = check_quality_video(measured(log), VideoSpec(av_sync=True))
    assert ids(findings) == [
        ("video.black", Severity.INFO),  # 3 s; the half-second one is no note
        ("video.freeze", Severity.INFO),  # 40 s to the end; the black stretch is not also "still"
        ("audio.silence", Severity.INFO),
    ]
    assert findings[1].time_range is not None and findings[1].time_range.end_s == 60
