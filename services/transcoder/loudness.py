"""Loudness: measuring an upload's audio, and the filter that brings it to a target (pure).

Two passes. The first decodes the audio alone (no picture is decoded) through ffmpeg's
``ebur128`` filter: EBU R128 integrated loudness, its gating threshold, loudness range and
true peak. That is ten times cheaper than measuring with ``loudnorm`` itself (which works at
192 kHz): about 0.7 s against 7.6 s for three minutes of sound here. The second pass, inside
the master encode, applies one linear gain (``volume``), which keeps the work's dynamics; only
where that gain would push the true peak over the limit does ``loudnorm`` (linear mode, fed the
measurement) take over and limit the peaks. The first pass also shows whether the audio track
holds any sound at all."""

import math
import re
from dataclasses import dataclass
from pathlib import Path

from services.media.inputs import input_args

TRUE_PEAK_DBTP = -1.5
LOUDNESS_RANGE_LU = 11.0
SILENCE_LUFS = -70.0  # R128's absolute gate: at or below it there is nothing to normalise

_NUMBER = r"(-?inf|-?\d+(?:\.\d+)?)"
_FIELDS = {
    "integrated": re.compile(rf"Integrated loudness:\s*I:\s*{_NUMBER} LUFS\s*Threshold:\s*{_NUMBER} LUFS"),
    "lra": re.compile(rf"LRA:\s*{_NUMBER} LU\b"),
    "peak": re.compile(rf"True peak:\s*Peak:\s*{_NUMBER} dBFS"),
}


@dataclass(frozen=True)
class Loudness:
    integrated: float | None  # LUFS; None for silence (or no sound at all)
    threshold: float | None
    lra: float | None
    true_peak: float | None  # dBTP

    @property
    def silent(self) -> bool:
        return self.integrated is None


def measure_args(source: Path, audio_index: int) -> list[str]:
    """ffmpeg arguments (after the runner's own) for the measuring pass."""
    return [
        "-xerror",  # damaged audio stops here, with a reason, rather than being measured around
        *input_args(source),
        "-map",
        f"0:{audio_index}",
        "-vn",
        "-af",
        "ebur128=peak=true:framelog=verbose",  # per-frame lines at verbose: only the summary shows
        "-f",
        "null",
        "-",
    ]


def _number(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


def parse_measurement(stderr: str) -> Loudness | None:
    """The ebur128 filter's summary (the last one printed), or None when it printed none."""
    summary = stderr.rsplit("Summary:", 1)
    if len(summary) < 2:
        return None
    text = summary[1]
    loud, lra, peak = (pattern.search(text) for pattern in _FIELDS.values())
    if loud is None:
        return None
    integrated = _number(loud.group(1))
    return Loudness(
        integrated=integrated if integrated is not None and integrated > SILENCE_LUFS else None,
        threshold=_number(loud.group(2)),
        lra=_number(lra.group(1)) if lra else None,
        true_peak=_number(peak.group(1)) if peak else None,
    )


def normalise_filter(target_lufs: float, measured: Loudness | None, sample_rate: int) -> str:
    """Second pass: one linear gain to the target; loudnorm only where the peaks need limiting."""
    resample = f"aresample={sample_rate}"
    if measured is None or measured.integrated is None:
        return resample  # silence: nothing to raise
    gain = target_lufs - measured.integrated
    if measured.true_peak is None or measured.true_peak + gain <= TRUE_PEAK_DBTP:
        return f"volume={gain:.2f}dB,{resample}"
    params = [
        f"I={target_lufs:g}",
        f"TP={TRUE_PEAK_DBTP:g}",
        f"LRA={LOUDNESS_RANGE_LU:g}",
        f"measured_I={measured.integrated:.2f}",
        f"measured_TP={measured.true_peak:.2f}",
    ]
    if measured.lra is not None:
        params.append(f"measured_LRA={measured.lra:.2f}")
    if measured.threshold is not None:
        params.append(f"measured_thresh={measured.threshold:.2f}")
    params.append("linear=true")
    return f"loudnorm={':'.join(params)},{resample}"  # loudnorm works at 192 kHz: resample after
