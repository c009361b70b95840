"""The delivery master's ffmpeg arguments (pure, so tests and docs read the exact commands).

Streams that conform are copied (``-c copy``), so a conforming upload is remuxed with
faststart and never re-encoded; a stream that needs work is encoded once, to the profile,
its audio normalised with the measured loudness (loudness.py). Metadata and chapters are not
carried over: a phone's recording location or an author tag must not reach a public platform."""

from pathlib import Path

from services.media.inputs import input_args
from services.transcoder.encoders import EncoderChoice
from services.transcoder.profiles import MasterPlan, MasterProfile

AUDIO_KBPS = 192


def gop_frames(frame_rate: float) -> int:
    """Two seconds of frames: a keyframe at least every 2 s lets players seek quickly."""
    return max(1, round(2 * frame_rate))


def master_args(
    source: Path,
    out: Path,
    plan: MasterPlan,
    profile: MasterProfile,
    encoder: EncoderChoice,
    audio_filter: str | None = None,
) -> list[str]:
    """ffmpeg arguments (after the runner's own) writing the master to ``out``."""
    decode = encoder.decode_args() if plan.video == "encode" else []
    # -xerror: when anything is decoded, a damaged stretch stops the encode instead of being concealed.
    strict = ["-xerror"] if not plan.remux else []
    args = [*strict, *decode, *input_args(source)]
    args += ["-map", f"0:{plan.video_index}"]
    if plan.video == "copy":
        args += ["-c:v", "copy"]
    else:
        filters = ["bwdif=mode=send_frame"] if plan.deinterlace else []
        filters.append("format=yuv420p")
        args += ["-vf", ",".join(filters), "-r", f"{plan.frame_rate:g}", "-fps_mode", "cfr"]
        args += encoder.master_video_args(profile.bit_rate_kbps, gop_frames(plan.frame_rate))
    if plan.audio is None or plan.audio_index is None:
        args += ["-an"]
    elif plan.audio == "copy":
        args += ["-map", f"0:{plan.audio_index}", "-c:a", "copy"]
    else:
        args += ["-map", f"0:{plan.audio_index}"]
        args += ["-af", audio_filter or f"aresample={profile.encode_sample_rate}"]
        args += ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k"]
        args += ["-ar", str(profile.encode_sample_rate), "-ac", str(profile.encode_channels)]
    args += ["-map_metadata", "-1", "-map_chapters", "-1", "-sn", "-dn"]
    return [*args, "-movflags", "+faststart", "-f", "mp4", f"file:{out}"]
