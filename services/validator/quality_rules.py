"""Quality rules: what the decode pass and the packet timestamps measured, against the spec. Pure.

As with the header rules, a rule runs only when the spec states it. Always on,
because every work needs them: a file that cannot be decoded to its end, and a
video track without frames. Black, frozen and silent stretches are measured
by the same pass; no notice forbids them, so they are notes (INFO) with their
time range, never a failure.

Measured facts (timestamps, loudness, lengths, QR codes read) give errors
when the spec states the rule. Guesses (flashes from a 4x4 grid, an intro
slate from a still opening, a track that is nearly all silence) carry a
confidence and are warnings unless the campaign sets ``heuristic_severity:
error``.
"""

from dataclasses import dataclass

from contracts.campaign import AudioSpec, VideoSpec
from contracts.events import Finding, Severity, TimeRange
from services.validator.flashes import FlashEpisode
from services.validator.measured_rules import (
    av_findings,
    clock,
    integrity_findings,
    loudness_findings,
    no_frames,
    timing_findings,
    truncated,
)
from services.validator.notes import notes
from services.validator.qc_log import QcLog
from services.validator.qrcodes import QrSighting
from services.validator.screen_text import ScreenReading, screen_findings
from services.validator.screen_text_rules import ShownField
from services.validator.timestamps import Timing

SLATE_GRACE_S = 0.5  # a fade or one more frame is not a longer slate
SLATE_START_S = 0.2  # a slate starts with the video
CUT_NEAR_S = 1.0
SILENT_SHARE = 0.95
CUT_SHORT_MIN_S = 1.0
CUT_SHORT_SHARE = 0.02


@dataclass
class Measured:
    """Everything one quality pass found out about a file."""

    media_end_s: float
    header_duration_s: float | None = None  # what the container claims, to tell a file cut short
    has_video: bool = False
    has_audio: bool = False
    log: QcLog | None = None  # None: the pass did not complete (see incomplete / failed)
    timing: Timing | None = None
    flashes: list[FlashEpisode] | None = None
    qr: list[QrSighting] | None = None
    screen: ScreenReading | None = None  # the on-screen text pass (screen_text.py)
    audio_rate: int | None = None
    audio_start_s: float | None = None
    incomplete: tuple[str, str] | None = None  # (zh, en) why the pass stopped
    failed: str | None = None  # ffmpeg's last words when it could not decode

    @property
    def audio_length_s(self) -> float | None:
        if self.log is None or self.log.audio_samples is None or not self.audio_rate:
            return None
        return self.log.audio_samples / self.audio_rate


def _severity(spec: VideoSpec) -> Severity:
    return Severity.ERROR if spec.heuristic_severity == "error" else Severity.WARNING


def _span(start: float, end: float) -> TimeRange:
    return TimeRange(start_s=round(start, 3), end_s=round(max(start, end), 3))


def flash_findings(episodes: list[FlashEpisode], spec: VideoSpec) -> list[Finding]:
    out = []
    for e in episodes[:5]:
        per_s = e.swings_per_s / 2
        kind_zh, kind_en = ("红色闪烁", "red flashing") if e.red else ("明暗闪烁", "flashing")
        where = f"{clock(e.start_s)}–{clock(e.end_s)}"
        out.append(
            Finding(
                rule_id="video.flashes",
                severity=_severity(spec),
                expected="每秒闪烁不超过3次",
                measured=f"{kind_zh}约每秒{per_s:g}次（{where}）",
                message_zh=f"{where}画面{kind_zh}约每秒{per_s:g}次，可能引起光敏性不适：请减少闪烁或减弱明暗变化后重新导出",
                message_en=f"{where}: {kind_en} about {per_s:g} times a second, which can harm "
                "photosensitive viewers: reduce the flashing or its contrast and export again",
                time_range=_span(e.start_s, e.end_s),
                confidence=0.6 if e.red else 0.7,
            )
        )
    return out


def slate_finding(m: Measured, spec: VideoSpec) -> Finding | None:
    """A still opening (frozen from the first frame) longer than the notice allows for the slate."""
    limit = spec.intro_slate_max_s
    if limit is None or m.log is None or m.timing is None:
        return None
    start = m.timing.start_s
    opening = next(
        (s.closed(m.media_end_s) for s in m.log.freeze if s.start_s <= start + SLATE_START_S), None
    )
    if opening is None or opening.end_s is None:
        return None
    if opening.end_s >= m.media_end_s - SLATE_GRACE_S:
        return None  # the whole video is one still picture: that is the work, not a slate
    length = opening.end_s - start
    if length <= limit + SLATE_GRACE_S:
        return None
    cut = any(abs(c - opening.end_s) <= CUT_NEAR_S for c in m.log.cuts)
    return Finding(
        rule_id="video.intro_slate",
        severity=_severity(spec),
        expected=f"≤ {limit:g}秒",
        measured=f"约{length:.1f}秒",
        message_zh=f"片头（开头的静止画面）约{length:.1f}秒，要求不超过{limit:g}秒：请缩短片头后重新导出",
        message_en=f"The intro slate (the still opening) lasts about {length:.1f} s; at most {limit:g} s is "
        "allowed: shorten it and export again",
        time_range=_span(start, opening.end_s),
        confidence=0.8 if cut else 0.6,
    )


