"""The one ffmpeg run of the quality pass: which analyses, which decode settings, which arguments. Pure.

Cost is what decides the shape (numbers in docs/performance.md, "Validator"):
- The decode dominates. For analysis the H.264/HEVC deblocking filter is
  skipped (``-skip_loop_filter all``) and ``-flags2 +fast`` allows the
  decoder's non-bit-exact shortcuts: pictures differ by a few code values at
  block edges, which no verdict here depends on (tests compare the findings of
  these settings with an exact decode). ``-noautorotate`` saves a full-size
  transpose of phone videos; nothing here needs the picture upright (zxing
  tries rotations itself).
- Black, still and cut detection and the 1 fps QR samples do not need every
  frame: unless flashes are checked (they do), frames no other frame refers
  to are not decoded at all (``-skip_frame noref``: most B-frames, a third
  of a typical export; never a decode error, as nothing depends on them).
  Frame timing comes from the packets (``timestamps.py``), not the decode.
- ``vfrdet`` sees every decoded frame (it reads timestamps only). Everything
  that looks at pixels (black, freeze, scene cuts, flashes) runs on a
  480x270 proxy; ``signalstats`` is never used, at any size.
- Flashes need only the mean colour of a 4x4 grid of the proxy (48 bytes per
  frame), handed to Python through a FIFO.
- QR codes need full resolution (a small code vanishes in a proxy) but only
  one grey frame per second: ``fps=1,format=gray`` on the full frames.
- On-screen text (OCR) gets a few chosen frames, 960 pixels wide, on a FIFO: ``screen_frames.py``.
- The scene-cut detector only runs over the opening seconds (``trim``), where
  an intro slate can be.
"""

from dataclasses import dataclass

from services.media.inputs import input_args
from services.validator.screen_frames import OcrPlan, ocr_chain

PROXY = (480, 270)
FLASH_GRID = 4  # cells per side of the flash thumbnail
FLASH_FRAME_BYTES = FLASH_GRID * FLASH_GRID * 3
BLACK_MIN_S = 2.0
# A held picture re-encoded by x264 keeps changing a little for about a second (at full size, with
# deblocking): -50 dB (0.3 % mean difference) calls it still, so a proxy and a full decode agree on
# where a freeze starts; a talking head or a slow pan differs by far more.
FREEZE_NOISE_DB = -50
FREEZE_MIN_S = 1.0  # short, so a slate of a few seconds is seen; longer freezes are reported from 10 s
SILENCE_MIN_S = 2.0  # notes start at 5 s; a short file that is all silence is seen too
SILENCE_NOISE_DB = -50
MAX_QR_PIXELS = 4096 * 2304  # larger (absurd) frames are scaled down to this before QR detection


@dataclass(frozen=True)
class DecodeSettings:
    """How the file is decoded for analysis; ``EXACT`` is the reference the cheaper default must match."""

    skip_loop_filter: bool = True
    fast: bool = True
    skip_nonref: bool = True  # only when no analysis needs every frame (flashes do)
    threads: int = 0  # 0: ffmpeg's automatic choice (cores + 1 frame threads)
    proxy: tuple[int, int] | None = PROXY  # None: analyse full frames


EXACT = DecodeSettings(skip_loop_filter=False, fast=False, skip_nonref=False, proxy=None)
CHEAP = DecodeSettings()


@dataclass(frozen=True)
class QualityPlan:
    """What the pass looks at, decided from the spec and the headers (see ``plan_for``)."""

    video_index: int | None = None
    audio_index: int | None = None
    flashes: bool = False
    slate_window_s: float | None = None
    loudness: bool = False
    qr_size: tuple[int, int] | None = None  # width, height of the grey frames piped out
    ocr: OcrPlan | None = None  # the on-screen text pass's frames (screen_frames.py)

    @property
    def empty(self) -> bool:
        return self.video_index is None and self.audio_index is None


@dataclass(frozen=True)
class Pipes:
    """Where the raw frame outputs go (FIFO paths), when the plan has them."""

    flashes: str | None = None
    qr: str | None = None
    ocr: str | None = None
    ocr_times: str | None = None  # the metadata filter's file: each OCR frame's time


