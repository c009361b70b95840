"""Small media for the transcoder's tests, made with ffmpeg's lavfi sources (and a few byte edits).

Every clip is short and small unless the case needs otherwise: the 1080p ones are 2 s long;
the long one (for cancelling a job while it runs) is made by stream-copying one 10 s piece."""

import random
from pathlib import Path

from services.media.process import run

BASE = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]


async def ffmpeg(*args: str) -> None:
    done = await run([*BASE, *args], 120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-800:]


async def clip(
    out: Path,
    *,
    size: str = "320x180",
    rate: int = 25,
    seconds: float = 2,
    audio: str | None = "aac",
    pix_fmt: str = "yuv420p",
    video: tuple[str, ...] = ("-preset", "ultrafast"),
    volume_db: float = 0.0,
) -> Path:
    """An H.264 clip (testsrc2) with a 440 Hz tone in ``audio``'s codec, or silent when None."""
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        tone = f"sine=frequency=440:sample_rate=48000:duration={seconds},volume={volume_db}dB"
        args += ["-f", "lavfi", "-i", tone]
    args += ["-c:v", "libx264", *video, "-pix_fmt", pix_fmt, "-g", str(2 * rate)]
    args += ["-c:a", audio, "-b:a", "128k", "-ac", "2"] if audio else ["-an"]
    await ffmpeg(*args, "-movflags", "+faststart", str(out))
    return out


async def conforming_1080p(out: Path, seconds: float = 2) -> Path:
    """Meets the Yanbian spec as uploaded (CBR 8 Mb/s, 25 fps, AAC, faststart): takes the remux path."""
    cbr = ("-preset", "ultrafast", "-b:v", "8M", "-minrate", "8M", "-maxrate", "8M", "-bufsize", "8M")
    return await clip(out, size="1920x1080", seconds=seconds, video=(*cbr, "-x264-params", "nal-hrd=cbr"))


def corrupt_middle(source: Path, out: Path, length: int = 20_000) -> Path:
    """Scramble bytes in the middle of the media data: the header (moov) still probes fine."""
    data = bytearray(source.read_bytes())
    mdat = data.find(b"mdat")
    assert mdat > data.find(b"moov") > 0, "the clip must be faststart (moov before mdat)"
    middle = mdat + (len(data) - mdat) // 2
    rng = random.Random(5)
    for i in range(middle, min(len(data), middle + length)):
        data[i] = rng.randrange(256)
    out.write_bytes(bytes(data))
    return out


async def empty_audio_track(out: Path, seconds: float = 2) -> Path:
    """A Matroska file whose AAC track is declared but holds no samples (MP4 would drop it)."""
    args = ["-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=25:duration={seconds}"]
    args += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    args += ["-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    await ffmpeg(*args, "-c:a", "aac", "-ac", "2", "-frames:a", "0", str(out))
    return out


async def long_clip(out: Path, minutes: float = 10) -> Path:
    """Minutes of 320x180 made in about a second: one 10 s piece repeated by stream copy."""
    piece = await clip(out.with_suffix(".piece.mp4"), seconds=10)
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{piece.name}'\n" for _ in range(int(minutes * 6))))
    await ffmpeg(
        "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-movflags", "+faststart", str(out)
    )
    piece.unlink()
    listing.unlink()
    return out


async def video_packets(path: Path) -> list[str]:
    """Size and hash of every video packet, in order (timestamps left out: a remux may shift them)."""
    done = await run([*BASE, "-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-"], 60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-500:]
    rows = [
        line.split(",") for line in done.stdout.decode().splitlines() if line and not line.startswith("#")
    ]
    return [f"{r[4].strip()}:{r[5].strip()}" for r in rows]


async def integrated_loudness(path: Path) -> float:
    """EBU R128 integrated loudness of the first audio stream, in LUFS (ffmpeg's ebur128 filter)."""
    done = await run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-i",
            str(path),
            "-map",
            "0:a:0",
            "-af",
            "ebur128",
            "-f",
            "null",
            "-",
        ],
        60,
    )
    summary = done.stderr.decode(errors="replace").rsplit("Summary:", 1)[-1]
    line = next(x for x in summary.splitlines() if x.strip().startswith("I:"))
    return float(line.split()[1])
