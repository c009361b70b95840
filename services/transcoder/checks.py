"""Every output, probed after it is written, against what it should be (pure).

Each function takes ffprobe's view of an output and returns what is wrong with it, in short
technical words (empty: it conforms). A non-empty answer fails the job with those words."""

from services.media.probe import Probe
from services.transcoder.ladder import Rung, SpriteGrid
from services.transcoder.profiles import (
    MasterPlan,
    MasterProfile,
    audio_differences,
    coding_differences,
    is_variable_rate,
)

DURATION_SLACK_S = 0.5  # AAC priming and the last frame's duration move the end a little
RATE_EPSILON = 0.01


def _duration_problem(name: str, out: Probe, source_s: float | None) -> list[str]:
    if source_s is None or out.duration_s is None:
        return []
    if abs(out.duration_s - source_s) > max(DURATION_SLACK_S, 0.02 * source_s):
        return [f"{name} lasts {out.duration_s:.2f} s, the upload {source_s:.2f} s"]
    return []


def check_master(out: Probe, profile: MasterProfile, plan: MasterPlan, source: Probe) -> list[str]:
    problems = []
    if out.container != "mp4":
        problems.append(f"container {out.container}, expected mp4")
    if out.faststart is not True:
        problems.append("index (moov) not at the front: no faststart")
    v = out.video
    if v is None:
        return [*problems, "no video stream"]
    problems += coding_differences(v, profile)
    if v.display_size != (plan.width, plan.height):
        problems.append(f"size {v.display_size}, expected {plan.width}x{plan.height}")
    if v.frame_rate is None or abs(v.frame_rate - plan.frame_rate) > RATE_EPSILON:
        problems.append(f"frame rate {v.frame_rate}, expected {plan.frame_rate:g}")
    elif profile.constant_frame_rate and is_variable_rate(v):
        problems.append("variable frame rate")
    bps = v.bit_rate or out.bit_rate
    if profile.max_kbps is not None and bps and bps / 1000 > profile.max_kbps:
        problems.append(f"video bit rate {bps / 1000:.0f} kb/s over {profile.max_kbps:.0f}")
    problems += _master_audio(out, profile, plan)
    return problems + _duration_problem("master", out, source.duration_s)


def _master_audio(out: Probe, profile: MasterProfile, plan: MasterPlan) -> list[str]:
    a = out.audio
    if plan.audio is None:
        return [] if a is None else ["audio stream where the upload had none"]
    if a is None:
        return ["no audio stream (the upload has one)"]
    problems = audio_differences(a, profile)
    if a.duration_s is not None and a.duration_s <= 0:
        problems.append("audio stream is empty")
    return problems


def check_ladder(out: Probe, rungs: list[Rung], has_audio: bool, source_s: float | None) -> list[str]:
    """``out`` is ffprobe's view of the master playlist: every variant's streams."""
    problems = []
    videos = [s for s in out.streams if s.codec_type == "video"]
    heights = sorted({s.height for s in videos if s.height}, reverse=True)
    wanted = [r.height for r in rungs]
    if heights != wanted:
        problems.append(f"ladder heights {heights}, expected {wanted}")
    codecs = {s.codec_name for s in videos}
    if codecs != {"h264"}:
        problems.append(f"ladder video codecs {sorted(c or '?' for c in codecs)}")
    if has_audio and out.audio is None:
        problems.append("ladder has no audio")
    return problems + _duration_problem("HLS", out, source_s)


def check_image(
    out: Probe, name: str, size: tuple[int, int] | None = None, height: int | None = None
) -> list[str]:
    v = out.video
    if v is None or v.codec_name != "mjpeg":
        return [f"{name} is not a JPEG image"]
    if size is not None and (v.width, v.height) != size:
        return [f"{name} is {v.width}x{v.height}, expected {size[0]}x{size[1]}"]
    if height is not None and v.height != height:
        return [f"{name} is {v.height} high, expected {height}"]
    return []


def check_sprite(out: Probe, grid: SpriteGrid) -> list[str]:
    return check_image(out, "sprite", size=grid.size)
