"""A ``Probe`` from what the entrant's browser read, so the pre-check runs the validator's header rules.

The page (``services/intake/static/precheck_read.js``) reads the chosen file with MediaInfoLib
(the vendored mediainfo.js) and walks the MP4/MOV top-level boxes as ``boxes.py`` does, and sends
a few of MediaInfo's fields as strings. Here they become the same ``Probe`` ffprobe's output
becomes, named as ffprobe names things (codec ``h264``, pixel format ``yuv420p``, field order
``tt``), so ``header_rules.header_findings`` needs no second implementation.

The JSON comes from a browser and is hostile: every field is bounded, unknown fields are refused,
and numbers are parsed here, never trusted as numbers. Where MediaInfo and ffprobe differ (a
header MediaInfo cannot read, a rate it does not report), the rule the field feeds stays silent:
the server's check after the upload is the one that counts.
"""

import math
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.media.boxes import BoxLayout
from services.media.probe import Probe, ProbeFailed, Stream

Text = Annotated[str, StringConstraints(max_length=120)]
MAX_BYTES = 1 << 45  # 32 TiB: larger than any upload limit, small enough to stay an exact float

# MediaInfo's names -> ffprobe's, for what the rules compare.
_CONTAINERS = {
    "Matroska": "matroska",
    "WebM": "matroska",
    "AVI": "avi",
    "MPEG-TS": "mpegts",
    "MPEG-PS": "mpeg",
}
_CONTAINERS |= {"Flash Video": "flv", "Wave": "wav", "MPEG Audio": "mp3", "ADTS": "aac", "Ogg": "ogg"}
_CONTAINERS |= {"Windows Media": "asf", "FLAC": "flac", "RealMedia": "rm"}
_VIDEO_CODECS = {
    "AVC": "h264",
    "HEVC": "hevc",
    "MPEG-4 Visual": "mpeg4",
    "VP8": "vp8",
    "VP9": "vp9",
    "AV1": "av1",
}
_VIDEO_CODECS |= {"ProRes": "prores", "MPEG Video": "mpeg2video", "WMV3": "wmv3", "VC-1": "vc1"}
_AUDIO_CODECS = {"AAC": "aac", "MPEG Audio": "mp3", "AC-3": "ac3", "E-AC-3": "eac3", "Opus": "opus"}
_AUDIO_CODECS |= {"Vorbis": "vorbis", "FLAC": "flac", "PCM": "pcm_s16le", "ALAC": "alac", "WMA": "wmav2"}
_CHROMA = {"4:2:0": "yuv420p", "4:2:2": "yuv422p", "4:4:4": "yuv444p", "4:0:0": "gray"}
_SCAN_ORDER = {"TFF": "tt", "BFF": "bb"}


class BrowserTrack(BaseModel):
    """One of MediaInfo's tracks, as the page sends it: its own field names, values as text."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["General", "Video", "Audio"]
    Format: Text | None = None  # MediaInfo's own field names: the page sends them as read
    Format_Profile: Text | None = None
    Format_Level: Text | None = None
    Format_AdditionalFeatures: Text | None = None
    CodecID: Text | None = None
    CodecID_Compatible: Text | None = None
    StreamOrder: Text | None = None
    FileSize: Text | None = None
    Duration: Text | None = None
    OverallBitRate: Text | None = None
    IsTruncated: Text | None = None
    Width: Text | None = None
    Height: Text | None = None
    Sampled_Width: Text | None = None
    Sampled_Height: Text | None = None
    PixelAspectRatio: Text | None = None
    DisplayAspectRatio: Text | None = None
    Rotation: Text | None = None
    FrameRate: Text | None = None
    FrameRate_Mode: Text | None = None
    FrameRate_Original: Text | None = None
    FrameRate_Maximum: Text | None = None
    FrameRate_Num: Text | None = None
    FrameRate_Den: Text | None = None
    FrameRate_Original_Num: Text | None = None
    FrameRate_Original_Den: Text | None = None
    FrameCount: Text | None = None
    ColorSpace: Text | None = None
    ChromaSubsampling: Text | None = None
    BitDepth: Text | None = None
    ScanType: Text | None = None
    ScanOrder: Text | None = None
    Encoded_Library_Settings: Annotated[str, StringConstraints(max_length=2000)] | None = None
    BitRate: Text | None = None
    SamplingRate: Text | None = None
    Channels: Text | None = None


class BrowserBoxes(BaseModel):
    """The MP4/MOV top-level box walk, as ``boxes.BoxLayout`` holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    is_iso: bool = False
    major_brand: Annotated[str, StringConstraints(max_length=4)] | None = None
    moov_offset: Annotated[int, Field(ge=0, le=MAX_BYTES)] | None = None
    mdat_offset: Annotated[int, Field(ge=0, le=MAX_BYTES)] | None = None
    truncated: bool = False


