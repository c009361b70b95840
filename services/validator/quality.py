"""The quality pass: one decode of the file with analysis filters, packet timestamps beside it.

``plan_for`` decides from the spec what to look at (nothing, when the notice
states no quality rule: then no decode at all). ``measure`` runs ffmpeg once
(``qc_graph``) through ``run_ffmpeg`` (timeout, rlimits, process group),
``ffprobe``'s packet listing at the same time (``timestamps``), and the QR
and flash readers on their FIFOs (``framepipe``). ``check_quality`` turns
what was measured into findings (``quality_rules``).

Bounded: the timeout grows with the media's length (``quality_timeout_s``)
up to a ceiling, so a very long or pathological file ends in a
``quality.incomplete`` warning, never in an unbounded wait. A missing ffmpeg
raises ``QualityUnavailable``: the operator's problem, not the teacher's.
"""

import asyncio
import contextlib
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from contracts.campaign import AudioSpec, VideoSpec
from contracts.events import Finding
from services.media.probe import Probe
from services.media.process import ToolMissing, ToolTimedOut, run_ffmpeg
from services.validator.flashes import find_flashes
from services.validator.framepipe import FramePipe
from services.validator.qc_graph import (
    CHEAP,
    FLASH_FRAME_BYTES,
    DecodeSettings,
    Pipes,
    QualityPlan,
    ffmpeg_args,
    qr_frame_size,
)
from services.validator.qc_log import parse_log
from services.validator.qrcodes import QrScanner
from services.validator.quality_rules import Measured, check_quality_audio, check_quality_video
from services.validator.screen_text import ScreenReader, screen_plan
from services.validator.screen_text_rules import ShownField
from services.validator.timestamps import TimestampsUnavailable, Timing, read_timing

if TYPE_CHECKING:
    from structlog.stdlib import BoundLogger


def _log() -> "BoundLogger":
    # structlog (and rich, which it loads) costs 0.2 s to import: ``zhengji validate --quick``
    # never decodes, so it never logs here and should not pay for it.
    from services.common.log import get_logger

    return get_logger("validator.quality")


QC_SECONDS_PER_MEDIA_S = 3.0  # a decode slower than a third of real time means a stuck or hostile file
QC_MAX_TIMEOUT_S = 3 * 3600.0
_READER_JOIN_S = 10.0


class QualityUnavailable(Exception):
    """ffmpeg could not be started: an operator problem."""


# Declarations of optional fields: like ProbeSummary and intake's SubmissionRow in shape only.
class QualitySummary(BaseModel):
    """What the pass measured, for ``--json`` and the stored report."""

    model_config = ConfigDict(frozen=True)

    seconds: float
    completed: bool
    video_frames: int | None = None
    video_length_s: float | None = None
    audio_length_s: float | None = None
    frame_interval_ms: float | None = None
    dropped_frames: int | None = None
    variable_frame_rate: bool | None = None
    vfrdet_ratio: float | None = None
    loudness_lufs: float | None = None
    loudness_range_lu: float | None = None
    true_peak_dbtp: float | None = None
    scene_cuts_s: list[float] = []
    flashes: int | None = None
    qr_codes: list[str] | None = None
    screen_text_frames: int | None = None  # frames read by OCR


class QualityResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    findings: list[Finding]
    summary: QualitySummary


def quality_timeout_s(duration_s: float | None, base_s: float) -> float:
    if duration_s is None:
        return QC_MAX_TIMEOUT_S
    return min(QC_MAX_TIMEOUT_S, base_s + QC_SECONDS_PER_MEDIA_S * duration_s)


