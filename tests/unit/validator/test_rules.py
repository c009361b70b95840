"""Header rules on hand-built probes: each defect gives its finding, a conforming file gives none."""

from pathlib import Path

import pytest
import yaml

from contracts.campaign import AudioSpec, Campaign, DurationRange, VideoSpec
from contracts.events import Finding, Severity
from services.media.boxes import BoxLayout
from services.media.header_rules import VIDEO_RULES, check_audio, check_integrity, check_video
from services.media.probe import Probe, Stream, parse_probe
from services.validator.report import render_text, verdict
from services.validator.selfcheck import check_name

ROOT = Path(__file__).resolve().parents[3]

# Yanbian's notice, plus the rules it does not state, so every rule is exercised.
SPEC = VideoSpec(
    containers=["mp4"],
    video_codecs=["h264"],
    profiles=["High", "Main"],
    width=1920,
    height=1080,
    aspect_ratio="16:9",
    orientation="landscape",
    frame_rate=25,
    constant_frame_rate=True,
    bit_rate_kbps=8000,
    bit_rate_tolerance=0.25,
    duration=DurationRange(max_s=480),
    preferred_duration=DurationRange(min_s=240, max_s=360),
    max_size_bytes=500 * 1024 * 1024,
    audio_required=True,
    audio_codecs=["aac"],
    audio_sample_rates=[44100, 48000],
    audio_channels=[2],
    pixel_formats=["yuv420p"],
    progressive=True,
    faststart=True,
)


def video(**changes: object) -> Stream:
    base = Stream(
        index=0,
        codec_type="video",
        codec_name="h264",
        profile="High",
        level=40,
        width=1920,
        height=1080,
        sample_aspect_ratio="1:1",
        display_aspect_ratio="16:9",
        r_frame_rate=25.0,
        avg_frame_rate=25.0,
        pix_fmt="yuv420p",
        field_order="progressive",
        nb_frames=7500,
        duration_s=300.0,
        bit_rate=8_000_000,
    )
    return base.model_copy(update=changes)


def audio(**changes: object) -> Stream:
    base = Stream(
        index=1,
        codec_type="audio",
        codec_name="aac",
        profile="LC",
        sample_rate=48000,
        channels=2,
        duration_s=300.0,
        bit_rate=128_000,
    )
    return base.model_copy(update=changes)


def probe(streams: list[Stream] | None = None, **changes: object) -> Probe:
    base = Probe(
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        major_brand="isom",
        compatible_brands=["isom", "iso2", "avc1", "mp41"],
        duration_s=300.0,
        size=300 * 1024 * 1024,
        bit_rate=8_130_000,
        streams=streams if streams is not None else [video(), audio()],
        faststart=True,
    )
    return base.model_copy(update=changes)


def only(findings: list[Finding], rule_id: str) -> Finding:
    matching = [f for f in findings if f.rule_id == rule_id]
    assert len(matching) == 1, findings
    return matching[0]


def test_conforming_file_has_no_findings() -> None:
    assert check_video(probe(), SPEC) == []


def test_yanbian_preset_accepts_a_conforming_file() -> None:
    raw = yaml.safe_load((ROOT / "campaigns" / "yanbian-2024.yaml").read_text(encoding="utf-8"))
    spec = Campaign.model_validate(raw).video_spec()
    assert spec is not None
    assert check_video(probe(), spec) == []


