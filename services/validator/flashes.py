"""Photosensitive flashes from a 4x4 colour thumbnail of every frame. Pure.

After the general flash and red flash thresholds of ITU-R BT.1702 (and
WCAG 2.x, 2.3.1), simplified to what a 4x4 grid can see:
- A general flash is a pair of opposing changes in relative luminance of at
  least 0.1 where the darker state is below 0.8. A red flash is a pair of
  opposing changes of at least 20 in (R-G-B)*320 of saturated red
  (R/(R+G+B) >= 0.8).
- Each of the 16 cells (the mean colour of 1/16 of the picture) is followed
  on its own; its changes are swings between alternating extremes (hysteresis
  of the threshold), so a change spread over a few frames counts once.
- Area: BT.1702 counts a flash that covers a quarter of the screen. A swing
  counts when at least 4 of the 16 cells swing on the same frame (give or
  take one), so a small blinking light is not a flash and a full-screen
  strobe is.
- More than three flashes in any one second fails: seven or more swings
  (3.5 flashes) inside a one-second window.
Fine flicker (a striped pattern, a flashing region split across cells with
little contrast) is not seen: this is a heuristic, reported with a
confidence, not a Harding test.
"""

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from services.validator.qc_graph import FLASH_GRID

LUMA_SWING = 0.1
DARK_LIMIT = 0.8
RED_SWING = 20.0
SWINGS_PER_SECOND = 7
WINDOW_S = 1.0


def _linear(code: int) -> float:
    c = code / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


_LINEAR = [_linear(i) for i in range(256)]
MIN_CELLS = (FLASH_GRID * FLASH_GRID + 3) // 4  # a quarter of the picture


@dataclass(frozen=True)
class FlashEpisode:
    start_s: float
    end_s: float
    swings_per_s: int  # the most swings seen in one second of this episode
    red: bool


def _cells(frame: bytes) -> tuple[list[float], list[float]]:
    """Per cell: relative luminance, and red-flash value (0 unless saturated red)."""
    luma, red = [], []
    for i in range(0, len(frame) - 2, 3):
        r, g, b = _LINEAR[frame[i]], _LINEAR[frame[i + 1]], _LINEAR[frame[i + 2]]
        luma.append(0.2126 * r + 0.7152 * g + 0.0722 * b)
        total = r + g + b
        red.append(max(0.0, r - g - b) * 320 if total > 0 and r / total >= 0.8 else 0.0)
    return luma, red


def swings(values: Sequence[float], threshold: float, dark: bool) -> list[int]:
    """Indices at which a swing of at least ``threshold`` between alternating extremes peaks."""
    out: list[int] = []
    if not values:
        return out
    low = high = values[0]
    low_i = high_i = 0
    trend = 0
    base = ext = values[0]
    ext_i = 0

    def counts(a: float, b: float) -> bool:
        return not dark or min(a, b) < DARK_LIMIT

    for i, v in enumerate(values):
        if trend == 0:
            if v < low:
                low, low_i = v, i
            if v > high:
                high, high_i = v, i
            if high - low >= threshold:
                trend = 1 if high_i >= low_i else -1
                base, ext, ext_i = (low, high, high_i) if trend == 1 else (high, low, low_i)
        elif (v - ext) * trend > 0:
            ext, ext_i = v, i  # the swing goes on (a plateau keeps the frame it was reached on)
        elif (v - ext) * trend < 0 and abs(ext - v) >= threshold:
            if counts(base, ext):
                out.append(ext_i)
            base, ext, ext_i, trend = ext, v, i, -trend
    if trend and abs(ext - base) >= threshold and counts(base, ext):
        out.append(ext_i)
    return out


def _area_swings(series: list[list[float]], threshold: float, dark: bool) -> list[int]:
    """Frames where at least a quarter of the cells swing together (give or take one frame)."""
    cells_at: dict[int, set[int]] = {}
    for cell, values in enumerate(series):
        for i in swings(values, threshold, dark):
            cells_at.setdefault(i, set()).add(cell)
    wide: list[int] = []
    for i in sorted(cells_at):
        together = cells_at[i] | cells_at.get(i - 1, set()) | cells_at.get(i + 1, set())
        if len(together) >= MIN_CELLS and (not wide or i - wide[-1] > 1):
            wide.append(i)  # one swing smeared over neighbouring frames counts once
    return wide


def _trim(times: list[float]) -> list[float]:
    """Drop slow swings at either end of a run: a picture's own movement just before or after flashing
    (a gap more than twice the run's median gap) is not part of it."""
    while len(times) > SWINGS_PER_SECOND:
        gaps = [b - a for a, b in itertools.pairwise(times)]
        limit = 2 * statistics.median(gaps)
        if gaps[0] > limit:
            times = times[1:]
        elif gaps[-1] > limit:
            times = times[:-1]
        else:
            break
    return times


def _densest(times: list[float]) -> int:
    """The most swings in one window of WINDOW_S (two pointers: linear in the number of swings)."""
    most, j = 0, 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j + 1 < len(times) and times[j + 1] < start + WINDOW_S:
            j += 1
        most = max(most, j - i + 1)
    return most


def _episodes(swing_times: list[float], red: bool) -> list[FlashEpisode]:
    """Runs of swings where some one-second window holds SWINGS_PER_SECOND or more."""
    runs: list[tuple[int, int]] = []
    j = 0
    for i, start in enumerate(swing_times):
        j = max(j, i)
        while j + 1 < len(swing_times) and swing_times[j + 1] < start + WINDOW_S:
            j += 1
        if j - i + 1 < SWINGS_PER_SECOND:
            continue
        if runs and i <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], j))
        else:
            runs.append((i, j))
    episodes = []
    for first, last in runs:
        times = _trim(swing_times[first : last + 1])
        most = _densest(times)
        if most >= SWINGS_PER_SECOND:
            episodes.append(FlashEpisode(times[0], times[-1], most, red))
    return episodes


def _merge(episodes: list[FlashEpisode]) -> list[FlashEpisode]:
    merged: list[FlashEpisode] = []
    for e in sorted(episodes, key=lambda e: e.start_s):
        if merged and e.start_s <= merged[-1].end_s:
            m = merged[-1]
            merged[-1] = FlashEpisode(
                m.start_s, max(m.end_s, e.end_s), max(m.swings_per_s, e.swings_per_s), m.red or e.red
            )
        else:
            merged.append(e)
    return merged


def find_flashes(frames: bytes, times: Sequence[float]) -> list[FlashEpisode]:
    """``frames``: consecutive 4x4 rgb24 thumbnails; ``times``: each frame's presentation time."""
    size = FLASH_GRID * FLASH_GRID * 3
    count = min(len(frames) // size, len(times))
    cells = FLASH_GRID * FLASH_GRID
    luma_series: list[list[float]] = [[] for _ in range(cells)]
    red_series: list[list[float]] = [[] for _ in range(cells)]
    for n in range(count):
        luma, red = _cells(frames[n * size : (n + 1) * size])
        for c in range(cells):
            luma_series[c].append(luma[c])
            red_series[c].append(red[c])
    found: list[FlashEpisode] = []
    for series, threshold, dark, is_red in (
        (luma_series, LUMA_SWING, True, False),
        (red_series, RED_SWING, False, True),
    ):
        at = [times[i] for i in _area_swings(series, threshold, dark) if 0 <= i < count]
        found += _episodes(at, red=is_red)
    return _merge(found)
