"""Dropped and duplicated frames and variable frame rate, from packet timestamps alone (no decoding).

``ffprobe -show_entries packet=pts_time,dts_time,duration_time,flags`` on the
video stream reads the container's index and packet headers: for an 8-minute
file it costs a small fraction of a decode and runs beside it.

Sorted presentation times give the frame intervals. The nominal interval is
their median. An interval of k nominal intervals (k >= 2) is a gap: k-1
frames were dropped. An interval of about zero is a duplicated timestamp. An
interval that is no multiple of the nominal one is irregular. Many irregular
intervals, or gaps in more than a tenth of the stream (a camera that slows to
15 fps in the dark), make the stream variable-frame-rate; then its gaps are
rate changes, not drops. Tolerance: 5 % of the interval or 1.5 ms, whichever
is larger, because millisecond timebases (FLV, MKV) round 29.97 fps to 33
and 34 ms. Decode order (DTS) must strictly increase.
"""

import itertools
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from services.media.ffprobe import over_limits, run_ffprobe
from services.media.process import ToolMissing, ToolTimedOut

MAX_PACKETS = 400_000  # 4.4 hours at 25 fps; bounds ffprobe's output and our memory
REL_TOLERANCE = 0.05
ABS_TOLERANCE_S = 0.0015
VFR_IRREGULAR_SHARE = 0.005
VFR_GAP_SHARE = 0.10


@dataclass(frozen=True)
class Packet:
    pts_s: float | None
    dts_s: float | None
    duration_s: float | None


@dataclass(frozen=True)
class Interval:
    at_s: float  # presentation time of the frame before the interval
    length_s: float


@dataclass
class Timing:
    frames: int = 0
    start_s: float = 0.0
    end_s: float = 0.0
    nominal_s: float | None = None
    gaps: list[tuple[Interval, int]] = field(default_factory=list)  # (interval, frames missing)
    duplicates: list[Interval] = field(default_factory=list)
    irregular: list[Interval] = field(default_factory=list)
    dts_backwards: int = 0
    capped: bool = False  # more packets than MAX_PACKETS: only the start was read
    frame_times: list[float] = field(default_factory=list)

    @property
    def variable(self) -> bool:
        intervals = max(1, self.frames - 1)
        return (
            len(self.irregular) > max(2, VFR_IRREGULAR_SHARE * intervals)
            or len(self.gaps) > VFR_GAP_SHARE * intervals
        )

    @property
    def dropped_frames(self) -> int:
        return 0 if self.variable else sum(missing for _, missing in self.gaps)

    def rate_range(self) -> tuple[float, float] | None:
        """Slowest and fastest instantaneous frame rate among the irregular intervals and the nominal."""
        lengths = [i.length_s for i in self.irregular if i.length_s > 0]
        lengths += [i.length_s for i, _ in self.gaps] if self.variable else []
        if self.nominal_s:
            lengths.append(self.nominal_s)
        return (1 / max(lengths), 1 / min(lengths)) if lengths else None


class TimestampsUnavailable(Exception):
    """ffprobe could not list the packets (missing, timed out, or failed)."""


def parse_packets(text: str) -> list[Packet]:
    """``-of compact=p=0`` lines: ``pts_time=0.04|dts_time=0.0|duration_time=0.04|flags=K_``."""
    packets = []
    for line in text.splitlines():
        fields = dict(part.split("=", 1) for part in line.strip().split("|") if "=" in part)
        if not fields or "D" in fields.get("flags", ""):
            continue  # discarded by the edit list: never shown

        def number(key: str, fields: dict[str, str] = fields) -> float | None:
            try:
                return float(fields[key])
            except (KeyError, ValueError):
                return None

        packets.append(Packet(number("pts_time"), number("dts_time"), number("duration_time")))
    return packets


def analyse(packets: list[Packet], capped: bool = False) -> Timing:
    timing = Timing(capped=capped)
    dts = [p.dts_s for p in packets if p.dts_s is not None]
    timing.dts_backwards = sum(1 for a, b in itertools.pairwise(dts) if b <= a)
    times = sorted(t for p in packets if (t := p.pts_s if p.pts_s is not None else p.dts_s) is not None)
    timing.frames = len(times)
    if not times:
        return timing
    timing.frame_times = times
    deltas = [b - a for a, b in itertools.pairwise(times)]
    positive = [d for d in deltas if d > 0]
    timing.nominal_s = statistics.median(positive) if positive else None
    last = max(packets, key=lambda p: p.pts_s if p.pts_s is not None else -1.0)
    timing.start_s = times[0]
    timing.end_s = times[-1] + (last.duration_s or timing.nominal_s or 0.0)
    if timing.nominal_s is None:
        return timing
    nominal = timing.nominal_s
    tolerance = max(ABS_TOLERANCE_S, REL_TOLERANCE * nominal)
    for at, delta in zip(times, deltas, strict=False):
        interval = Interval(at, delta)
        k = round(delta / nominal)
        if delta <= tolerance:
            timing.duplicates.append(interval)
        elif abs(delta - k * nominal) > tolerance * max(1, k):
            timing.irregular.append(interval)
        elif k >= 2:
            timing.gaps.append((interval, k - 1))
    return timing


async def read_timing(
    path: Path, stream_index: int, timeout_s: float, ffprobe_bin: str = "ffprobe"
) -> Timing:
    args = [
        "-select_streams",
        str(stream_index),
        "-read_intervals",
        f"%+#{MAX_PACKETS}",
        "-show_entries",
        "packet=pts_time,dts_time,duration_time,flags",
        "-of",
        "compact=p=0",
    ]
    try:
        done = await run_ffprobe(args, path, timeout_s, ffprobe_bin)
    except (ToolMissing, ToolTimedOut) as exc:
        raise TimestampsUnavailable(str(exc)) from exc
    if over_limits(done) or (done.returncode != 0 and not done.stdout):
        raise TimestampsUnavailable(done.stderr.decode(errors="replace").strip()[-300:] or "ffprobe failed")
    packets = parse_packets(done.stdout.decode(errors="replace"))
    return analyse(packets, capped=len(packets) >= MAX_PACKETS)