def qr_findings(sightings: list[QrSighting]) -> list[Finding]:
    out = []
    for s in sightings[:5]:
        where = f"{clock(s.start_s)}–{clock(s.end_s)}"
        out.append(
            Finding(
                rule_id="video.qr_code",
                severity=Severity.ERROR,
                expected="画面中无二维码",
                measured=f"二维码“{s.text}”（{where}）",
                message_zh=f"{where}画面中有二维码（内容“{s.text}”），本活动要求作品不含二维码等联系方式："
                "请删除二维码后重新导出",
                message_en=f"{where}: the picture shows a QR code ('{s.text}'); this campaign forbids QR "
                "codes and other contact details: remove it and export again",
                time_range=_span(s.start_s, s.end_s),
            )
        )
    return out


def silent_track(m: Measured, heuristic: Severity) -> Finding | None:
    """An audio track that is (nearly) all silence: sound was required, and there is none to hear."""
    length = m.audio_length_s
    if m.log is None or not length:
        return None
    silent = sum(s.closed(m.media_end_s).length_s for s in m.log.silence)
    if silent < SILENT_SHARE * length:
        return None
    return Finding(
        rule_id="audio.silent",
        severity=heuristic,
        expected="有声音",
        measured=f"{silent:.0f}秒中无声（共{length:.0f}秒）",
        message_zh=f"音轨几乎全程无声（{length:.0f}秒中约{silent:.0f}秒静音）：请检查录音，"
        "导出时选择正确的音轨",
        message_en=f"The audio track is almost entirely silent ({silent:.0f} of {length:.0f} s): check the "
        "recording and export the right audio track",
        time_range=_span(0, length),
        confidence=0.9,
    )


def cut_short(m: Measured) -> list[Finding]:
    """Streams that end well before the container says: a file cut at a clean boundary, which decodes
    without an error (Matroska, MPEG-TS), or a header that claims an absurd length."""
    if m.log is None or m.log.truncated or not m.header_duration_s:
        return []
    ends = [m.timing.end_s] if m.timing is not None and m.timing.frames and not m.timing.capped else []
    if m.audio_length_s is not None:
        ends.append((m.audio_start_s or 0.0) + m.audio_length_s)
    if not ends:
        return []
    content = max(ends)
    claimed = m.header_duration_s
    if claimed - content <= max(CUT_SHORT_MIN_S, CUT_SHORT_SHARE * claimed):
        return []
    return [truncated(content, claimed)]


def check_quality_video(m: Measured, spec: VideoSpec, shown: list[ShownField] | None = None) -> list[Finding]:
    if m.has_video and m.timing is not None and m.timing.frames == 0 and m.incomplete is None:
        return [no_frames()]  # nothing to decode: every other check would only repeat it
    found = integrity_findings(m.log, m.failed, m.incomplete, m.timing) + cut_short(m)
    if m.log is None:
        return found
    if m.has_video and m.timing is not None:
        found += timing_findings(m.timing, spec.constant_frame_rate, spec.no_dropped_frames)
    if spec.av_sync and m.has_video and m.has_audio:
        found += av_findings(m.timing, m.audio_length_s, m.audio_start_s)
    if spec.no_flashes and m.flashes is not None:
        found += flash_findings(m.flashes, spec)
    text: list[Finding] = []
    slate_read = False
    if m.screen is not None and m.has_video:
        start = m.timing.start_s if m.timing is not None else 0.0
        text, slate_read = screen_findings(m.screen, spec, shown or [], start, m.log.cuts, m.media_end_s)
    if not slate_read and (slate := slate_finding(m, spec)) is not None:
        found.append(slate)  # a still opening, guessed; the text pass measures the slate when it runs
    found += text
    if m.has_audio:
        found += loudness_findings(
            m.log.loudness, spec.loudness_lufs, spec.loudness_tolerance_lu, spec.true_peak_max_dbtp
        )
        if spec.audio_required and (silent := silent_track(m, _severity(spec))) is not None:
            found.append(silent)
    if spec.no_qr_codes and m.qr is not None:
        found += qr_findings(m.qr)
    found += notes(m.log, m.media_end_s, video=m.has_video, audio=m.has_audio)
    return found


def check_quality_audio(m: Measured, spec: AudioSpec) -> list[Finding]:
    found = integrity_findings(m.log, m.failed, m.incomplete, None) + cut_short(m)
    if m.log is None:
        return found
    found += loudness_findings(
        m.log.loudness, spec.loudness_lufs, spec.loudness_tolerance_lu, spec.true_peak_max_dbtp
    )
    found += notes(m.log, m.media_end_s, video=False, audio=True)
    return found
