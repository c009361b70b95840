"""Header rules: a campaign's stated spec against what a file's headers say. Pure.

One implementation, two feeds (``header_findings``): the validator's ``Probe`` from ffprobe, and
the intake pre-check's ``Probe`` built from what the entrant's browser read before the upload
(``services.media.browser_probe``). Shared here, in media, because both services run them.

One function per rule, each with a stable ``rule_id``. A rule runs only when
the spec states it (the field is not None) and a passing rule says nothing, so
a report lists only what a teacher must fix. Two exceptions are always on,
because a spec of the kind implies them: a video spec needs a picture
(``video.present``) and an audio spec needs sound (``audio.present``).

Choices:
- Bit rate: the video stream's rate (the whole file's when the container has
  no per-stream figure). ABOVE target*(1+tolerance) is an ERROR: the file
  exceeds what the notice allows (size, platform limits). BELOW
  target*(1-tolerance) is only a WARNING "码率偏低": a low rate is a quality
  risk the experts judge, not a breach, and static lectures compress well.
- Frame rate is exact (25 means 25; 29.97 and 30 fail): 0.01 fps covers only
  the rounding of 30000/1001 written as 29.97.
- Duration limits allow 0.5 s for the encoder delay and padding that AAC and
  containers add, so an 8:00 export is not rejected for 8:00.02.
- Constant frame rate from headers is a hint (r_frame_rate vs avg_frame_rate):
  a WARNING here; the decode pass measures it exactly.
"""

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import TypeVar

from contracts.campaign import AudioSpec, DurationRange, Material, VideoSpec
from contracts.events import Finding, Severity
from services.media.probe import Probe, ProbeFailed

DURATION_GRACE_S = 0.5
FRAME_RATE_EPSILON = 0.01
ASPECT_TOLERANCE = 0.01  # 1366x768 is sold as 16:9
CFR_TOLERANCE = 0.005
MIB = 1024 * 1024

_CODEC_NAMES = {
    "h264": "H.264",
    "hevc": "H.265/HEVC",
    "mpeg4": "MPEG-4",
    "aac": "AAC",
    "mp3": "MP3",
    "vp9": "VP9",
    "av1": "AV1",
    "prores": "ProRes",
    "pcm_s16le": "PCM",
}
_FIELD_ORDER = {
    "tt": "隔行扫描（上场优先）",
    "bb": "隔行扫描（下场优先）",
    "tb": "隔行扫描",
    "bt": "隔行扫描",
}
_CHANNELS = {1: "单声道", 2: "立体声"}

Rule = Callable[[Probe, VideoSpec], Finding | None]
T = TypeVar("T", str, int)


def _finding(rule_id: str, severity: Severity, expected: str, measured: str, zh: str, en: str) -> Finding:
    return Finding(
        rule_id=rule_id, severity=severity, expected=expected, measured=measured, message_zh=zh, message_en=en
    )


def _error(rule_id: str, expected: str, measured: str, zh: str, en: str) -> Finding:
    return _finding(rule_id, Severity.ERROR, expected, measured, zh, en)