def qr_frame_size(width: int, height: int) -> tuple[int, int]:
    """Full resolution, unless a header claims something absurd: then scaled down, aspect kept."""
    if width * height <= MAX_QR_PIXELS:
        return width, height
    factor = (MAX_QR_PIXELS / (width * height)) ** 0.5
    return max(2, int(width * factor) // 2 * 2), max(2, int(height * factor) // 2 * 2)


def skips_frames(plan: QualityPlan, settings: DecodeSettings) -> bool:
    """Non-reference frames (most B-frames) are not decoded when nothing needs every frame."""
    return settings.skip_nonref and not plan.flashes


def _video_chains(plan: QualityPlan, settings: DecodeSettings, ocr_times: str | None) -> list[str]:
    """Filter chains: ``vfrdet`` on every frame, then the QR branch (full size) and the proxy analysis."""
    assert plan.video_index is not None
    filters = []
    if settings.proxy is not None:
        filters.append(f"scale={settings.proxy[0]}:{settings.proxy[1]}:flags=fast_bilinear")
    filters += [
        f"blackdetect=d={BLACK_MIN_S:g}:pix_th=0.10:pic_th=0.98",
        f"freezedetect=n={FREEZE_NOISE_DB}dB:d={FREEZE_MIN_S:g}",
    ]
    branches = ["vq"] + ["slate"] * (plan.slate_window_s is not None) + ["flash"] * plan.flashes
    outputs = "".join(f"[{b}]" for b in branches)
    if len(branches) > 1:
        filters.append(f"split={len(branches)}")
    # vfrdet needs every frame; without them the packet timestamps still tell (timestamps.py).
    head = f"[0:{plan.video_index}]" + ("null" if skips_frames(plan, settings) else "vfrdet")
    full: dict[str, str] = {}  # branches that need the full frames, by label
    if plan.qr_size is not None:
        w, h = plan.qr_size
        full["[full]"] = f"fps=1,scale={w}:{h}:flags=area,format=gray[qr]"
    if plan.ocr is not None and ocr_times is not None:
        full["[text]"] = ocr_chain(plan.ocr, ocr_times)
    if full:
        chains = [f"{head},split={len(full) + 1}{''.join(full)}[proxy]"]
        chains += [label + chain for label, chain in full.items()]
        chains.append("[proxy]" + ",".join(filters) + outputs)
    else:
        chains = [",".join([head, *filters]) + outputs]
    if plan.slate_window_s is not None:
        chains.append(f"[slate]trim=end={plan.slate_window_s:g},scdet=t=10,nullsink")
    if plan.flashes:
        chains.append(f"[flash]scale={FLASH_GRID}:{FLASH_GRID}:flags=area,format=rgb24[fl]")
    return chains


def _audio_chain(plan: QualityPlan) -> str:
    filters = []
    if plan.loudness:
        # framelog=verbose keeps the per-100 ms lines out of an info-level log; the summary stays.
        filters.append("ebur128=peak=true:framelog=verbose")
    filters += [
        f"silencedetect=n={SILENCE_NOISE_DB}dB:d={SILENCE_MIN_S}",
        "astats=metadata=0:measure_perchannel=none:measure_overall=Number_of_samples",
    ]
    return f"[0:{plan.audio_index}]" + ",".join(filters) + "[aq]"


def ffmpeg_args(path: str, plan: QualityPlan, settings: DecodeSettings, pipes: Pipes) -> list[str]:
    """Arguments for ``run_ffmpeg`` (which adds the binary, -progress and -nostats)."""
    decode = ["-threads", str(settings.threads)]
    if settings.skip_loop_filter:
        decode += ["-skip_loop_filter:v", "all"]
    if settings.fast:
        decode += ["-flags2", "+fast"]
    if plan.video_index is not None and skips_frames(plan, settings):
        decode += ["-skip_frame:v", "noref"]
    chains: list[str] = []
    if plan.video_index is not None:
        chains += _video_chains(plan, settings, pipes.ocr_times)
    if plan.audio_index is not None:
        chains.append(_audio_chain(plan))
    args = [
        "-loglevel",
        "level+info",  # each line says its level: errors are counted by level (qc_log.py)
        *decode,
        "-noautorotate",
        *input_args(path),
        "-filter_complex",
        ";".join(chains),
    ]
    # One null output ends the analysis chains; FIFOs take the frames Python looks at.
    if plan.video_index is not None:
        args += ["-map", "[vq]"]
    if plan.audio_index is not None:
        args += ["-map", "[aq]"]
    args += ["-f", "null", "-"]
    if plan.flashes and pipes.flashes:
        args += ["-map", "[fl]", "-fps_mode", "passthrough", "-f", "rawvideo", f"file:{pipes.flashes}"]
    if plan.qr_size is not None and pipes.qr:
        args += ["-map", "[qr]", "-fps_mode", "passthrough", "-f", "rawvideo", f"file:{pipes.qr}"]
    if plan.ocr is not None and pipes.ocr and pipes.ocr_times:
        args += ["-map", "[ocr]", "-fps_mode", "passthrough", "-f", "rawvideo", f"file:{pipes.ocr}"]
    return args
