"""Sample media made with ffmpeg's lavfi sources, for the demo, tests and benchmarks.

``conforming`` meets the Yanbian spec (1920x1080, 25 fps, H.264, CBR 8 Mbps,
AAC, faststart); every other sample breaks exactly one rule of it."""

import asyncio
from pathlib import Path
from typing import Any

from services.media.process import run


def yanbian_form(i: int = 1, **overrides: Any) -> dict[str, Any]:
    """Entrant ``i``'s Yanbian registration form, valid but for ``overrides`` (a phone of its own
    for every ``i``)."""
    form = {
        "name": f"教师{i}",
        "gender": "女",
        "occupation": "教师",
        "phone": f"139{4330000 + i:08d}",
        "school": "延吉市第一小学",
        "title": f"红色故事{i}",
        "category": "英雄故事",
        "summary": "红色资源微视频",
        "recommender": "延吉市第一小学",
    }
    return {**form, **overrides}


CBR_8M = ["-b:v", "8M", "-minrate", "8M", "-maxrate", "8M", "-bufsize", "8M", "-x264-params", "nal-hrd=cbr"]


def _args(
    out: Path,
    seconds: float,
    size: str = "1920x1080",
    rate: int = 25,
    audio: bool = True,
    video_opts: list[str] | None = None,
    source: str = "testsrc2",
) -> list[str]:
    args = [
        "-f",
        "lavfi",
        "-i",
        f"{source}=size={size}:rate={rate}:duration={seconds}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += [
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(2 * rate),
        *(video_opts if video_opts is not None else CBR_8M),
    ]
    if audio:
        args += ["-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    return [*args, "-movflags", "+faststart", str(out)]


async def _ffmpeg(args: list[str], timeout_s: float = 300) -> None:
    """ffmpeg with ``args``, quiet but for errors, overwriting ``out``."""
    done = await run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {done.stderr.decode(errors='replace')[-500:]}")


async def conforming(out: Path, seconds: float = 6) -> Path:
    await _ffmpeg(_args(out, seconds))
    return out


async def wrong_frame_rate(out: Path, seconds: float = 6) -> Path:
    await _ffmpeg(_args(out, seconds, rate=30))
    return out


async def wrong_resolution(out: Path, seconds: float = 6) -> Path:
    await _ffmpeg(_args(out, seconds, size="1280x720"))
    return out


async def no_audio(out: Path, seconds: float = 6) -> Path:
    await _ffmpeg(_args(out, seconds, audio=False))
    return out


async def too_long(out: Path, minutes: float = 8.5) -> Path:
    """Longer than 8 minutes, made cheaply: one 10 s segment repeated by stream copy."""
    segment = out.with_suffix(".segment.mp4")
    await _ffmpeg(_args(segment, 10, video_opts=["-crf", "30"], source="smptehdbars"))
    repeats = int(minutes * 60 / 10) + 1
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{segment.name}'\n" for _ in range(repeats)))
    await _ffmpeg(
        [
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            "-movflags",
            "+faststart",
            str(out),
        ]
    )
    segment.unlink()
    listing.unlink()
    return out


def not_media(out: Path) -> Path:
    out.write_text("这不是视频文件 / this is not a video\n" * 100)
    return out


async def make_all(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    jobs = {
        "conforming-a": conforming(folder / "conforming-a.mp4"),
        "conforming-b": conforming(folder / "conforming-b.mp4"),
        "frame-rate-30": wrong_frame_rate(folder / "frame-rate-30.mp4"),
        "resolution-720p": wrong_resolution(folder / "resolution-720p.mp4"),
        "too-long": too_long(folder / "too-long.mp4"),
        "no-audio": no_audio(folder / "no-audio.mp4"),
    }
    paths = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    paths["not-media"] = not_media(folder / "not-media.mp4")
    return paths
