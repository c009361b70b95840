"""The on-screen text pass, hooked into the quality pass: plan, frames, OCR, findings.

``screen_plan`` asks for it only where the campaign does (``VideoSpec.screen_text`` with slate
fields or the contact rule). ``ScreenReader`` takes the chosen frames off the decode's FIFO and,
after the decode, has them read by the bounded OCR child (``screen_ocr``). ``screen_findings``
turns the text into findings (``screen_text_rules``). An OCR child that fails or overruns its
deadline gives a ``video.screen_text`` warning: the text was not checked, the rest of the pass
stands.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from contracts.campaign import VideoSpec
from contracts.events import Finding, Severity
from services.media.probe import Probe
from services.validator.framepipe import FramePipe
from services.validator.screen_frames import (
    SLATE_AFTER_LIMIT_S,
    OcrPlan,
    ScreenFrames,
    choose,
    distinct,
    ocr_plan,
    read_times,
)
from services.validator.screen_ocr import FrameText, OcrUnavailable, read_text
from services.validator.screen_text_rules import (
    ShownField,
    contact_findings,
    find_slate,
    slate_field_findings,
    slate_length_finding,
)


def screen_plan(p: Probe, spec: VideoSpec) -> OcrPlan | None:
    rules = spec.screen_text
    video = p.video
    if rules is None or not (rules.slate_fields or rules.no_contact_details):
        return None
    if video is None or not video.width or not video.height:
        return None
    window = slate_window_s(spec)
    return ocr_plan(video.width, video.height, window, rules.frames_per_minute, rules.no_contact_details)


def slate_window_s(spec: VideoSpec) -> float:
    """How far into the video the slate is read; 0 when nothing is asked of a slate."""
    rules = spec.screen_text
    if rules is None or not (rules.slate_fields or spec.intro_slate_max_s is not None):
        return 0.0
    if spec.intro_slate_max_s is None:
        return rules.slate_window_s
    # Long enough to see a slate that overruns the limit, and no longer: each second costs an OCR.
    return min(rules.slate_window_s, spec.intro_slate_max_s + SLATE_AFTER_LIMIT_S)


@dataclass
class ScreenReading:
    texts: list[FrameText] | None  # None: not read (see error)
    frames_read: int = 0  # by OCR; the other samples showed the same picture
    error: str | None = None


class ScreenReader:
    """The ``[ocr]`` FIFO and the times file in the pass's temporary folder."""

    def __init__(self, folder: Path, plan: OcrPlan) -> None:
        self.folder = folder
        self.plan = plan
        self.frames = ScreenFrames(plan)
        self.times_path = folder / "ocr-times.txt"
        self.pipe = FramePipe(folder / "ocr", plan.width * plan.height, self.frames)

    async def read(self, threads: int) -> ScreenReading:
        """After the decode: the chosen frames' text, or why there is none."""
        if self.pipe.error is not None:
            return ScreenReading(None, error=self.pipe.error)
        samples = choose(self.frames.frames, read_times(self.times_path), self.plan)
        self.frames.frames.clear()
        read, index = distinct(samples)
        try:
            texts = await read_text(read, self.plan, self.folder, threads or os.cpu_count() or 1)
        except OcrUnavailable as exc:
            from services.common.log import get_logger  # here: the self-check starts without logging

            get_logger("validator.screen_text").warning("screen_text_unavailable", error=str(exc))
            return ScreenReading(None, error=str(exc))
        return ScreenReading(
            [FrameText(s.t, texts[i].lines) for s, i in zip(samples, index, strict=True)], len(read)
        )


def _unread() -> Finding:
    return Finding(
        rule_id="video.screen_text",
        severity=Severity.WARNING,
        expected="完成画面文字检测",
        measured="未完成",
        message_zh="画面文字（片头信息、联系方式）自动检测未完成，未检查：如多次出现，请联系活动管理员",
        message_en="The automatic check of on-screen text (slate, contact details) did not finish and "
        "was not applied: if this happens again, contact the campaign administrator",
    )


def screen_findings(
    reading: ScreenReading,
    spec: VideoSpec,
    shown: list[ShownField],
    start_s: float,
    cuts: list[float],
    media_end_s: float,
) -> tuple[list[Finding], bool]:
    """The findings, and whether the slate's length was measured here (then the still-picture
    guess of ``quality_rules.slate_finding`` gives way to it)."""
    rules = spec.screen_text
    if rules is None:
        return [], False
    if reading.texts is None:
        return [_unread()], False
    texts = reading.texts
    found: list[Finding] = []
    window = slate_window_s(spec)
    slate = find_slate(texts, window, start_s, cuts) if window > 0 else None
    if rules.slate_fields:
        found += slate_field_findings(slate, shown, rules)
    if (length := slate_length_finding(slate, spec.intro_slate_max_s, spec.heuristic_severity)) is not None:
        found.append(length)
    if rules.no_contact_details:
        found += contact_findings(texts, rules, media_end_s)
    return found, slate is not None and spec.intro_slate_max_s is not None