# (probe, rule id, severity, measured)
DEFECTS = [
    (probe(major_brand="qt  ", compatible_brands=["qt  "]), "video.container", Severity.ERROR, "MOV"),
    (probe(format_name="matroska,webm", major_brand=None), "video.container", Severity.ERROR, "MKV"),
    (probe([video(codec_name="hevc"), audio()]), "video.codec", Severity.ERROR, "H.265/HEVC"),
    (
        probe([video(profile="High 4:4:4 Predictive"), audio()]),
        "video.profile",
        Severity.ERROR,
        "High 4:4:4 Predictive",
    ),
    (probe([video(width=1280, height=720), audio()]), "video.resolution", Severity.ERROR, "1280×720"),
    (probe([video(rotation=90), audio()]), "video.resolution", Severity.ERROR, "1080×1920（旋转90°）"),
    (probe([video(width=1440, height=1080), audio()]), "video.aspect_ratio", Severity.ERROR, "4:3"),
    (probe([video(rotation=270), audio()]), "video.orientation", Severity.ERROR, "竖屏（1080×1920）"),
    (
        probe([video(r_frame_rate=30.0, avg_frame_rate=30.0), audio()]),
        "video.frame_rate",
        Severity.ERROR,
        "30 帧/秒",
    ),
    (
        probe([video(r_frame_rate=30000 / 1001, avg_frame_rate=30000 / 1001), audio()]),
        "video.frame_rate",
        Severity.ERROR,
        "29.97 帧/秒",
    ),
    (
        probe([video(r_frame_rate=25.0, avg_frame_rate=23.5), audio()]),
        "video.constant_frame_rate",
        Severity.WARNING,
        "标称25帧/秒，平均23.5帧/秒",
    ),
    (probe([video(bit_rate=12_300_000), audio()]), "video.bit_rate", Severity.ERROR, "12.3 Mbps"),
    (probe([video(bit_rate=5_000_000), audio()]), "video.bit_rate", Severity.WARNING, "5 Mbps"),
    (probe(duration_s=500.0), "video.duration", Severity.ERROR, "8分20秒"),
    (probe(duration_s=120.0), "video.preferred_duration", Severity.WARNING, "2分钟"),
    (probe(size=600 * 1024 * 1024), "file.size", Severity.ERROR, "600.0 MB"),
    (probe([video()]), "audio.present", Severity.ERROR, "无音频轨道"),
    (probe([video(), audio(codec_name="mp3")]), "audio.codec", Severity.ERROR, "MP3"),
    (probe([video(), audio(sample_rate=22050)]), "audio.sample_rate", Severity.ERROR, "22.05 kHz"),
    (probe([video(), audio(channels=1)]), "audio.channels", Severity.ERROR, "1 声道（单声道）"),
    (probe([video(pix_fmt="yuv444p"), audio()]), "video.pixel_format", Severity.ERROR, "yuv444p"),
    (probe([video(field_order="tt"), audio()]), "video.interlaced", Severity.ERROR, "隔行扫描（上场优先）"),
    (probe(faststart=False), "file.faststart", Severity.ERROR, "索引（moov）在文件末尾"),
    (probe([audio()]), "video.present", Severity.ERROR, "无视频轨道"),
]


@pytest.mark.parametrize(
    ("defective", "rule_id", "severity", "measured"),
    DEFECTS,
    ids=[f"{d[1]}-{i}" for i, d in enumerate(DEFECTS)],
)
def test_each_defect_gives_its_finding(
    defective: Probe, rule_id: str, severity: Severity, measured: str
) -> None:
    finding = only(check_video(defective, SPEC), rule_id)
    assert (finding.severity, finding.measured) == (severity, measured)
    assert finding.expected and finding.message_zh and finding.message_en


@pytest.mark.parametrize(
    ("defective", "rule_id"),
    [(d[0], d[1]) for d in DEFECTS if d[1] != "video.present"],
    ids=[f"{d[1]}-{i}" for i, d in enumerate(DEFECTS) if d[1] != "video.present"],
)
def test_a_rule_the_spec_does_not_state_is_not_applied(defective: Probe, rule_id: str) -> None:
    assert check_video(defective, VideoSpec()) == []


def test_only_video_present_applies_without_any_stated_rule() -> None:
    assert [f.rule_id for f in check_video(probe([audio()]), VideoSpec())] == ["video.present"]


def test_every_rule_id_is_stable_and_distinct() -> None:
    assert list(VIDEO_RULES) == [
        "video.present",
        "video.container",
        "video.codec",
        "video.profile",
        "video.resolution",
        "video.aspect_ratio",
        "video.orientation",
        "video.frame_rate",
        "video.constant_frame_rate",
        "video.bit_rate",
        "video.duration",
        "video.preferred_duration",
        "file.size",
        "audio.present",
        "audio.codec",
        "audio.sample_rate",
        "audio.channels",
        "video.pixel_format",
        "video.interlaced",
        "file.faststart",
    ]


def test_frame_rate_message_says_what_and_how() -> None:
    finding = only(
        check_video(probe([video(r_frame_rate=30.0, avg_frame_rate=30.0), audio()]), SPEC), "video.frame_rate"
    )
    assert finding.expected == "25 帧/秒"
    assert finding.message_zh == "帧率为30帧/秒，要求25帧/秒：导出时请将帧率设为25"
    assert finding.message_en == (
        "Frame rate is 30 fps; 25 fps is required: set the frame rate to 25 when exporting"
    )