def plan_for(p: Probe, spec: VideoSpec | AudioSpec) -> QualityPlan | None:
    """What the notice asks of picture and sound beyond the headers; None: nothing, so no decode."""
    video = p.video if isinstance(spec, VideoSpec) else None
    audio = p.audio
    loudness = spec.loudness_lufs is not None or spec.true_peak_max_dbtp is not None
    if isinstance(spec, AudioSpec):
        return QualityPlan(audio_index=audio.index, loudness=True) if loudness and audio else None
    wanted = (
        spec.constant_frame_rate,
        spec.no_dropped_frames,
        spec.av_sync,
        spec.no_flashes,
        spec.intro_slate_max_s is not None,
        loudness,
        spec.no_qr_codes,
        screen_plan(p, spec) is not None,
        spec.audio_required,
    )
    # audio_required alone is a header rule; with another quality rule it also asks for audible sound.
    if not any(wanted[:-1]) or (video is None and audio is None):
        return None
    slate = spec.intro_slate_max_s
    return QualityPlan(
        video_index=video.index if video else None,
        audio_index=audio.index if audio else None,
        flashes=bool(spec.no_flashes and video),
        slate_window_s=max(2 * slate, slate + 10) if slate is not None and video else None,
        loudness=loudness and audio is not None,
        qr_size=qr_frame_size(video.width, video.height)
        if spec.no_qr_codes and video and video.width and video.height
        else None,
        ocr=screen_plan(p, spec),
    )


@dataclass
class _Readers:
    flashes: FramePipe | None
    qr: FramePipe | None
    flash_frames: bytearray
    scanner: QrScanner | None
    screen: ScreenReader | None

    def all(self) -> list[FramePipe]:
        return [
            r for r in (self.flashes, self.qr, self.screen.pipe if self.screen else None) if r is not None
        ]


def _open_readers(folder: Path, plan: QualityPlan) -> _Readers:
    frames = bytearray()
    flashes = qr = None
    scanner = None
    if plan.flashes:
        flashes = FramePipe(folder / "flashes", FLASH_FRAME_BYTES, lambda _i, f: frames.extend(f))
    if plan.qr_size is not None:
        scanner = QrScanner(*plan.qr_size)
        qr = FramePipe(folder / "qr", plan.qr_size[0] * plan.qr_size[1], scanner)
    screen = ScreenReader(folder, plan.ocr) if plan.ocr is not None else None
    return _Readers(flashes, qr, frames, scanner, screen)


async def _timing(path: Path, index: int, timeout_s: float, ffprobe_bin: str) -> Timing | None:
    try:
        return await read_timing(path, index, timeout_s, ffprobe_bin)
    except TimestampsUnavailable as exc:
        _log().warning("timestamps_unavailable", error=str(exc))
        return None
    except (ValueError, OverflowError) as exc:  # a listing too odd to analyse: the decode still counts
        _log().warning("timestamps_unreadable", error=repr(exc))
        return None


def _frame_times(timing: Timing | None, count: int, start: float) -> list[float]:
    """Presentation time of each piped frame: the sorted packet times when they account for every frame."""
    if timing is not None and abs(len(timing.frame_times) - count) <= 2:
        times = timing.frame_times[:count]
        return times + [times[-1]] * (count - len(times)) if times else []
    step = timing.nominal_s if timing is not None and timing.nominal_s else 0.04
    return [start + i * step for i in range(count)]


