"""Every output against its profile, and the words a failure is given."""

from typing import Any

from services.media.probe import Probe, Stream
from services.transcoder.checks import check_image, check_ladder, check_master
from services.transcoder.failures import ffmpeg_failed, output_mismatch
from services.transcoder.ladder import LADDER
from services.transcoder.profiles import MasterPlan, MasterProfile

PROFILE = MasterProfile(width=1920, height=1080, frame_rate=25, bit_rate_kbps=8000)
PLAN = MasterPlan("encode", "encode", 0, 1, 1920, 1080, 25.0)
MP4 = {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "major_brand": "isom", "size": 1, "faststart": True}


def master(video: dict[str, Any] | None = None, audio: dict[str, Any] | None = None, **fmt: Any) -> Probe:
    v = {"index": 0, "codec_type": "video", "codec_name": "h264", "profile": "High", "width": 1920}
    v.update({"height": 1080, "r_frame_rate": 25.0, "avg_frame_rate": 25.0, "pix_fmt": "yuv420p"})
    v.update({"bit_rate": 8_000_000, **(video or {})})
    a = {"index": 1, "codec_type": "audio", "codec_name": "aac", "sample_rate": 48000, "channels": 2}
    streams = [Stream(**v)] + ([] if audio == {} else [Stream(**{**a, **(audio or {})})])
    return Probe(**{**MP4, "duration_s": 10.0, **fmt, "streams": streams})


SOURCE = master()


def test_a_master_that_meets_its_profile_passes() -> None:
    assert check_master(master(), PROFILE, PLAN, SOURCE) == []


def test_each_way_a_master_can_miss_its_profile_is_named() -> None:
    wrong = master(
        {"profile": "High 10", "pix_fmt": "yuv420p10le", "width": 1280, "bit_rate": 12_000_000},
        {"codec_name": "mp3", "sample_rate": 22050},
        faststart=False,
        duration_s=6.0,
    )
    problems = check_master(wrong, PROFILE, PLAN, SOURCE)
    assert problems == [
        "index (moov) not at the front: no faststart",
        "H.264 profile High 10, expected one of ['constrained baseline', 'high', 'main']",
        "pixel format yuv420p10le",
        "size (1280, 1080), expected 1920x1080",
        "video bit rate 12000 kb/s over 10000",
        "audio codec mp3",
        "audio sample rate 22050",
        "master lasts 6.00 s, the upload 10.00 s",
    ]


def test_a_remux_that_lost_the_sound_is_caught() -> None:
    # the MP4 muxer silently drops an audio track that holds no samples
    assert check_master(master(audio={}), PROFILE, PLAN, SOURCE) == ["no audio stream (the upload has one)"]


def test_a_variable_rate_master_fails_where_the_spec_wants_constant() -> None:
    assert check_master(master({"avg_frame_rate": 24.2}), PROFILE, PLAN, SOURCE) == [
        "frame rate 24.2, expected 25"
    ]


def test_the_ladder_must_have_exactly_its_rungs_and_sound() -> None:
    def variant(height: int) -> dict[str, Any]:
        return {"index": 0, "codec_type": "video", "codec_name": "h264", "height": height}

    heights = [1080, 720, 360]
    full = Probe(**{**MP4, "duration_s": 10.0, "streams": [Stream(**variant(h)) for h in heights]})
    assert check_ladder(full, list(LADDER), has_audio=False, source_s=10.0) == []
    assert check_ladder(full, list(LADDER), has_audio=True, source_s=10.0) == ["ladder has no audio"]
    short = Probe(**{**MP4, "duration_s": 10.0, "streams": [Stream(**variant(720))]})
    assert check_ladder(short, list(LADDER), has_audio=False, source_s=10.0) == [
        "ladder heights [720], expected [1080, 720, 360]"
    ]


def test_images_are_jpeg_of_the_expected_size() -> None:
    jpeg = Probe(
        format_name="image2",
        size=1,
        streams=[Stream(index=0, codec_type="video", codec_name="mjpeg", width=1600, height=900)],
    )
    assert check_image(jpeg, "sprite", size=(1600, 900)) == []
    assert check_image(jpeg, "poster", height=720) == ["poster is 900 high, expected 720"]
    assert check_image(master(), "poster") == ["poster is not a JPEG image"]


def test_a_damaged_upload_is_told_from_a_transcoder_error() -> None:
    damaged = b"[h264 @ 0x1] Invalid NAL unit size (-1548228767 > 2428).\nError while decoding stream #0:0\n"
    failure = ffmpeg_failed(damaged, 61.5)
    assert failure.reason_zh.startswith("视频在约1:01.5处无法解码（文件已损坏）")
    assert "at about 1:01.5" in failure.reason_en and "Invalid NAL" in failure.detail
    ours = ffmpeg_failed(b"[libx264 @ 0x2] Error setting profile high.\nConversion failed!\n", None)
    assert "请联系活动管理员" in ours.reason_zh and "contact the organisers" in ours.reason_en


def test_an_output_mismatch_names_the_output_and_every_problem() -> None:
    failure = output_mismatch("poster", ["poster is 900 high, expected 720", "x"])
    assert str(failure) == (
        "转码输出（poster）不符合规格：poster is 900 high, expected 720; x。请联系活动管理员 / "
        "The transcoded poster does not match its profile: poster is 900 high, expected 720; x. "
        "Please contact the organisers"
    )