class BrowserHeaders(BaseModel):
    """What the page read of a file it did not send."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    size: Annotated[int, Field(ge=0, le=MAX_BYTES)]
    tracks: Annotated[list[BrowserTrack], Field(max_length=16)]
    boxes: BrowserBoxes = BrowserBoxes()


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) and value >= 0 else None


def _whole(text: str | None) -> int | None:
    value = _number(text)
    return int(value) if value is not None and value < MAX_BYTES else None


def _rate(num: str | None, den: str | None, plain: str | None) -> float | None:
    n, d = _whole(num), _whole(den)
    return float(Fraction(n, d)) if n and d else _number(plain)


def _unreadable() -> ProbeFailed:
    return ProbeFailed(
        "无法识别为音视频文件，或文件已损坏：请上传剪辑软件导出的视频文件，不要只修改扩展名",
        "The file is not recognisable audio or video, or it is damaged: upload the video file "
        "your editing software exports; renaming a file does not convert it",
    )


def _pix_fmt(t: BrowserTrack) -> str | None:
    base = _CHROMA.get(t.ChromaSubsampling or "")
    if base is None or (t.ColorSpace not in (None, "YUV") and base != "gray"):
        return None
    depth = _whole(t.BitDepth) or 8
    return base if depth == 8 else f"{base}{depth}le"


def _field_order(t: BrowserTrack) -> str | None:
    if t.ScanType in ("Interlaced", "MBAFF"):
        return _SCAN_ORDER.get(t.ScanOrder or "", "tb")
    if t.ScanType == "Progressive":
        return "progressive"
    # No scan type read: the encoder's own settings say it (x264 writes "interlaced=tff").
    settings = t.Encoded_Library_Settings or ""
    if "interlaced=tff" in settings:
        return "tt"
    if "interlaced=bff" in settings:
        return "bb"
    return None


def _video(t: BrowserTrack, index: int) -> Stream:
    avg = _rate(t.FrameRate_Num, t.FrameRate_Den, t.FrameRate)
    nominal = _rate(t.FrameRate_Original_Num, t.FrameRate_Original_Den, t.FrameRate_Original)
    if t.FrameRate_Mode == "VFR":
        nominal = _number(t.FrameRate_Maximum) or nominal
    width, height = _whole(t.Sampled_Width) or _whole(t.Width), _whole(t.Sampled_Height) or _whole(t.Height)
    par = _number(t.PixelAspectRatio)
    sar = Fraction(par).limit_denominator(1000) if par else None
    return Stream(
        index=index,
        codec_type="video",
        codec_name=_VIDEO_CODECS.get(t.Format or "", (t.Format or "").lower() or None),
        profile=(t.Format_Profile or "").split("@")[0] or None,
        width=width,
        height=height,
        sample_aspect_ratio=f"{sar.numerator}:{sar.denominator}" if sar else None,
        r_frame_rate=nominal or avg,
        avg_frame_rate=avg,
        pix_fmt=_pix_fmt(t),
        field_order=_field_order(t),
        rotation=round(_number(t.Rotation) or 0) % 360,
        duration_s=_number(t.Duration),
        bit_rate=_whole(t.BitRate),
    )


def _audio(t: BrowserTrack, index: int) -> Stream:
    return Stream(
        index=index,
        codec_type="audio",
        codec_name=_AUDIO_CODECS.get(t.Format or "", (t.Format or "").lower() or None),
        sample_rate=_whole(t.SamplingRate),
        channels=_whole(t.Channels),
        duration_s=_number(t.Duration),
        bit_rate=_whole(t.BitRate),
    )


def _format_name(general: BrowserTrack, boxes: BrowserBoxes) -> str:
    if boxes.is_iso or general.Format == "MPEG-4":
        return "mov,mp4,m4a,3gp,3g2,mj2"  # as ffprobe names it; the ftyp brand tells them apart
    return _CONTAINERS.get(general.Format or "", (general.Format or "unknown").lower())


def probe_from_browser(headers: BrowserHeaders) -> Probe:
    """The probe the header rules read; raises ``ProbeFailed`` as ffprobe's adapter does."""
    if headers.size == 0:
        raise ProbeFailed(
            "文件为空（0字节）：请重新导出或重新上传",
            "The file is empty (0 bytes): export or upload it again",
        )
    general = next((t for t in headers.tracks if t.kind == "General"), BrowserTrack(kind="General"))
    layout = BoxLayout(**headers.boxes.model_dump())
    streams = [
        _video(t, i) if t.kind == "Video" else _audio(t, i)
        for i, t in enumerate(t for t in headers.tracks if t.kind != "General")
    ]
    if not streams:  # ffprobe found no stream either: not media, or an MP4 without its index
        raise _unreadable()
    brands = (general.CodecID_Compatible or "").split("/")
    return Probe(
        format_name=_format_name(general, headers.boxes),
        major_brand=layout.major_brand or (general.CodecID if general.Format == "MPEG-4" else None),
        compatible_brands=[b for b in brands if b],
        duration_s=_number(general.Duration),
        size=headers.size,
        bit_rate=_whole(general.OverallBitRate),
        streams=streams,
        faststart=layout.faststart,
        truncated=layout.truncated,
    )