async def measure(
    path: Path,
    p: Probe,
    plan: QualityPlan,
    timeout_s: float,
    settings: DecodeSettings = CHEAP,
    ffmpeg_bin: str = "ffmpeg",
    ffprobe_bin: str = "ffprobe",
) -> Measured:
    audio = p.audio
    m = Measured(
        media_end_s=p.duration_s or 0.0,
        header_duration_s=p.duration_s,
        has_video=plan.video_index is not None,
        has_audio=plan.audio_index is not None,
        audio_rate=audio.sample_rate if audio else None,
        audio_start_s=audio.start_s if audio else None,
    )
    with tempfile.TemporaryDirectory(prefix="zhengji-qc-") as tmp:
        readers = _open_readers(Path(tmp), plan)
        pipes = Pipes(
            flashes=str(readers.flashes.path) if readers.flashes else None,
            qr=str(readers.qr.path) if readers.qr else None,
            ocr=str(readers.screen.pipe.path) if readers.screen else None,
            ocr_times=str(readers.screen.times_path) if readers.screen else None,
        )
        args = ffmpeg_args(str(path.absolute()), plan, settings, pipes)
        timing_task = (
            asyncio.create_task(_timing(path, plan.video_index, timeout_s, ffprobe_bin))
            if plan.video_index is not None
            else None
        )
        done = None
        try:
            done = await run_ffmpeg(args, timeout_s, ffmpeg_bin=ffmpeg_bin)
        except ToolMissing as exc:
            raise QualityUnavailable(str(exc)) from exc
        except ToolTimedOut:
            m.incomplete = (f"超过{timeout_s:g}秒", f"over {timeout_s:g} s")
        finally:
            for reader in readers.all():
                reader.stop()
            for reader in readers.all():
                await asyncio.to_thread(reader.join, _READER_JOIN_S)
            if timing_task is not None and done is None:
                timing_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await timing_task
        if timing_task is not None and done is not None:
            m.timing = await timing_task
        if readers.screen is not None and done is not None and done.returncode == 0:
            m.screen = await readers.screen.read(settings.threads)  # the frames are in this folder
    if done is None:
        return m
    stderr = done.stderr.decode(errors="replace")
    if done.returncode in (-signal.SIGKILL, -signal.SIGXCPU):
        m.incomplete = ("超出资源限制", "resource limits exceeded")
        return m
    if done.returncode != 0:
        m.failed = " | ".join(line for line in stderr.splitlines()[-3:] if line.strip()) or "ffmpeg failed"
        _log().info("quality_decode_failed", detail=m.failed[-500:])
        return m
    m.log = parse_log(stderr)
    if m.timing is not None and m.timing.frames:
        m.media_end_s = m.timing.end_s
    start = m.timing.start_s if m.timing is not None else 0.0
    for reader in readers.all():
        if reader.error is not None:
            _log().warning("frame_reader_failed", pipe=reader.path.name, error=reader.error)
    if readers.flashes is not None and readers.flashes.error is None:
        count = len(readers.flash_frames) // FLASH_FRAME_BYTES
        m.flashes = find_flashes(bytes(readers.flash_frames), _frame_times(m.timing, count, start))
    if readers.scanner is not None and readers.qr is not None and readers.qr.error is None:
        readers.scanner.start_s = start
        m.qr = readers.scanner.sightings()
    return m


def summarise(m: Measured, seconds: float) -> QualitySummary:
    t, log_ = m.timing, m.log
    loud = log_.loudness if log_ else None
    return QualitySummary(
        seconds=round(seconds, 3),
        completed=log_ is not None,
        video_frames=t.frames if t else None,
        video_length_s=round(t.end_s - t.start_s, 3) if t and t.frames else None,
        audio_length_s=round(m.audio_length_s, 3) if m.audio_length_s is not None else None,
        frame_interval_ms=round(t.nominal_s * 1000, 3) if t and t.nominal_s else None,
        dropped_frames=t.dropped_frames if t else None,
        variable_frame_rate=t.variable if t and t.frames else None,
        vfrdet_ratio=log_.vfr_ratio if log_ else None,
        loudness_lufs=loud.integrated_lufs if loud else None,
        loudness_range_lu=loud.range_lu if loud else None,
        true_peak_dbtp=loud.true_peak_dbtp if loud else None,
        scene_cuts_s=[round(c, 3) for c in log_.cuts[:20]] if log_ else [],
        flashes=len(m.flashes) if m.flashes is not None else None,
        qr_codes=[s.text for s in m.qr] if m.qr is not None else None,
        screen_text_frames=m.screen.frames_read if m.screen and m.screen.texts is not None else None,
    )


async def check_quality(
    path: Path,
    p: Probe,
    spec: VideoSpec | AudioSpec,
    *,
    base_timeout_s: float = 60,
    timeout_s: float | None = None,
    settings: DecodeSettings = CHEAP,
    ffmpeg_bin: str = "ffmpeg",
    ffprobe_bin: str = "ffprobe",
    shown: list[ShownField] | None = None,
) -> QualityResult | None:
    """The quality findings for a file whose headers passed; None when the spec asks nothing of it."""
    plan = plan_for(p, spec)
    if plan is None or plan.empty:
        return None
    budget = timeout_s if timeout_s is not None else quality_timeout_s(p.duration_s, base_timeout_s)
    started = time.perf_counter()
    m = await measure(path, p, plan, budget, settings, ffmpeg_bin, ffprobe_bin)
    findings = (
        check_quality_video(m, spec, shown or [])
        if isinstance(spec, VideoSpec)
        else check_quality_audio(m, spec)
    )
    return QualityResult(findings=findings, summary=summarise(m, time.perf_counter() - started))
