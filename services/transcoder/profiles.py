"""The delivery master's profile, and what an upload needs to meet it (pure).

The profile is the campaign's video spec plus what delivery adds where the spec is
silent: MP4 with faststart, H.264 decodable by a High-profile player, 8-bit 4:2:0, AAC.
Planning decides per stream: ``copy`` (it already conforms: never re-encoded) or
``encode``. The transcoder never changes what the work looks like in time or space
(picture size, frame rate): an upload that differs there fails with a reason the
teacher can act on, rather than being stretched or having frames dropped."""

import math
from dataclasses import dataclass, field
from typing import Literal

from contracts.campaign import VideoSpec
from services.media.probe import Probe, Stream
from services.transcoder.failures import TranscodeFailed

# A High-profile decoder plays all three, so re-encoding them to "High" would only lose quality.
HIGH_DECODABLE = frozenset({"constrained baseline", "main", "high"})
EIGHT_BIT_420 = frozenset({"yuv420p", "yuvj420p"})
# GY/T 282-2014 (China's programme loudness standard) asks for -24 LKFS; used when audio is
# encoded anyway and the campaign names no target.
DEFAULT_LOUDNESS_LUFS = -24.0
RATE_EPSILON = 0.01  # fps; the validator's tolerance
VFR_TOLERANCE = 0.005
INTERLACED = frozenset({"tt", "bb", "tb", "bt"})

StreamAction = Literal["copy", "encode"]


@dataclass(frozen=True)
class MasterProfile:
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    constant_frame_rate: bool = True
    bit_rate_kbps: int | None = None
    bit_rate_tolerance: float = 0.25
    video_codecs: frozenset[str] = frozenset({"h264"})
    h264_profiles: frozenset[str] = HIGH_DECODABLE
    pixel_formats: frozenset[str] = EIGHT_BIT_420
    progressive: bool = False
    audio_required: bool = False
    audio_codecs: frozenset[str] = frozenset({"aac"})
    sample_rates: frozenset[int] = frozenset({44100, 48000})
    channels: frozenset[int] = frozenset({1, 2})
    encode_sample_rate: int = 48000
    encode_channels: int = 2
    loudness_lufs: float | None = None  # the campaign's own target: part of conformance when set
    loudness_tolerance_lu: float = 2.0

    @property
    def target_loudness(self) -> float:
        return DEFAULT_LOUDNESS_LUFS if self.loudness_lufs is None else self.loudness_lufs

    @property
    def max_kbps(self) -> float | None:
        return None if self.bit_rate_kbps is None else self.bit_rate_kbps * (1 + self.bit_rate_tolerance)


def master_profile(spec: VideoSpec | None) -> MasterProfile:
    if spec is None:
        return MasterProfile()
    lower = {p.lower() for p in spec.profiles or []}
    return MasterProfile(
        width=spec.width,
        height=spec.height,
        frame_rate=spec.frame_rate,
        constant_frame_rate=spec.constant_frame_rate is not False,
        bit_rate_kbps=spec.bit_rate_kbps,
        bit_rate_tolerance=spec.bit_rate_tolerance,
        video_codecs=frozenset(spec.video_codecs or ["h264"]),
        h264_profiles=frozenset(lower) if lower else HIGH_DECODABLE,
        pixel_formats=frozenset(spec.pixel_formats or EIGHT_BIT_420),
        progressive=bool(spec.progressive),
        audio_required=bool(spec.audio_required),
        audio_codecs=frozenset(spec.audio_codecs or ["aac"]),
        sample_rates=frozenset(spec.audio_sample_rates or [44100, 48000]),
        channels=frozenset(spec.audio_channels or [1, 2]),
        encode_sample_rate=(spec.audio_sample_rates or [48000])[0],
        encode_channels=max(spec.audio_channels or [2]),
        loudness_lufs=spec.loudness_lufs,
        loudness_tolerance_lu=spec.loudness_tolerance_lu,
    )


@dataclass(frozen=True)
class MasterPlan:
    video: StreamAction
    audio: StreamAction | None  # None: the upload has no sound
    video_index: int
    audio_index: int | None
    width: int
    height: int
    frame_rate: float  # what the master will have
    deinterlace: bool = False
    why: tuple[str, ...] = field(default_factory=tuple)  # why anything is encoded, for the job record

    @property
    def remux(self) -> bool:
        return self.video == "copy" and self.audio != "encode"


