"""Planning the delivery master: copy what conforms, encode what does not, refuse what must not change."""

from typing import Any

import pytest

from contracts.campaign import VideoSpec
from services.media.probe import Probe, Stream
from services.transcoder.failures import TranscodeFailed
from services.transcoder.profiles import (
    DEFAULT_LOUDNESS_LUFS,
    MasterProfile,
    master_profile,
    plan_master,
    with_loudness,
)

YANBIAN = VideoSpec(
    containers=["mp4"],
    video_codecs=["h264"],
    width=1920,
    height=1080,
    frame_rate=25,
    constant_frame_rate=True,
    bit_rate_kbps=8000,
    audio_required=True,
    intro_slate_max_s=5,
)


def upload(video: dict[str, Any] | None = None, audio: dict[str, Any] | None = None, **fmt: Any) -> Probe:
    v = {
        "index": 0,
        "codec_type": "video",
        "codec_name": "h264",
        "profile": "High",
        "width": 1920,
        "height": 1080,
        "r_frame_rate": 25.0,
        "avg_frame_rate": 25.0,
        "pix_fmt": "yuv420p",
        "bit_rate": 7_900_000,
        **(video or {}),
    }
    a = {"index": 1, "codec_type": "audio", "codec_name": "aac", "sample_rate": 48000, "channels": 2}
    streams = [Stream(**v)]
    if audio is not None or "no_audio" not in fmt:
        streams.append(Stream(**{**a, **(audio or {})}))
    fmt.pop("no_audio", None)
    base = {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "major_brand": "isom", "size": 8_000_000}
    return Probe(**{**base, "duration_s": 300.0, "faststart": True, **fmt, "streams": streams})


def test_a_conforming_upload_is_copied_stream_for_stream() -> None:
    plan = plan_master(upload(), master_profile(YANBIAN))
    assert (plan.video, plan.audio, plan.remux, plan.why) == ("copy", "copy", True, ())
    assert (plan.width, plan.height, plan.frame_rate) == (1920, 1080, 25)


@pytest.mark.parametrize("profile", ["Constrained Baseline", "Main", "High"])
def test_any_profile_a_high_decoder_plays_is_copied(profile: str) -> None:
    assert plan_master(upload({"profile": profile}), master_profile(YANBIAN)).remux


def test_a_mov_or_mkv_with_conforming_streams_is_only_remuxed_into_mp4() -> None:
    assert plan_master(upload(format_name="matroska,webm", faststart=None), master_profile(YANBIAN)).remux


def test_no_faststart_is_fixed_by_the_remux_alone() -> None:
    assert plan_master(upload(faststart=False), master_profile(YANBIAN)).remux


@pytest.mark.parametrize(
    ("video", "why"),
    [
        ({"profile": "High 4:2:2", "pix_fmt": "yuv422p"}, "H.264 profile High 4:2:2"),
        ({"profile": "High 10", "pix_fmt": "yuv420p10le"}, "pixel format yuv420p10le"),
        ({"codec_name": "hevc", "profile": "Main"}, "video codec hevc"),
        ({"bit_rate": 12_000_000}, "bit rate 12000 kb/s over 10000"),
        ({"avg_frame_rate": 24.4}, "variable frame rate"),
        ({"rotation": 180}, "rotation flag 180"),
    ],
)
def test_a_picture_that_does_not_conform_is_encoded(video: dict[str, Any], why: str) -> None:
    plan = plan_master(upload(video), master_profile(YANBIAN))
    assert plan.video == "encode" and plan.audio == "copy" and not plan.remux
    assert any(w.startswith(why) for w in plan.why), plan.why


def test_a_low_bit_rate_is_copied_because_encoding_upwards_adds_bits_not_quality() -> None:
    assert plan_master(upload({"bit_rate": 3_000_000}), master_profile(YANBIAN)).video == "copy"


