"""What the quality pass decodes, and with which arguments, from the spec and the headers."""

from contracts.campaign import AudioSpec, VideoSpec
from services.media.probe import Probe, Stream
from services.validator.qc_graph import CHEAP, EXACT, MAX_QR_PIXELS, Pipes, ffmpeg_args, qr_frame_size
from services.validator.qrcodes import merge_sightings
from services.validator.quality import plan_for, quality_timeout_s
from services.validator.selfcheck import HeaderStage


def probe(video: bool = True, audio: bool = True, cover: bool = False) -> Probe:
    streams = []
    if cover:
        streams.append(Stream(index=0, codec_type="video", codec_name="mjpeg", attached_pic=True))
    if video:
        streams.append(
            Stream(index=len(streams), codec_type="video", codec_name="h264", width=1920, height=1080)
        )
    if audio:
        streams.append(Stream(index=len(streams), codec_type="audio", codec_name="aac", sample_rate=48000))
    return Probe(format_name="mov,mp4", size=1000, duration_s=60, streams=streams)


def test_a_spec_without_quality_rules_decodes_nothing() -> None:
    assert plan_for(probe(), VideoSpec(width=1920, frame_rate=25, audio_required=True)) is None
    assert plan_for(probe(), AudioSpec(containers=["mp3"])) is None


def test_yanbian_rules_plan_flashes_and_the_slate_window() -> None:
    plan = plan_for(probe(), VideoSpec(no_flashes=True, intro_slate_max_s=5, av_sync=True))
    assert plan is not None
    assert (plan.video_index, plan.audio_index, plan.flashes, plan.slate_window_s) == (0, 1, True, 15)
    assert plan.qr_size is None and not plan.loudness


def test_qr_codes_are_read_at_full_size_and_cover_art_is_skipped() -> None:
    plan = plan_for(probe(cover=True), VideoSpec(no_qr_codes=True))
    assert plan is not None and (plan.video_index, plan.qr_size) == (1, (1920, 1080))


def test_absurd_frame_sizes_are_scaled_down_for_qr() -> None:
    w, h = qr_frame_size(30000, 20000)
    assert w * h <= MAX_QR_PIXELS and abs(w / h - 1.5) < 0.01


def test_audio_work_plans_loudness_only() -> None:
    plan = plan_for(probe(video=False), AudioSpec(loudness_lufs=-23))
    assert plan is not None and (plan.video_index, plan.audio_index, plan.loudness) == (None, 0, True)


def test_cheap_settings_skip_deblocking_and_use_a_proxy_exact_does_not() -> None:
    plan = plan_for(probe(), VideoSpec(no_flashes=True, no_qr_codes=True, loudness_lufs=-24))
    assert plan is not None
    cheap = ffmpeg_args("/m.mp4", plan, CHEAP, Pipes(flashes="/t/f", qr="/t/q"))
    exact = ffmpeg_args("/m.mp4", plan, EXACT, Pipes(flashes="/t/f", qr="/t/q"))
    graph = cheap[cheap.index("-filter_complex") + 1]
    assert "-skip_loop_filter:v" in cheap and "-skip_loop_filter:v" not in exact
    assert "-skip_frame:v" not in cheap  # flashes need every frame
    assert "scale=480:270" in graph and "scale=480:270" not in exact[exact.index("-filter_complex") + 1]
    assert graph.startswith("[0:0]vfrdet,split=2[full][proxy];[full]fps=1,scale=1920:1080")
    assert "signalstats" not in graph and "ebur128=peak=true" in graph
    assert cheap[-7:] == ["-map", "[qr]", "-fps_mode", "passthrough", "-f", "rawvideo", "file:/t/q"]
    assert "-noautorotate" in cheap and "file:/m.mp4" in cheap


def test_without_flashes_frames_nothing_refers_to_are_not_decoded() -> None:
    plan = plan_for(probe(), VideoSpec(no_qr_codes=True, intro_slate_max_s=5))
    assert plan is not None
    cheap = ffmpeg_args("/m.mp4", plan, CHEAP, Pipes(qr="/t/q"))
    assert cheap[cheap.index("-skip_frame:v") + 1] == "noref"
    assert "vfrdet" not in cheap[cheap.index("-filter_complex") + 1]  # it would see the gaps
    assert "-skip_frame:v" not in ffmpeg_args("/m.mp4", plan, EXACT, Pipes(qr="/t/q"))


def test_timeout_grows_with_the_media_and_has_a_ceiling() -> None:
    assert quality_timeout_s(480, 60) == 60 + 3 * 480
    assert quality_timeout_s(10**9, 60) == quality_timeout_s(None, 60) == 3 * 3600


def test_qr_sightings_merge_consecutive_seconds_per_content() -> None:
    seen = {2: {"a"}, 3: {"a", "b"}, 4: {"a"}, 9: {"a"}}
    merged = [(s.text, s.start_s, s.end_s) for s in merge_sightings(seen, start_s=0.5)]
    assert merged == [("a", 2.5, 5.5), ("b", 3.5, 4.5), ("a", 9.5, 10.5)]


def test_header_stage_keeps_an_audio_spec_through_the_job_payload() -> None:
    stage = HeaderStage(
        path="/a.m4a",
        campaign_id="c",
        findings=[],
        probe=probe(video=False),
        audio_spec=AudioSpec(loudness_lufs=-23),
    )
    again = HeaderStage.model_validate_json(stage.model_dump_json())
    assert isinstance(again.spec, AudioSpec) and again.wants_quality