def test_portrait_by_rotation_fails_resolution_aspect_and_orientation() -> None:
    ids = {f.rule_id for f in check_video(probe([video(rotation=90), audio()]), SPEC)}
    assert ids == {"video.resolution", "video.aspect_ratio", "video.orientation"}


def test_portrait_spec_accepts_a_rotated_landscape_stream() -> None:
    spec = VideoSpec(width=1080, height=1920, aspect_ratio="9:16", orientation="portrait")
    assert check_video(probe([video(rotation=90), audio()]), spec) == []


def test_anamorphic_pal_is_sixteen_nine_by_its_sample_aspect() -> None:
    stream = video(width=720, height=576, sample_aspect_ratio="64:45")
    assert check_video(probe([stream, audio()]), VideoSpec(aspect_ratio="16:9")) == []


@pytest.mark.parametrize(
    ("kbps", "finding"), [(10_000, None), (6_000, None), (10_100, "error"), (5_900, "warning")]
)
def test_bit_rate_tolerance_bounds(kbps: int, finding: str | None) -> None:
    found = check_video(probe([video(bit_rate=kbps * 1000), audio()]), VideoSpec(bit_rate_kbps=8000))
    assert [f.severity.value for f in found] == ([finding] if finding else [])


def test_bit_rate_falls_back_to_the_whole_file_when_the_stream_has_none() -> None:
    no_stream_rate = probe([video(bit_rate=None), audio()], bit_rate=20_000_000)
    found = check_video(no_stream_rate, VideoSpec(bit_rate_kbps=8000))
    assert only(found, "video.bit_rate").measured == "20 Mbps"


def test_an_audio_only_file_is_told_it_lacks_a_picture_not_that_its_rate_is_low() -> None:
    found = check_video(probe([audio()], bit_rate=64_000), VideoSpec(bit_rate_kbps=8000))
    assert "video.bit_rate" not in [f.rule_id for f in found]


def test_durations_read_as_a_notice_writes_them() -> None:
    finding = only(check_video(probe(duration_s=239.999 - 60), SPEC), "video.preferred_duration")
    assert (finding.expected, finding.measured) == ("4分钟–6分钟", "3分钟")
    assert finding.message_en == (
        "The duration is 3 min; 4 min–6 min is recommended: add content and export again"
    )


def test_duration_allows_container_padding_but_not_more() -> None:
    spec = VideoSpec(duration=DurationRange(max_s=480))
    assert check_video(probe(duration_s=480.3), spec) == []
    assert only(check_video(probe(duration_s=481.0), spec), "video.duration").measured == "8分1秒"


def test_exact_29_97_spec_accepts_ntsc_rate() -> None:
    stream = video(r_frame_rate=30000 / 1001, avg_frame_rate=30000 / 1001)
    assert check_video(probe([stream, audio()]), VideoSpec(frame_rate=29.97)) == []


def test_cover_art_is_not_the_video_stream() -> None:
    cover = Stream(index=2, codec_type="video", codec_name="mjpeg", width=600, height=600, attached_pic=True)
    assert check_video(probe([video(), audio(), cover]), SPEC) == []
    assert only(check_video(probe([audio(), cover]), VideoSpec()), "video.present")


def test_audio_work_rules() -> None:
    spec = AudioSpec(
        containers=["mp3", "m4a"], audio_codecs=["mp3", "aac"], duration=DurationRange(max_s=300)
    )
    m4a = probe([audio()], major_brand="mp42", duration_s=200.0)
    assert check_audio(m4a, spec) == []
    long_wav = probe([audio(codec_name="pcm_s16le")], format_name="wav", major_brand=None, duration_s=400.0)
    assert [(f.rule_id, f.measured) for f in check_audio(long_wav, spec)] == [
        ("audio.container", "WAV"),
        ("audio.codec", "PCM"),
        ("audio.duration", "6分40秒"),
    ]
    assert [f.rule_id for f in check_audio(probe([video()]), AudioSpec())] == ["audio.present"]


def test_truncated_file_is_not_intact() -> None:
    assert check_integrity(probe()) == []
    assert only(check_integrity(probe(truncated=True)), "file.readable").severity is Severity.ERROR


