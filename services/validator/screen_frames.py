"""Which frames the on-screen text pass reads, taken from the quality pass's own decode.

OCR costs about 0.2 s for a 960x540 frame on 2 cores (docs/performance.md, "On-screen text"), a
decode of 1080p about 5 ms: reading every frame is out of the question, so ffmpeg picks the frames
in the same run that does the other analyses, and only those leave it (grey, 960 pixels wide, on a
FIFO like the QR frames):
- the slate window (the video's first seconds, ``SLATE_STEP_S`` apart): the slate's text and how
  long it stays;
- elsewhere, frames where the picture changes (``select``'s scene score above ``CHANGE_SCORE``, at
  least ``MIN_GAP_S`` apart: text appearing over a still picture is such a change), and one every
  ``IDLE_S`` while nothing changes, so text over a moving picture is not missed for long;
- of each slot of ``60 / frames_per_minute`` seconds, the largest change only.
Each frame's time comes from ``metadata=mode=print`` beside the FIFO: ``select`` labels every frame
with its scene score, so every selected frame is printed with its ``pts_time``.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

OCR_WIDTH = 960  # a 40-pixel line at 1080p stays 20 pixels high: read exactly (measured, decision 0022)
SLATE_STEP_S = 1.0
SLATE_AFTER_LIMIT_S = 3.0  # the slate window ends this long after the notice's limit
CHANGE_SCORE = 0.006  # a 20-character line appearing on a still 1080p picture scores about 0.01
MIN_GAP_S = 1.0
IDLE_S = 10.0
SAME_STEP = 61  # compare every 61st byte (~8,500 of a 960x540 frame), off the row width's rhythm
SAME_DIFF = 24  # grey levels: more than encoder noise on a held picture
SAME_SHARE = 0.002  # a caption's strokes change well over 0.2 % of a frame
MAX_FRAMES = 2000  # whatever a header claims, the frames held in memory stay bounded (~1 GB at 960x540)

_FRAME_LINE = re.compile(r"^frame:\s*\d+\s+pts:\s*\S+\s+pts_time:\s*(\S+)")
_SCORE_LINE = re.compile(r"^lavfi\.scene_score=(\S+)")


@dataclass(frozen=True)
class OcrPlan:
    """The text pass's branch of the decode: frame size, slate window, cap outside it."""

    width: int
    height: int
    slate_window_s: float  # 0: no slate rule
    frames_per_minute: int
    whole: bool = True  # False: the slate window only (no rule about the rest of the picture)


def ocr_plan(width: int, height: int, slate_window_s: float, frames_per_minute: int, whole: bool) -> OcrPlan:
    """Frames scaled to ``OCR_WIDTH`` (never up), even sizes, aspect kept."""
    w = min(width, OCR_WIDTH)
    h = max(2, round(height * w / width / 2) * 2)
    return OcrPlan(max(2, w // 2 * 2), h, slate_window_s, frames_per_minute, whole)


def ocr_chain(plan: OcrPlan, times_path: str) -> str:
    """The filters from full frames to the ``[ocr]`` output (prefix it with the input label)."""
    first = "isnan(prev_selected_t)"
    since = "t-prev_selected_t"
    later = f"gt(scene,{CHANGE_SCORE:g})*gte({since},{MIN_GAP_S:g})+gte({since},{IDLE_S:g})"
    pick = f"if(lt(t,{plan.slate_window_s:g}),gte({since},{SLATE_STEP_S:g}),{later})"
    # Only the slate asked for: the branch ends with the window, and costs nothing after it.
    head = "" if plan.whole else f"trim=end={plan.slate_window_s:g},"
    return (
        f"{head}select='{first}+{pick}',scale={plan.width}:{plan.height}:flags=area,format=gray,"
        f"metadata=mode=print:file='{times_path}'[ocr]"
    )


@dataclass
class ScreenFrames:
    """Frame handler for the ``[ocr]`` FIFO: keeps the frames (bounded) until the decode ends."""

    plan: OcrPlan
    frames: list[bytes] = field(default_factory=list)

    def __call__(self, index: int, frame: bytes) -> None:
        if index < MAX_FRAMES:
            self.frames.append(frame)


@dataclass(frozen=True)
class Sample:
    t: float
    score: float
    frame: bytes


def read_times(path: Path) -> list[tuple[float, float]]:
    """(pts_time, scene score) of each selected frame, in order, from the metadata filter's file."""
    out: list[tuple[float, float]] = []
    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return out
    for line in lines:
        if m := _FRAME_LINE.match(line):
            out.append((float(m.group(1)), 0.0))
        elif (m := _SCORE_LINE.match(line)) and out:
            out[-1] = (out[-1][0], float(m.group(1)))
    return out


def choose(frames: list[bytes], times: list[tuple[float, float]], plan: OcrPlan) -> list[Sample]:
    """The slate window's frames, then the largest change of each slot of ``60 / frames_per_minute``
    seconds: spread over the file (a busy minute cannot use up the next one's), changes first."""
    samples = [Sample(t, score, f) for (t, score), f in zip(times, frames, strict=False)]
    slate = [s for s in samples if s.t < plan.slate_window_s]
    slot_s = 60 / plan.frames_per_minute
    best: dict[int, Sample] = {}
    for s in samples:
        slot = int(s.t // slot_s)
        if s.t >= plan.slate_window_s and (slot not in best or s.score > best[slot].score):
            best[slot] = s
    return slate + sorted(best.values(), key=lambda s: s.t)


def same_picture(a: bytes, b: bytes) -> bool:
    """Nothing new to read: a held slate or still picture sampled again (pure Python, ~1 ms)."""
    pairs = list(zip(a[::SAME_STEP], b[::SAME_STEP], strict=False))
    changed = sum(1 for x, y in pairs if abs(x - y) > SAME_DIFF)
    return changed <= SAME_SHARE * len(pairs)


def distinct(samples: list[Sample]) -> tuple[list[Sample], list[int]]:
    """The samples worth reading (each differs from the last one read) and, for every sample, the
    index of the one whose text it shares: a 5 s still slate is read once, not five times."""
    read: list[Sample] = []
    index: list[int] = []
    for s in samples:
        if not read or not same_picture(read[-1].frame, s.frame):
            read.append(s)
        index.append(len(read) - 1)
    return read, index
