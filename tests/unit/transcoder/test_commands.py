"""The ffmpeg command lines, as built: remux, master encode (x264, NVENC, NVDEC + x264), one-pass ladder."""

import re
from pathlib import Path

import pytest

from services.transcoder.encoders import EncoderChoice, choose
from services.transcoder.hardware import nvdec_test_args, nvenc_test_args
from services.transcoder.ladder import SpriteGrid, sprite_args, sprite_grid, streaming_args
from services.transcoder.master import master_args
from services.transcoder.profiles import MasterPlan, MasterProfile

SOURCE, OUT, WORK = Path("/blobs/sha256/ab/cdef"), Path("/blobs/tmp/tx-1/master.mp4"), Path("/blobs/tmp/tx-1")
PROFILE = MasterProfile(width=1920, height=1080, frame_rate=25, bit_rate_kbps=8000)
X264 = EncoderChoice("x264", gpu_decode=False, threads=2, reason="test")
NVENC = EncoderChoice("nvenc", gpu_decode=True, threads=2, reason="test")  # L4 / L40S / T4
NVDEC_X264 = EncoderChoice("x264", gpu_decode=True, threads=2, reason="test")  # H100 / A100


def plan(video: str = "copy", audio: str | None = "copy", **extra: object) -> MasterPlan:
    return MasterPlan(
        video=video,  # type: ignore[arg-type]
        audio=audio,  # type: ignore[arg-type]
        video_index=0,
        audio_index=1 if audio else None,
        width=1920,
        height=1080,
        frame_rate=25.0,
        **extra,  # type: ignore[arg-type]
    )


def value(args: list[str], option: str) -> str:
    return args[args.index(option) + 1]


# --- master ------------------------------------------------------------------------------------


def test_a_conforming_upload_is_remuxed_with_stream_copy_and_faststart() -> None:
    args = master_args(SOURCE, OUT, plan(), PROFILE, NVENC)
    assert (value(args, "-c:v"), value(args, "-c:a")) == ("copy", "copy")
    assert value(args, "-movflags") == "+faststart" and value(args, "-f") == "mp4"
    # nothing is decoded, so neither the GPU nor an encoder is involved
    assert "-hwaccel" not in args and "-xerror" not in args and "-vf" not in args and "-af" not in args
    assert value(args, "-map_metadata") == "-1"  # no recording location or author tags to platforms
    assert args[-1] == f"file:{OUT}" and value(args, "-i") == f"file:{SOURCE}"


def test_x264_master_is_high_profile_cbr_at_the_specs_rate() -> None:
    args = master_args(SOURCE, OUT, plan("encode"), PROFILE, X264)
    assert args[:1] == ["-xerror"] and "-hwaccel" not in args
    assert value(args, "-c:v") == "libx264" and value(args, "-profile:v") == "high"
    assert [value(args, o) for o in ("-b:v", "-minrate", "-maxrate", "-bufsize")] == ["8000k"] * 4
    assert value(args, "-x264-params") == "nal-hrd=cbr"
    assert (value(args, "-r"), value(args, "-fps_mode"), value(args, "-g")) == ("25", "cfr", "50")
    assert value(args, "-vf") == "format=yuv420p" and value(args, "-c:a") == "copy"


def test_nvenc_master_decodes_on_nvdec_and_encodes_cbr_on_the_gpu() -> None:
    args = master_args(SOURCE, OUT, plan("encode"), PROFILE, NVENC)
    assert args.index("-hwaccel") < args.index("-i") and value(args, "-hwaccel") == "cuda"
    assert value(args, "-c:v") == "h264_nvenc" and value(args, "-profile:v") == "high"
    assert (value(args, "-preset"), value(args, "-rc"), value(args, "-b:v")) == ("p5", "cbr", "8000k")
    assert "libx264" not in args and "-x264-params" not in args


def test_h100_decodes_on_nvdec_and_encodes_with_libx264() -> None:
    args = master_args(SOURCE, OUT, plan("encode"), PROFILE, NVDEC_X264)
    assert value(args, "-hwaccel") == "cuda" and value(args, "-c:v") == "libx264"


def test_without_a_stated_bit_rate_the_master_is_constant_quality() -> None:
    args = master_args(SOURCE, OUT, plan("encode"), MasterProfile(), X264)
    assert value(args, "-crf") == "20" and "-b:v" not in args
    nv = master_args(SOURCE, OUT, plan("encode"), MasterProfile(), NVENC)
    assert (value(nv, "-rc"), value(nv, "-cq")) == ("vbr", "21")


def test_sound_needing_work_is_normalised_and_encoded_to_aac_while_the_picture_is_copied() -> None:
    loudnorm = "loudnorm=I=-24:linear=true,aresample=48000"
    args = master_args(SOURCE, OUT, plan("copy", "encode"), PROFILE, X264, audio_filter=loudnorm)
    assert value(args, "-c:v") == "copy" and value(args, "-af") == loudnorm
    assert (value(args, "-c:a"), value(args, "-ar"), value(args, "-ac")) == ("aac", "48000", "2")
    assert "-xerror" in args  # the sound is decoded: a damaged stretch stops the job


def test_deinterlacing_and_silence() -> None:
    args = master_args(SOURCE, OUT, plan("encode", None, deinterlace=True), PROFILE, X264)
    assert value(args, "-vf") == "bwdif=mode=send_frame,format=yuv420p"
    assert "-an" in args and "-c:a" not in args


# --- streaming ladder --------------------------------------------------------------------------

