"""ffprobe adapter: what a media file's headers say, as a pydantic ``Probe``.

ffprobe runs through ``services.media.ffprobe``: its own process group, a
wall-clock timeout that kills the group, address-space and CPU limits. So a
hostile or broken upload costs a bounded amount and never hangs a consumer.
Whatever ffprobe cannot read raises ``ProbeFailed`` with a reason a teacher
understands; a missing ffprobe raises ``ProbeUnavailable`` (a tool error, not
the teacher's fault). Faststart and truncation come from the box layout
(``boxes.py``), which ffprobe does not report.
"""

import asyncio
import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.media.boxes import BoxLayout, read_box_layout
from services.media.ffprobe import over_limits, run_ffprobe
from services.media.inputs import ALLOWED_DEMUXERS
from services.media.process import ToolMissing, ToolTimedOut


class ProbeFailed(Exception):
    """The file cannot be read as media: not media, empty, truncated, or too slow."""

    def __init__(self, reason_zh: str, reason_en: str, detail: str = "") -> None:
        super().__init__(f"{reason_zh} / {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        self.detail = detail  # ffprobe's own words, for logs; not shown to teachers


class ProbeUnavailable(Exception):
    """ffprobe itself could not be started: an operator problem, not a bad file."""


# Optional measured fields: like QualitySummary, ProbeSummary and SubmissionRow in shape only.
class Stream(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    codec_type: str
    codec_name: str | None = None
    profile: str | None = None
    level: int | None = None
    width: int | None = None
    height: int | None = None
    sample_aspect_ratio: str | None = None
    display_aspect_ratio: str | None = None
    r_frame_rate: float | None = None
    avg_frame_rate: float | None = None
    pix_fmt: str | None = None
    field_order: str | None = None
    rotation: int = 0  # degrees, 0..359; only quarter turns matter for the rules, so sign is moot
    sample_rate: int | None = None
    channels: int | None = None
    nb_frames: int | None = None
    start_s: float | None = None
    duration_s: float | None = None
    bit_rate: int | None = None
    attached_pic: bool = False  # cover art stored as a video stream; not the picture of the work

    @property
    def quarter_turn(self) -> bool:
        return self.rotation % 180 == 90

    @property
    def display_size(self) -> tuple[int, int] | None:
        """Width and height as a player shows them: a 1920x1080 stream rotated 90° is 1080x1920."""
        if not self.width or not self.height:
            return None
        return (self.height, self.width) if self.quarter_turn else (self.width, self.height)

    @property
    def display_aspect(self) -> Fraction | None:
        """Display aspect from coded size and sample aspect ratio (SAR), after rotation."""
        size = self.display_size
        if size is None:
            return None
        sar = _ratio(self.sample_aspect_ratio, ":") or Fraction(1)
        w, h = size
        # SAR stretches the coded width; after a quarter turn that is the displayed height.
        return Fraction(w, h) / sar if self.quarter_turn else Fraction(w, h) * sar

    @property
    def frame_rate(self) -> float | None:
        """The rate a viewer gets: r_frame_rate, unless the average disagrees (then the stream is VFR)."""
        r, avg = self.r_frame_rate, self.avg_frame_rate
        if r and avg and abs(r - avg) / avg > 0.005:
            return avg
        return r or avg


class Probe(BaseModel):
    model_config = ConfigDict(frozen=True)

    format_name: str
    major_brand: str | None = None
    compatible_brands: list[str] = []
    duration_s: float | None = None
    size: int
    bit_rate: int | None = None
    streams: list[Stream]
    faststart: bool | None = None  # None: not an MP4/MOV file, or no moov box found
    truncated: bool = False

    @property
    def container(self) -> str:
        """The real container, whatever the extension: mp4 and mov are told apart by the ftyp brand."""
        if "mov" in self.format_name.split(","):
            return _iso_container(self.major_brand, self.compatible_brands)
        first = self.format_name.split(",")[0]
        return _FORMAT_NAMES.get(first, first)

    @property
    def video(self) -> Stream | None:
        return next((s for s in self.streams if s.codec_type == "video" and not s.attached_pic), None)

    @property
    def audio(self) -> Stream | None:
        return next((s for s in self.streams if s.codec_type == "audio"), None)


_FORMAT_NAMES = {"matroska": "mkv", "mpegts": "ts", "mpeg": "mpg", "asf": "wmv"}
_MP4_BRANDS = {"isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "m4v", "dash", "msnv"}
_OTHER_BRANDS = {
    "qt": "mov",
    "m4a": "m4a",
    "m4b": "m4a",
    "3gp4": "3gp",
    "3gp5": "3gp",
    "3gp6": "3gp",
    "3g2a": "3g2",
    "mjp2": "mj2",
    "f4v": "f4v",
}


def _iso_container(major: str | None, compatible: list[str]) -> str:
    brand = (major or "").strip().lower()
    if brand in _MP4_BRANDS:
        return "mp4"
    if brand in _OTHER_BRANDS:
        return _OTHER_BRANDS[brand]
    # Camera brands (XAVC, CAEP, ...) declare what they are compatible with.
    compat = {b.strip().lower() for b in compatible}
    if compat & _MP4_BRANDS:
        return "mp4"
    # No ftyp at all is classic QuickTime; an unknown brand is shown as itself.
    return brand or "mov"


def _ratio(text: object, sep: str = "/") -> Fraction | None:
    if not isinstance(text, str) or sep not in text:
        return None
    num, _, den = text.partition(sep)
    try:
        n, d = int(num), int(den)
    except ValueError:
        return None
    return Fraction(n, d) if n > 0 and d > 0 else None


def _int(value: object) -> int | None:
    try:
        return int(str(value)) if value is not None else None
    except ValueError:
        return None


def _float(value: object) -> float | None:
    try:
        number = float(str(value)) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None


def _rotation(raw: dict[str, Any]) -> int:
    for side in raw.get("side_data_list") or []:
        if isinstance(side, dict) and "rotation" in side:
            return round(_float(side["rotation"]) or 0) % 360
    # ffprobe before 5.0 exposed the display matrix only as a "rotate" tag.
    return round(_float((raw.get("tags") or {}).get("rotate")) or 0) % 360


def _stream(raw: dict[str, Any]) -> Stream:
    def rate(key: str) -> float | None:
        fraction = _ratio(raw.get(key))
        return float(fraction) if fraction is not None else None

    return Stream(
        index=_int(raw.get("index")) or 0,
        codec_type=str(raw.get("codec_type") or "unknown"),
        codec_name=raw.get("codec_name"),
        profile=raw.get("profile"),
        level=_int(raw.get("level")),
        width=_int(raw.get("width")),
        height=_int(raw.get("height")),
        sample_aspect_ratio=raw.get("sample_aspect_ratio"),
        display_aspect_ratio=raw.get("display_aspect_ratio"),
        r_frame_rate=rate("r_frame_rate"),
        avg_frame_rate=rate("avg_frame_rate"),
        pix_fmt=raw.get("pix_fmt"),
        field_order=raw.get("field_order"),
        rotation=_rotation(raw),
        sample_rate=_int(raw.get("sample_rate")),
        channels=_int(raw.get("channels")),
        nb_frames=_int(raw.get("nb_frames")),
        start_s=_float(raw.get("start_time")),
        duration_s=_float(raw.get("duration")),
        bit_rate=_int(raw.get("bit_rate")),
        attached_pic=bool((raw.get("disposition") or {}).get("attached_pic")),
    )


def parse_probe(output: dict[str, Any], size: int, layout: BoxLayout) -> Probe:
    """Build a Probe from ffprobe's JSON and the box layout (pure; unit-testable)."""
    fmt = output.get("format") or {}
    tags = fmt.get("tags") or {}
    compatible = str(tags.get("compatible_brands") or "")
    return Probe(
        format_name=str(fmt.get("format_name") or "unknown"),
        major_brand=tags.get("major_brand") or layout.major_brand,
        compatible_brands=[compatible[i : i + 4] for i in range(0, len(compatible), 4)],
        duration_s=_float(fmt.get("duration")),
        size=size,
        bit_rate=_int(fmt.get("bit_rate")),
        streams=[_stream(s) for s in output.get("streams") or [] if isinstance(s, dict)],
        faststart=layout.faststart,
        truncated=layout.truncated,
    )


def _unreadable(layout: BoxLayout, detail: str) -> ProbeFailed:
    if "not on whitelist" in detail:  # a demuxer inputs.py refuses: a playlist, a list, a picture
        return ProbeFailed(
            "这不是音视频文件本身（可能是播放列表、拼接列表或图片）：请上传剪辑软件导出的视频文件",
            "This is not an audio or video file itself (perhaps a playlist, a concat list or a picture): "
            "upload the video file your editing software exports",
            detail,
        )
    if layout.is_iso and (layout.truncated or layout.faststart is None):
        return ProbeFailed(
            "文件不完整（缺少索引或被截断），可能是导出、录制或上传中断：请重新导出并上传完整文件",
            "The file is incomplete (index missing or cut off), perhaps an interrupted export, "
            "recording or upload: export it again and upload the whole file",
            detail,
        )
    return ProbeFailed(
        "无法识别为音视频文件，或文件已损坏：请上传剪辑软件导出的视频文件，不要只修改扩展名",
        "The file is not recognisable audio or video, or it is damaged: upload the video file "
        "your editing software exports; renaming a file does not convert it",
        detail,
    )


async def probe(
    path: Path, timeout_s: float = 30, ffprobe_bin: str = "ffprobe", demuxers: str = ALLOWED_DEMUXERS
) -> Probe:
    """Read a media file's headers; raises ProbeFailed (bad file, timeout) or ProbeUnavailable.

    ``demuxers``: what ffprobe may open (``services.media.inputs``); only the transcoder's own
    package is read with more than an upload may use."""
    size, is_file, absolute = await asyncio.to_thread(_stat, path)
    if size is None:
        raise ProbeFailed("找不到文件或无法打开", "The file cannot be found or opened")
    if not is_file:
        raise ProbeFailed("不是文件（可能是文件夹）", "This is not a file (perhaps a folder)")
    if size == 0:
        raise ProbeFailed(
            "文件为空（0字节）：请重新导出或重新上传",
            "The file is empty (0 bytes): export or upload it again",
        )
    layout = await asyncio.to_thread(read_box_layout, path)
    try:
        shown = ["-print_format", "json", "-show_format", "-show_streams"]
        done = await run_ffprobe(shown, absolute, timeout_s, ffprobe_bin, demuxers)
    except ToolMissing as exc:
        raise ProbeUnavailable(str(exc)) from exc
    except ToolTimedOut as exc:
        raise ProbeFailed(
            f"读取文件超时（超过{timeout_s:g}秒），文件可能已损坏：请重新导出后再上传",
            f"Reading the file timed out (over {timeout_s:g} s); it may be damaged: export it again",
        ) from exc
    detail = done.stderr.decode(errors="replace").strip()[-500:]
    if over_limits(done):
        raise ProbeFailed(
            "读取文件超出资源限制，文件可能已损坏",
            "Reading the file exceeded the resource limits; it may be damaged",
            detail,
        )
    if done.returncode != 0:
        raise _unreadable(layout, detail)
    try:
        parsed = json.loads(done.stdout)
    except ValueError as exc:
        raise _unreadable(layout, f"ffprobe output is not JSON: {exc}") from exc
    result = parse_probe(parsed if isinstance(parsed, dict) else {}, size, layout)
    if not result.streams:
        raise _unreadable(layout, detail or "no streams")
    return result


def _stat(path: Path) -> tuple[int | None, bool, Path]:
    try:
        return path.stat().st_size, path.is_file(), path.absolute()
    except OSError:
        return None, False, path
