"""What the quality pass's ffmpeg log says: segments, cuts, loudness, errors. Pure.

ffmpeg runs with ``-loglevel level+info`` so each line carries its level
("[h264 @ 0x..] [error] ..."): errors are counted by level, not guessed from
words. Filters print as frames pass (black, freeze, silence, scene cuts) and
once more at the end (vfrdet, astats, the ebur128 summary). A combined graph
is configured twice, and the first, never-fed instance of ebur128 prints an
empty summary: only the last summary counts. A segment still open at the end
of the file (a freeze or silence running to the last frame) has no end line;
it is closed at the media's end by the caller.
"""

import math
import re
from dataclasses import dataclass, field

_CONTEXT = re.compile(r"^\[(?P<ctx>[^\]@]+?)(?: @ 0x[0-9a-f]+)?\] ")
_LEVELS = ("panic", "fatal", "error", "warning", "info", "verbose", "debug", "trace")
_LEVEL = re.compile(r"\[(?P<level>" + "|".join(_LEVELS) + r")\] ")
_NUMBER = r"(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?|-?inf|nan)"
_BLACK = re.compile(rf"black_start:\s*{_NUMBER}\s+black_end:\s*{_NUMBER}")
_FREEZE = re.compile(rf"lavfi\.freezedetect\.freeze_(start|end):\s*{_NUMBER}")
_SILENCE_START = re.compile(rf"silence_start:\s*{_NUMBER}")
_SILENCE_END = re.compile(rf"silence_end:\s*{_NUMBER}")
_CUT = re.compile(rf"lavfi\.scd\.score:\s*{_NUMBER},\s*lavfi\.scd\.time:\s*{_NUMBER}")
_VFR = re.compile(rf"VFR:\s*{_NUMBER}\s*\((\d+)/(\d+)\)")
_SAMPLES = re.compile(r"Number of samples:\s*(\d+)")
_SUMMARY_VALUE = re.compile(rf"^\s*(I|LRA|Peak):\s*{_NUMBER}\s*(LUFS|LU|dBFS)")
_TRUNCATED = ("File ended prematurely", "Truncating packet", "moov atom not found", "Invalid data found")
_FILTERS = ("Parsed_", "blackdetect", "freezedetect", "silencedetect", "scdet", "vfrdet", "ebur128", "astats")


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float | None  # None: still open when the file ended

    def closed(self, media_end_s: float) -> "Segment":
        return self if self.end_s is not None else Segment(self.start_s, max(self.start_s, media_end_s))

    @property
    def length_s(self) -> float:
        return (self.end_s - self.start_s) if self.end_s is not None else math.inf


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float | None  # None: -inf (digital silence)


@dataclass
class QcLog:
    black: list[Segment] = field(default_factory=list)
    freeze: list[Segment] = field(default_factory=list)
    silence: list[Segment] = field(default_factory=list)
    cuts: list[float] = field(default_factory=list)
    vfr_ratio: float | None = None
    audio_samples: int | None = None
    loudness: Loudness | None = None
    errors: list[str] = field(default_factory=list)  # decoder and demuxer errors, ffmpeg's words
    truncated: bool = False


def _num(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _summary(lines: list[str]) -> Loudness | None:
    values: dict[str, float | None] = {}
    for line in lines:
        m = _SUMMARY_VALUE.match(line)
        if m:
            values.setdefault(m.group(1), _num(m.group(2)))
    if values.get("I") is None:
        return None  # the empty summary of the graph's first, unused instance
    return Loudness(
        integrated_lufs=values["I"] or 0.0,
        range_lu=values.get("LRA") or 0.0,
        true_peak_dbtp=values.get("Peak"),
    )


def parse_log(text: str) -> QcLog:
    log = QcLog()
    summaries: list[list[str]] = []
    open_freeze: float | None = None
    open_silence: float | None = None
    for raw in text.splitlines():
        context = _CONTEXT.match(raw)
        if context and context.group("ctx") in _LEVELS:
            context = None  # "[info] ..." is a level, not a context: a continuation line
        ctx = context.group("ctx") if context else ""
        rest = raw[context.end() :] if context else raw
        level = _LEVEL.match(rest)
        if level:
            rest = rest[level.end() :]
        is_filter = ctx.startswith(_FILTERS)
        if level and level.group("level") in ("error", "fatal", "panic") and ctx and not is_filter:
            log.errors.append(f"{ctx}: {rest.strip()}"[:300])
            log.truncated = log.truncated or any(word in rest for word in _TRUNCATED)
            continue
        if summaries and not context:
            summaries[-1].append(rest)  # summary lines follow their header without a context
            continue
        if "Summary:" in rest and "ebur128" in ctx:
            summaries.append([])
        elif m := _BLACK.search(rest):
            start, end = _num(m.group(1)), _num(m.group(2))
            if start is not None:
                log.black.append(Segment(start, end))
        elif m := _FREEZE.search(rest):
            at = _num(m.group(2))
            if m.group(1) == "start":
                open_freeze = at
            elif open_freeze is not None:
                log.freeze.append(Segment(open_freeze, at))
                open_freeze = None
        elif m := _SILENCE_START.search(rest):
            open_silence = _num(m.group(1))
        elif m := _SILENCE_END.search(rest):
            if open_silence is not None:
                log.silence.append(Segment(open_silence, _num(m.group(1))))
                open_silence = None
        elif m := _CUT.search(rest):
            at = _num(m.group(2))
            if at is not None:
                log.cuts.append(at)
        elif m := _VFR.search(rest):
            if int(m.group(3)) > 0:
                log.vfr_ratio = _num(m.group(1))
        elif m := _SAMPLES.search(rest):
            log.audio_samples = int(m.group(1))
    if open_freeze is not None:
        log.freeze.append(Segment(open_freeze, None))
    if open_silence is not None:
        log.silence.append(Segment(open_silence, None))
    for lines in reversed(summaries):  # the last summary with values is the real one
        if (loudness := _summary(lines)) is not None:
            log.loudness = loudness
            break
    return log