# The naming rule and the probe parsing that feeds these rules are pure too, so they are checked here.

LABELS = {"title": "作品名称", "school": "学校", "name": "姓名"}
NAMING = ("红色记忆", "延吉市第一中学", "张老师")


@pytest.mark.parametrize(
    ("file_name", "hint"),
    [
        ("红色记忆—延吉市第一中学张老师.mp4", None),
        ("红色记忆--延吉市第一中学张老师.mp4", "连接符"),
        ("红色记忆——延吉市第一中学张老师.mp4", "连接符"),
        ("红色记忆.mp4", "应按“作品名称—学校姓名”命名"),
    ],
)
def test_naming_rule(file_name: str, hint: str | None) -> None:
    finding = check_name(Path(file_name), "{title}—{school}{name}", NAMING, LABELS)
    if hint is None:
        assert finding is None
    else:
        assert finding is not None and finding.rule_id == "file.name" and hint in finding.message_zh
        assert finding.expected == "红色记忆—延吉市第一中学张老师.mp4"


def ffprobe_json(
    stream: dict[str, object],
    brand: str | None = "isom",
    compatible: str = "isomiso2avc1mp41",
    format_name: str = "mov,mp4,m4a,3gp,3g2,mj2",
) -> dict[str, object]:
    tags = {"major_brand": brand, "compatible_brands": compatible} if brand else {}
    return {
        "streams": [stream],
        "format": {"format_name": format_name, "duration": "2.000000", "bit_rate": "700000", "tags": tags},
    }


def test_parse_reads_rotation_from_side_data_or_the_old_tag() -> None:
    side = {
        "index": 0,
        "codec_type": "video",
        "width": 1920,
        "height": 1080,
        "r_frame_rate": "25/1",
        "avg_frame_rate": "25/1",
        "side_data_list": [{"side_data_type": "Display Matrix", "rotation": -90}],
    }
    parsed = parse_probe(ffprobe_json(side), 1000, BoxLayout(is_iso=True, moov_offset=32, mdat_offset=900))
    assert parsed.video is not None
    assert (parsed.video.rotation, parsed.video.display_size) == (270, (1080, 1920))
    assert parsed.faststart is True and parsed.container == "mp4"
    tagged = {"index": 0, "codec_type": "video", "width": 1920, "height": 1080, "tags": {"rotate": "90"}}
    assert parse_probe(ffprobe_json(tagged), 1000, BoxLayout()).streams[0].rotation == 90


def test_parse_treats_unknown_rates_as_absent() -> None:
    stream = {
        "index": 0,
        "codec_type": "audio",
        "r_frame_rate": "0/0",
        "avg_frame_rate": "0/0",
        "sample_rate": "48000",
        "channels": 2,
    }
    parsed = parse_probe(ffprobe_json(stream), 1000, BoxLayout())
    assert parsed.audio is not None
    assert (parsed.audio.r_frame_rate, parsed.audio.sample_rate) == (None, 48000)


@pytest.mark.parametrize(
    ("brand", "compatible", "container"),
    [
        ("isom", "isomiso2avc1mp41", "mp4"),
        ("mp42", "mp42isom", "mp4"),
        ("qt  ", "qt  ", "mov"),
        ("XAVC", "XAVCmp42iso2", "mp4"),
        ("M4A ", "M4A mp42isom", "m4a"),
        (None, "", "mov"),
    ],
)
def test_container_is_told_by_brand_not_extension(brand: str | None, compatible: str, container: str) -> None:
    stream = {"index": 0, "codec_type": "video", "width": 320, "height": 180}
    assert parse_probe(ffprobe_json(stream, brand, compatible), 1000, BoxLayout()).container == container


def test_verdict_and_text_report() -> None:
    stream = video(r_frame_rate=30.0, avg_frame_rate=30.0, bit_rate=5_000_000)
    findings = check_video(probe([stream, audio()]), SPEC)
    assert not verdict(findings) and verdict([f for f in findings if f.severity is Severity.WARNING])
    lines = render_text(findings).splitlines()
    assert lines[0] == "检查结果：未通过（1 项错误，1 项警告）"
    assert lines[4].startswith("错误  帧率") and lines[6].startswith("警告  码率")
    assert render_text([]) == "检查结果：通过，未发现问题"
    assert render_text(findings, lang="en").splitlines()[0] == "Result: FAILED (1 error(s), 1 warning(s))"