def _num(value: float) -> str:
    """25.0 -> "25", 29.97002997 -> "29.97"."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _codec(name: str) -> str:
    return _CODEC_NAMES.get(name.lower(), name.upper())


def _rate(kbps: float) -> str:
    return f"{_num(kbps / 1000)} Mbps" if kbps >= 1000 else f"{kbps:.0f} kbps"


def _dur(seconds: float, lang: str = "zh") -> str:
    """312 -> "5分12秒", 240 -> "4分钟", 2.04 -> "2.04秒" (notices speak in whole minutes)."""
    minutes, rest = divmod(round(seconds, 2), 60)  # round first: 239.999 is "4分钟", not "3分60秒"
    if minutes and _num(rest) == "0":
        return f"{minutes:.0f}分钟" if lang == "zh" else f"{minutes:.0f} min"
    zh, en = f"{_num(rest)}秒", f"{_num(rest)} s"
    if minutes:
        zh, en = f"{minutes:.0f}分{zh}", f"{minutes:.0f} min {en}"
    return zh if lang == "zh" else en


def _range(r: DurationRange, lang: str = "zh") -> str:
    low = _dur(r.min_s, lang) if r.min_s is not None else None
    high = _dur(r.max_s, lang) if r.max_s is not None else None
    if low and high:
        return f"{low}–{high}"
    if high:
        return f"≤ {high}" if lang == "zh" else f"at most {high}"
    return f"≥ {low}" if lang == "zh" else f"at least {low}"


def _aspect(value: Fraction) -> str:
    near = value.limit_denominator(32)
    if abs(float(near) - float(value)) / float(value) <= ASPECT_TOLERANCE:
        return f"{near.numerator}:{near.denominator}"
    return f"{float(value):.2f}:1"


def _choice(
    rule_id: str,
    allowed: Sequence[T] | None,
    got: T | None,
    show: Callable[[T], str],
    what: tuple[str, str],
    fix: tuple[str, str],
) -> Finding | None:
    """The shared shape of "one of these" rules; ``fix`` may name the wanted values as {want}."""
    if allowed is None or got is None or _key(got) in {_key(a) for a in allowed}:
        return None
    want, measured = "/".join(show(a) for a in allowed), show(got)
    return _error(
        rule_id,
        want,
        measured,
        f"{what[0]}为{measured}，要求{want}：{fix[0].format(want=want)}",
        f"The {what[1]} is {measured}; {want} is required: {fix[1].format(want=want)}",
    )


def _key(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _video_present(probe: Probe, spec: VideoSpec) -> Finding | None:
    if probe.video is not None:
        return None
    return _error(
        "video.present",
        "有视频画面",
        "无视频轨道",
        "文件中没有视频画面（可能是纯音频文件）：请上传包含画面的视频文件",
        "The file has no picture (it may be audio only): upload a video file",
    )


def _container(probe: Probe, spec: VideoSpec) -> Finding | None:
    return _choice(
        "video.container",
        spec.containers,
        probe.container,
        str.upper,
        ("文件实际格式", "real format"),
        (
            "请在剪辑软件中导出为{want}格式（仅修改扩展名无效）",
            "export it as {want} from your editing software (renaming the file does not convert it)",
        ),
    )


# The rules that are a choice from a list are one _choice call each: alike in shape, each its own rule.
def _codec_rule(probe: Probe, spec: VideoSpec) -> Finding | None:
    v = probe.video
    return _choice(
        "video.codec",
        spec.video_codecs,
        (v.codec_name or "?") if v else None,
        _codec,
        ("视频编码", "video codec"),
        ("导出时请选择{want}编码", "choose {want} when exporting"),
    )


def _profile(probe: Probe, spec: VideoSpec) -> Finding | None:
    v = probe.video
    return _choice(
        "video.profile",
        spec.profiles,
        (v.profile or "未知") if v else None,
        str,
        ("编码档次（Profile）", "encoding profile"),
        ("导出时请将编码档次设为{want}", "set the profile to {want} when exporting"),
    )


def _resolution(probe: Probe, spec: VideoSpec) -> Finding | None:
    v = probe.video
    size = v.display_size if v else None
    if v is None or size is None or (spec.width is None and spec.height is None):
        return None
    w, h = size
    if (spec.width is None or w == spec.width) and (spec.height is None or h == spec.height):
        return None
    want = f"{spec.width or '任意'}×{spec.height or '任意'}"
    got = f"{w}×{h}" + (f"（旋转{v.rotation}°）" if v.rotation else "")
    turned_zh, turned_en = (
        (
            "；视频带有旋转标记，播放时会转为竖向，请去掉旋转后重新导出",
            "; the video carries a rotation flag that turns it on playback: remove it",
        )
        if v.quarter_turn
        else ("", "")
    )
    return _error(
        "video.resolution",
        want,
        got,
        f"分辨率为{w}×{h}，要求{want}：导出时请将分辨率设为{want}{turned_zh}",
        f"The resolution is {w}×{h}; {want} is required: set the resolution to {want} "
        f"when exporting{turned_en}",
    )


def _aspect_ratio(probe: Probe, spec: VideoSpec) -> Finding | None:
    v = probe.video
    measured = v.display_aspect if v else None
    if spec.aspect_ratio is None or measured is None:
        return None
    num, den = (int(x) for x in spec.aspect_ratio.split(":"))
    if abs(float(measured) - num / den) / (num / den) <= ASPECT_TOLERANCE:
        return None
    got = _aspect(measured)
    return _error(
        "video.aspect_ratio",
        spec.aspect_ratio,
        got,
        f"画面宽高比为{got}，要求{spec.aspect_ratio}：请按{spec.aspect_ratio}画幅制作并导出（不要拉伸画面）",
        f"The display aspect ratio is {got}; {spec.aspect_ratio} is required: edit and export "
        f"in {spec.aspect_ratio} (do not stretch the picture)",
    )


def _orientation(probe: Probe, spec: VideoSpec) -> Finding | None:
    size = probe.video.display_size if probe.video else None
    if spec.orientation is None or size is None:
        return None
    w, h = size
    got = "landscape" if w > h else "portrait" if h > w else "square"
    if got == spec.orientation:
        return None
    zh = {"landscape": "横屏", "portrait": "竖屏", "square": "方形画面"}
    return _error(
        "video.orientation",
        zh[spec.orientation],
        f"{zh[got]}（{w}×{h}）",
        f"视频为{zh[got]}（{w}×{h}），要求{zh[spec.orientation]}：请按{zh[spec.orientation]}拍摄并导出",
        f"The video is {got} ({w}×{h}); {spec.orientation} is required: shoot and export "
        f"it {spec.orientation}",
    )


def _frame_rate(probe: Probe, spec: VideoSpec) -> Finding | None:
    rate = probe.video.frame_rate if probe.video else None
    if spec.frame_rate is None or rate is None or abs(rate - spec.frame_rate) <= FRAME_RATE_EPSILON:
        return None
    want, got = _num(spec.frame_rate), _num(rate)
    return _error(
        "video.frame_rate",
        f"{want} 帧/秒",
        f"{got} 帧/秒",
        f"帧率为{got}帧/秒，要求{want}帧/秒：导出时请将帧率设为{want}",
        f"Frame rate is {got} fps; {want} fps is required: set the frame rate to {want} when exporting",
    )


def _constant_frame_rate(probe: Probe, spec: VideoSpec) -> Finding | None:
    v = probe.video
    if not spec.constant_frame_rate or v is None or not v.r_frame_rate or not v.avg_frame_rate:
        return None
    if abs(v.r_frame_rate - v.avg_frame_rate) / v.avg_frame_rate <= CFR_TOLERANCE:
        return None
    got = f"标称{_num(v.r_frame_rate)}帧/秒，平均{_num(v.avg_frame_rate)}帧/秒"
    return _finding(
        "video.constant_frame_rate",
        Severity.WARNING,
        "恒定帧率",
        got,
        f"视频可能是可变帧率（{got}），要求恒定帧率：导出时请选择“恒定帧率”（手机录像常为可变帧率）",
        f"The video may have a variable frame rate (nominal {_num(v.r_frame_rate)} fps, average "
        f"{_num(v.avg_frame_rate)} fps); a constant rate is required: choose constant frame rate "
        "when exporting (phone recordings are often variable)",
    )


def _bit_rate(probe: Probe, spec: VideoSpec) -> Finding | None:
    # Without a picture the whole-file rate is the audio's: "the picture may lack detail" would
    # mislead, and the missing video has its own finding.
    if spec.bit_rate_kbps is None or probe.video is None:
        return None
    bps = probe.video.bit_rate or probe.bit_rate
    if not bps:
        return None
    target, kbps, tol = spec.bit_rate_kbps, bps / 1000, spec.bit_rate_tolerance
    want = f"{_rate(target)}（±{tol:.0%}）"
    if kbps > target * (1 + tol):
        return _error(
            "video.bit_rate",
            want,
            _rate(kbps),
            f"码率为{_rate(kbps)}，超过要求的{_rate(target)}（上限{_rate(target * (1 + tol))}）："
            f"导出时请将目标码率设为{_rate(target)}",
            f"The bit rate is {_rate(kbps)}, above the required {_rate(target)} (limit "
            f"{_rate(target * (1 + tol))}): set the target bit rate to {_rate(target)} "
            "when exporting",
        )
    if kbps < target * (1 - tol):
        return _finding(
            "video.bit_rate",
            Severity.WARNING,
            want,
            _rate(kbps),
            f"码率偏低（{_rate(kbps)}，要求{_rate(target)}），画面可能不够清晰："
            f"导出时请将目标码率设为{_rate(target)}",
            f"The bit rate is low ({_rate(kbps)}; {_rate(target)} required) and the picture may "
            f"lack detail: set the target bit rate to {_rate(target)} when exporting",
        )
    return None


def _duration_finding(
    rule_id: str, severity: Severity, seconds: float | None, limits: DurationRange | None, grace: float
) -> Finding | None:
    if limits is None or seconds is None:
        return None
    short = limits.min_s is not None and seconds < limits.min_s - grace
    long = limits.max_s is not None and seconds > limits.max_s + grace
    if not (short or long):
        return None
    fix_zh = "请剪短后重新导出" if long else "请补充内容后重新导出"
    fix_en = "shorten it and export again" if long else "add content and export again"
    verb_zh, verb_en = ("要求", "is required") if severity is Severity.ERROR else ("建议", "is recommended")
    return _finding(
        rule_id,
        severity,
        _range(limits),
        _dur(seconds),
        f"时长为{_dur(seconds)}，{verb_zh}{_range(limits)}：{fix_zh}",
        f"The duration is {_dur(seconds, 'en')}; {_range(limits, 'en')} {verb_en}: {fix_en}",
    )


def _duration(probe: Probe, spec: VideoSpec) -> Finding | None:
    return _duration_finding(
        "video.duration", Severity.ERROR, probe.duration_s, spec.duration, DURATION_GRACE_S
    )


def _preferred_duration(probe: Probe, spec: VideoSpec) -> Finding | None:
    return _duration_finding(
        "video.preferred_duration", Severity.WARNING, probe.duration_s, spec.preferred_duration, 0
    )


def _size_finding(probe: Probe, max_bytes: int | None) -> Finding | None:
    if max_bytes is None or probe.size <= max_bytes:
        return None
    want, got = f"≤ {_num(max_bytes / MIB)} MB", f"{probe.size / MIB:.1f} MB"
    return _error(
        "file.size",
        want,
        got,
        f"文件大小为{got}，超过上限{_num(max_bytes / MIB)} MB：请降低码率或缩短时长后重新导出",
        f"The file is {got}, over the {_num(max_bytes / MIB)} MB limit: lower the bit rate or "
        "shorten it and export again",
    )


def _size(probe: Probe, spec: VideoSpec) -> Finding | None:
    return _size_finding(probe, spec.max_size_bytes)


def _audio_present(probe: Probe, spec: VideoSpec) -> Finding | None:
    if not spec.audio_required or probe.audio is not None:
        return None
    return _error(
        "audio.present",
        "有声音",
        "无音频轨道",
        "视频没有声音（无音频轨道）：导出时请勾选“导出音频”",
        "The video has no sound (no audio track): enable audio when exporting",
    )


def _audio_codec_finding(probe: Probe, codecs: list[str] | None) -> Finding | None:
    a = probe.audio
    return _choice(
        "audio.codec",
        codecs,
        (a.codec_name or "?") if a else None,
        _codec,
        ("音频编码", "audio codec"),
        ("导出时请将音频格式设为{want}", "set the audio format to {want} when exporting"),
    )


def _audio_codec(probe: Probe, spec: VideoSpec) -> Finding | None:
    return _audio_codec_finding(probe, spec.audio_codecs)


def _sample_rate(probe: Probe, spec: VideoSpec) -> Finding | None:
    rate = probe.audio.sample_rate if probe.audio else None
    return _choice(
        "audio.sample_rate",
        spec.audio_sample_rates,
        rate,
        lambda hz: f"{_num(hz / 1000)} kHz",
        ("音频采样率", "audio sample rate"),
        ("导出时请将采样率设为{want}", "set the sample rate to {want} when exporting"),
    )


def _channels(probe: Probe, spec: VideoSpec) -> Finding | None:
    return _choice(
        "audio.channels",
        spec.audio_channels,
        probe.audio.channels if probe.audio else None,
        lambda n: f"{n} 声道" + (f"（{_CHANNELS[n]}）" if n in _CHANNELS else ""),
        ("音频声道", "audio channel count"),
        ("导出时请将声道设为{want}", "set the audio channels to {want} when exporting"),
    )


def _pixel_format(probe: Probe, spec: VideoSpec) -> Finding | None:
    v = probe.video
    return _choice(
        "video.pixel_format",
        spec.pixel_formats,
        (v.pix_fmt or "未知") if v else None,
        str,
        ("像素格式", "pixel format"),
        (
            "导出时请选择{want}（4:2:0 色度采样、8 位，多数软件的默认值）",
            "choose {want} (4:2:0 chroma, 8-bit, the usual default) when exporting",
        ),
    )


def _interlaced(probe: Probe, spec: VideoSpec) -> Finding | None:
    order = probe.video.field_order if probe.video else None
    if not spec.progressive or order not in _FIELD_ORDER:
        return None
    return _error(
        "video.interlaced",
        "逐行扫描",
        _FIELD_ORDER[order],
        "视频为隔行扫描，要求逐行扫描：导出时请选择“逐行（Progressive）”或勾选“去隔行”",
        "The video is interlaced; progressive is required: choose progressive or enable "
        "deinterlacing when exporting",
    )


def _faststart(probe: Probe, spec: VideoSpec) -> Finding | None:
    if not spec.faststart or probe.faststart is not False:
        return None
    return _error(
        "file.faststart",
        "索引（moov）在文件开头",
        "索引（moov）在文件末尾",
        "视频索引位于文件末尾，网页播放需先下载整个文件：导出时请勾选“快速启动/网络优化（Fast Start）”",
        "The index (moov) is at the end of the file, so web playback must download it all first: "
        "enable Fast Start / web optimisation when exporting",
    )


VIDEO_RULES: dict[str, Rule] = {
    "video.present": _video_present,
    "video.container": _container,
    "video.codec": _codec_rule,
    "video.profile": _profile,
    "video.resolution": _resolution,
    "video.aspect_ratio": _aspect_ratio,
    "video.orientation": _orientation,
    "video.frame_rate": _frame_rate,
    "video.constant_frame_rate": _constant_frame_rate,
    "video.bit_rate": _bit_rate,
    "video.duration": _duration,
    "video.preferred_duration": _preferred_duration,
    "file.size": _size,
    "audio.present": _audio_present,
    "audio.codec": _audio_codec,
    "audio.sample_rate": _sample_rate,
    "audio.channels": _channels,
    "video.pixel_format": _pixel_format,
    "video.interlaced": _interlaced,
    "file.faststart": _faststart,
}


def check_video(probe: Probe, spec: VideoSpec) -> list[Finding]:
    """Every header rule the spec states, in report order; only problems are returned."""
    return [f for rule in VIDEO_RULES.values() if (f := rule(probe, spec)) is not None]


def check_audio(probe: Probe, spec: AudioSpec) -> list[Finding]:
    """Header rules for an audio work (a recitation, a podcast): present, container, codec, duration, size."""
    findings: list[Finding] = []
    if probe.audio is None:
        findings.append(
            _error(
                "audio.present",
                "有声音",
                "无音频轨道",
                "文件中没有声音：请上传音频文件",
                "The file has no sound: upload an audio file",
            )
        )
    allowed = {c.lower() for c in spec.containers or []}
    # Phone recorders write M4A audio with an mp4 brand; without a picture it is an M4A.
    if "m4a" in allowed and probe.video is None:
        allowed.add("mp4")
    if spec.containers is not None and probe.container not in allowed:
        want, got = "/".join(c.upper() for c in spec.containers), probe.container.upper()
        findings.append(
            _error(
                "audio.container",
                want,
                got,
                f"文件格式为{got}，要求{want}：请导出为{want}格式（仅修改扩展名无效）",
                f"The file is {got}; {want} is required: export it as {want} "
                "(renaming the file does not convert it)",
            )
        )
    for finding in (
        _audio_codec_finding(probe, spec.audio_codecs),
        _duration_finding(
            "audio.duration", Severity.ERROR, probe.duration_s, spec.duration, DURATION_GRACE_S
        ),
        _size_finding(probe, spec.max_size_bytes),
    ):
        if finding is not None:
            findings.append(finding)
    return findings


def check_integrity(probe: Probe) -> list[Finding]:
    """Always on: a file cut short (interrupted upload) is readable up to the cut, but incomplete."""
    if not probe.truncated:
        return []
    return [
        _error(
            "file.readable",
            "完整的文件",
            "文件被截断",
            "文件不完整（被截断），可能是导出或上传中断：请重新导出并上传完整文件",
            "The file is incomplete (cut off), perhaps an interrupted export or upload: "
            "export it again and upload the whole file",
        )
    ]


def media_spec(material: Material | None) -> VideoSpec | AudioSpec | None:
    """The audio or video rules a work states, if any."""
    if material is None:
        return None
    return material.video if material.video is not None else material.audio


def header_findings(probe: Probe, spec: VideoSpec | AudioSpec | None) -> list[Finding]:
    """Integrity, then every rule the spec states, in report order. ``spec`` None: the notice
    states no media rules for this work, so only readability is checked."""
    if isinstance(spec, VideoSpec):
        return [*check_integrity(probe), *check_video(probe, spec)]
    if isinstance(spec, AudioSpec):
        return [*check_integrity(probe), *check_audio(probe, spec)]
    return check_integrity(probe)


def unreadable(failure: ProbeFailed) -> Finding:
    """The one finding of a file the headers cannot be read from (not media, empty, cut short)."""
    return _error("file.readable", "可读取的音视频文件", "无法读取", failure.reason_zh, failure.reason_en)