GRID = sprite_grid(300, 1920, 1080)


def ladder(encoder: EncoderChoice = X264, height: int = 1080, audio: bool = True) -> list[str]:
    args, _ = streaming_args(
        SOURCE, WORK, height=height, frame_rate=25, has_audio=audio, grid=GRID, poster_s=6, encoder=encoder
    )
    return args


def test_the_ladder_poster_and_sprite_come_from_one_decode_in_one_process() -> None:
    args = ladder()
    assert args.count("-i") == 1 and args.count("-filter_complex") == 1
    graph = value(args, "-filter_complex")
    assert graph.startswith("[0:v:0]split=5[r0][r1][r2][p][s];")
    assert re.findall(r"scale=-2:(\d+),format=yuv420p", graph) == ["1080", "720", "360"]
    assert "[p]trim=start=6,thumbnail=25,scale=-2:720[poster]" in graph  # after the 5 s intro slate
    assert "[s]fps=1/3,scale=160:90[thumbs]" in graph  # one thumbnail every 3 s of a 5-minute work
    assert args[0] == "-xerror"
    thumbs = args[args.index("[thumbs]") - 1 :]
    assert value(thumbs, "-frames:v") == "100" and thumbs[-1] == str(WORK / "thumb-%04d.jpg")


def test_the_thumbnails_are_tiled_into_the_sprite_without_decoding_the_video_again() -> None:
    _, out = streaming_args(
        SOURCE, WORK, height=1080, frame_rate=25, has_audio=True, grid=GRID, poster_s=6, encoder=X264
    )
    args = sprite_args(out)
    assert value(args, "-i") == str(WORK / "thumb-%04d.jpg") and value(args, "-f") == "image2"
    assert value(args, "-vf") == "tile=10x10" and args[-1] == str(WORK / "package" / "sprite.jpg")


def test_hls_is_fmp4_with_a_master_playlist_and_one_shared_audio_rendition() -> None:
    args = ladder()
    assert (value(args, "-f"), value(args, "-hls_segment_type"), value(args, "-hls_playlist_type")) == (
        "hls",
        "fmp4",
        "vod",
    )
    assert value(args, "-master_pl_name") == "master.m3u8"
    assert value(args, "-var_stream_map").split() == [
        "v:0,name:1080p,agroup:audio",
        "v:1,name:720p,agroup:audio",
        "v:2,name:360p,agroup:audio",
        "a:0,agroup:audio,name:audio",
    ]
    assert [value(args, f"-b:v:{i}") for i in range(3)] == ["5000k", "2800k", "800k"]
    assert args.count("0:a:0") == 1 and value(args, "-c:a") == "aac"
    # keyframes every 2 s in every rung, so segments (4 s) line up across rungs
    assert value(args, "-force_key_frames:v") == "expr:gte(t,n_forced*2)" and value(args, "-g:v") == "50"


def test_a_720p_upload_is_never_upscaled_and_a_silent_one_has_no_audio_group() -> None:
    args = ladder(height=720, audio=False)
    assert re.findall(r"scale=-2:(\d+),", value(args, "-filter_complex")) == ["720", "360"]
    assert value(args, "-var_stream_map") == "v:0,name:720p v:1,name:360p"
    assert "-c:a" not in args


def test_nvenc_rungs() -> None:
    args = ladder(NVENC)
    assert value(args, "-hwaccel") == "cuda"
    assert [value(args, f"-c:v:{i}") for i in range(3)] == ["h264_nvenc"] * 3
    assert value(args, "-rc:v:0") == "vbr" and value(args, "-forced-idr:v") == "1"
    assert "libx264" not in args


def test_outputs_are_written_in_the_work_dir() -> None:
    _, out = streaming_args(
        SOURCE, WORK, height=1080, frame_rate=25, has_audio=True, grid=GRID, poster_s=6, encoder=X264
    )
    assert out.master_playlist == WORK / "package" / "master.m3u8"
    assert out.sprite.parent == out.package and out.poster.parent == WORK
    assert isinstance(out.grid, SpriteGrid)


# --- hardware ----------------------------------------------------------------------------------


def test_the_nvenc_probe_encodes_one_frame_and_the_nvdec_probe_decodes_into_gpu_memory() -> None:
    enc = nvenc_test_args()
    assert value(enc, "-c:v") == "h264_nvenc" and value(enc, "-frames:v") == "1"
    dec = nvdec_test_args(Path("/tmp/frame.mp4"))
    assert value(dec, "-hwaccel") == "cuda" and value(dec, "-hwaccel_output_format") == "cuda"


@pytest.mark.parametrize(
    ("setting", "nvenc", "nvdec", "encoder", "gpu_decode"),
    [
        ("auto", True, True, "nvenc", True),  # L4, L40S, T4
        ("auto", False, True, "x264", True),  # H100, A100: NVDEC only
        ("auto", False, False, "x264", False),  # no GPU (here, CI)
        ("x264", True, True, "x264", True),
        ("nvenc", False, False, "nvenc", False),  # forced: the operator knows the node
    ],
)
def test_choosing_the_encoder(setting: str, nvenc: bool, nvdec: bool, encoder: str, gpu_decode: bool) -> None:
    chosen = choose(setting, nvenc, nvdec, cpus=8, concurrency=2)
    assert (chosen.encoder, chosen.gpu_decode, chosen.threads) == (encoder, gpu_decode, 4)


def test_an_unknown_encoder_setting_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="auto, nvenc or x264"):
        choose("qsv", False, False, cpus=2, concurrency=1)