@pytest.mark.parametrize(
    "audio", [{"codec_name": "mp3"}, {"sample_rate": 22050}, {"channels": 6}, {"codec_name": "pcm_s16le"}]
)
def test_sound_that_does_not_conform_is_encoded_while_the_picture_is_copied(audio: dict[str, Any]) -> None:
    plan = plan_master(upload(audio=audio), master_profile(YANBIAN))
    assert (plan.video, plan.audio, plan.remux) == ("copy", "encode", False)


def test_interlaced_video_is_deinterlaced_where_the_spec_says_progressive() -> None:
    spec = YANBIAN.model_copy(update={"progressive": True})
    plan = plan_master(upload({"field_order": "tt"}), master_profile(spec))
    assert plan.video == "encode" and plan.deinterlace


@pytest.mark.parametrize(("width", "height"), [(1918, 1080), (1280, 720), (1080, 1920)])
def test_a_different_picture_size_fails_rather_than_being_stretched(width: int, height: int) -> None:
    with pytest.raises(TranscodeFailed) as failed:
        plan_master(upload({"width": width, "height": height}), master_profile(YANBIAN))
    assert f"分辨率为{width}×{height}" in failed.value.reason_zh
    assert "1920×1080" in failed.value.reason_en and "stretch" in failed.value.reason_en


def test_a_quarter_turned_picture_is_measured_as_it_is_shown() -> None:
    with pytest.raises(TranscodeFailed, match="1080×1920"):
        plan_master(upload({"rotation": 90}), master_profile(YANBIAN))


def test_a_different_frame_rate_fails_rather_than_frames_being_dropped() -> None:
    with pytest.raises(TranscodeFailed, match="帧率为30帧/秒") as failed:
        plan_master(upload({"r_frame_rate": 30.0, "avg_frame_rate": 30.0}), master_profile(YANBIAN))
    assert "25 fps" in failed.value.reason_en


def test_no_sound_fails_where_the_campaign_requires_it() -> None:
    with pytest.raises(TranscodeFailed, match="没有声音"):
        plan_master(upload(no_audio=True), master_profile(YANBIAN))
    silent = plan_master(
        upload(no_audio=True), master_profile(YANBIAN.model_copy(update={"audio_required": None}))
    )
    assert silent.audio is None and silent.remux


def test_a_spec_that_states_nothing_keeps_the_upload_as_it_is() -> None:
    plan = plan_master(upload({"width": 1918, "r_frame_rate": 30.0, "avg_frame_rate": 30.0}), MasterProfile())
    assert plan.remux and (plan.width, plan.frame_rate) == (1918, 30.0)


def test_loudness_off_the_campaigns_target_re_encodes_only_the_sound() -> None:
    profile = master_profile(
        YANBIAN.model_copy(update={"loudness_lufs": -23.0, "loudness_tolerance_lu": 2.0})
    )
    plan = plan_master(upload(), profile)
    assert with_loudness(plan, -22.0, profile) == plan
    louder = with_loudness(plan, -16.0, profile)
    assert (louder.video, louder.audio) == ("copy", "encode")
    assert louder.why == ("loudness -16.0 LUFS, target -23",)
    assert with_loudness(plan, None, profile) == plan  # silence: nothing to raise


def test_loudness_is_not_a_reason_to_touch_a_conforming_upload_when_the_campaign_names_no_target() -> None:
    profile = master_profile(YANBIAN)
    assert profile.loudness_lufs is None and profile.target_loudness == DEFAULT_LOUDNESS_LUFS
    plan = plan_master(upload(), profile)
    assert with_loudness(plan, -12.0, profile).remux


def test_the_profile_takes_the_specs_own_lists_where_it_has_them() -> None:
    spec = YANBIAN.model_copy(
        update={
            "profiles": ["High"],
            "audio_sample_rates": [44100],
            "audio_channels": [2],
            "pixel_formats": ["yuv420p"],
        }
    )
    profile = master_profile(spec)
    assert profile.h264_profiles == {"high"}
    assert (profile.encode_sample_rate, profile.encode_channels) == (44100, 2)
    assert plan_master(upload({"profile": "Main"}), profile).video == "encode"
    assert plan_master(upload(audio={"sample_rate": 48000}), profile).audio == "encode"