def plan_master(source: Probe, profile: MasterProfile) -> MasterPlan:
    """Copy what conforms, encode what does not; raises TranscodeFailed for what must not be changed."""
    v = source.video
    if v is None or v.display_size is None:
        raise TranscodeFailed("文件中没有视频画面", "The file has no video picture")
    width, height = v.display_size
    _same_geometry(width, height, profile)
    rate = v.frame_rate or profile.frame_rate or 25.0
    # A variable-rate upload counts by its nominal rate too: encoding it at that rate is the fix.
    rates = [r for r in (v.r_frame_rate, v.avg_frame_rate, rate) if r]
    target = profile.frame_rate
    if target is not None and all(abs(r - target) > max(RATE_EPSILON, 0.01 * target) for r in rates):
        want, got = _num(profile.frame_rate), _num(rate)
        raise TranscodeFailed(
            f"帧率为{got}帧/秒，交付规格要求{want}帧/秒（转码不增删帧）：请将帧率设为{want}后重新导出上传",
            f"The frame rate is {got} fps but delivery requires {want} fps (the transcoder does not "
            f"add or drop frames): export at {want} fps and upload again",
        )
    why = _video_differences(source, v, profile)
    interlaced = profile.progressive and (v.field_order or "") in INTERLACED
    a = source.audio
    if a is None and profile.audio_required:
        raise TranscodeFailed("视频没有声音（无音频轨道）", "The video has no sound (no audio track)")
    audio_why = audio_differences(a, profile) if a is not None else []
    return MasterPlan(
        video="encode" if why else "copy",
        audio=None if a is None else "encode" if audio_why else "copy",
        video_index=v.index,
        audio_index=a.index if a is not None else None,
        width=width,
        height=height,
        frame_rate=profile.frame_rate or rate,
        deinterlace=interlaced,
        why=tuple(why + audio_why),
    )


def with_loudness(plan: MasterPlan, integrated_lufs: float | None, profile: MasterProfile) -> MasterPlan:
    """Audio whose loudness is off the campaign's own target is encoded (the picture is still copied)."""
    if plan.audio != "copy" or profile.loudness_lufs is None or integrated_lufs is None:
        return plan
    off = abs(integrated_lufs - profile.loudness_lufs)
    if off <= profile.loudness_tolerance_lu:
        return plan
    reason = f"loudness {integrated_lufs:.1f} LUFS, target {profile.loudness_lufs:g}"
    return MasterPlan(**{**plan.__dict__, "audio": "encode", "why": (*plan.why, reason)})


def _same_geometry(width: int, height: int, profile: MasterProfile) -> None:
    width_ok = profile.width is None or width == profile.width
    if width_ok and (profile.height is None or height == profile.height):
        return
    want = f"{profile.width or '任意'}×{profile.height or '任意'}"
    want_en = f"{profile.width or 'any'}×{profile.height or 'any'}"
    raise TranscodeFailed(
        f"分辨率为{width}×{height}，交付规格要求{want}（转码不拉伸、不裁切画面）：请按{want}重新导出后上传",
        f"The picture is {width}×{height} but delivery requires {want_en} (the transcoder does not "
        f"stretch or crop pictures): export at {want_en} and upload again",
    )


def coding_differences(v: Stream, profile: MasterProfile) -> list[str]:
    """How a video stream's coding (codec, H.264 profile, pixel format) is off the profile: why an
    upload's picture is encoded, and what is wrong with a master's (checks.py)."""
    why = []
    if v.codec_name not in profile.video_codecs:
        why.append(f"video codec {v.codec_name}, expected {'/'.join(sorted(profile.video_codecs))}")
    elif v.codec_name == "h264" and (v.profile or "").lower() not in profile.h264_profiles:
        why.append(f"H.264 profile {v.profile}, expected one of {sorted(profile.h264_profiles)}")
    if v.pix_fmt not in profile.pixel_formats:
        why.append(f"pixel format {v.pix_fmt}")
    return why


def _video_differences(source: Probe, v: Stream, profile: MasterProfile) -> list[str]:
    why = coding_differences(v, profile)
    if profile.progressive and (v.field_order or "") in INTERLACED:
        why.append(f"interlaced ({v.field_order})")
    if profile.constant_frame_rate and is_variable_rate(v):
        why.append(f"variable frame rate ({_num(v.r_frame_rate)} / {_num(v.avg_frame_rate)} avg)")
    bps = v.bit_rate or source.bit_rate
    # Only a rate above the ceiling is fixed: re-encoding a low rate upwards adds bits, not quality.
    if profile.max_kbps is not None and bps and bps / 1000 > profile.max_kbps:
        why.append(f"bit rate {bps / 1000:.0f} kb/s over {profile.max_kbps:.0f}")
    if v.rotation:
        why.append(f"rotation flag {v.rotation}")
    return why


def audio_differences(a: Stream, profile: MasterProfile) -> list[str]:
    """How an audio stream is off the profile: why an upload's audio is encoded, and what is wrong
    with a master's (checks.py)."""
    why = []
    if a.codec_name not in profile.audio_codecs:
        why.append(f"audio codec {a.codec_name}")
    if a.sample_rate not in profile.sample_rates:
        why.append(f"audio sample rate {a.sample_rate}")
    if a.channels not in profile.channels:
        why.append(f"{a.channels} audio channels")
    return why


def is_variable_rate(v: Stream) -> bool:
    r, avg = v.r_frame_rate, v.avg_frame_rate
    return bool(r and avg and abs(r - avg) / avg > VFR_TOLERANCE)


def _num(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "?"
    return f"{value:.3f}".rstrip("0").rstrip(".")
