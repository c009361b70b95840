"""Clips with one quality defect each, made with ffmpeg's lavfi sources (tests and bench/bench_validator.py).

Every maker takes the output path, a picture size and (where it matters) a
length, and returns the path. Small sizes keep the tests fast; the bench
makes the same defects at 1920x1080. testsrc2 moves in every frame, so a
still or black stretch is always the defect the maker put there.
"""

import subprocess
from pathlib import Path

# B-frames, as editors export them: the cheap decode skips the ones no other frame refers to.
ENCODE = ["-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-pix_fmt", "yuv420p", "-g", "50"]
AUDIO = ["-c:a", "aac", "-b:a", "96k", "-ac", "2"]


def ffmpeg(*args: str, timeout_s: float = 300) -> None:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=timeout_s
    )


def _sine(seconds: float, extra: str = "") -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=f=440:sample_rate=48000:d={seconds}{extra}"]


def clip(
    out: Path,
    size: str = "320x180",
    seconds: float = 4,
    video_filter: str = "",
    audio_filter: str = "",
    audio_seconds: float | None = None,
    encode: list[str] | None = None,
) -> Path:
    """testsrc2 with a sine tone; ``video_filter`` / ``audio_filter`` put the defect in."""
    source = f"testsrc2=s={size}:r=25:d={seconds}" + (f",{video_filter}" if video_filter else "")
    audio = _sine(
        audio_seconds if audio_seconds is not None else seconds, f",{audio_filter}" if audio_filter else ""
    )
    ffmpeg("-f", "lavfi", "-i", source, *audio, *(encode or ENCODE), *AUDIO, str(out))
    return out


def conforming(out: Path, size: str = "320x180", seconds: float = 4) -> Path:
    return clip(out, size, seconds)


def black_stretch(out: Path, size: str = "320x180", seconds: float = 6) -> Path:
    """Black picture from 2 s to 4.5 s."""
    return clip(out, size, seconds, "drawbox=c=black:t=fill:enable='between(t,2,4.5)'")


def frozen(out: Path, size: str = "320x180", seconds: float = 14) -> Path:
    """Moving for 2 s, then the last picture held to the end (12 s)."""
    return clip(out, size, 2, f"tpad=stop_mode=clone:stop_duration={seconds - 2}", audio_seconds=seconds)


def silence(out: Path, size: str = "320x180", seconds: float = 8) -> Path:
    """Sound muted from 1 s to 7 s."""
    return clip(out, size, seconds, audio_filter="volume=enable='between(t,1,7)':volume=0")


def silent_track(out: Path, size: str = "320x180", seconds: float = 4) -> Path:
    return clip(out, size, seconds, audio_filter="volume=0")


def quiet(out: Path, size: str = "320x180", seconds: float = 4) -> Path:
    """A 440 Hz tone at -20 dB: about -42 LUFS."""
    return clip(out, size, seconds, audio_filter="volume=-20dB")


def flashing(out: Path, size: str = "320x180", seconds: float = 5, colour: str = "white") -> Path:
    """Full-screen flashes from 1 s to 3 s: two frames on, two off (6.25 flashes a second)."""
    return clip(out, size, seconds, f"drawbox=c={colour}:t=fill:enable='between(t,1,3)*lt(mod(n,4),2)'")


def slow_blink(out: Path, size: str = "320x180", seconds: float = 5) -> Path:
    """A full-screen blink twice a second: under the limit of three flashes a second."""
    return clip(out, size, seconds, "drawbox=c=white:t=fill:enable='lt(mod(n,25),6)'")


def slate(out: Path, size: str = "320x180", slate_s: float = 7, rest_s: float = 3) -> Path:
    """A still colour-bar slate, then a cut to moving pictures."""
    ffmpeg(
        *("-f", "lavfi", "-i", f"smptebars=s={size}:r=25:d={slate_s}"),
        *("-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d={rest_s}"),
        *_sine(slate_s + rest_s),
        *("-filter_complex", "[0][1]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-map", "2:a"),
        *ENCODE,
        *AUDIO,
        str(out),
    )
    return out


def dropped_frames(out: Path, size: str = "320x180", seconds: float = 4) -> Path:
    """Frames 30-34 removed, their timestamps left as a gap (a camera that skipped)."""
    ffmpeg(
        *("-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d={seconds}"),
        *_sine(seconds),
        *("-vf", "select='not(between(n,30,34))'", "-fps_mode", "passthrough"),
        *ENCODE,
        *AUDIO,
        str(out),
    )
    return out


def variable_rate(out: Path, size: str = "320x180") -> Path:
    """2 s at 25 fps, then 2 s at 15 fps, timestamps kept (a phone in low light)."""
    ffmpeg(
        *("-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d=2"),
        *("-f", "lavfi", "-i", f"testsrc2=s={size}:r=15:d=2"),
        *_sine(4),
        *("-filter_complex", "[0][1]concat=n=2:v=1:a=0[v]", "-map", "[v]", "-map", "2:a"),
        *("-fps_mode", "vfr"),
        *ENCODE,
        *AUDIO,
        str(out),
    )
    return out


def short_audio(out: Path, size: str = "320x180", seconds: float = 6) -> Path:
    """The sound ends 2 s before the picture."""
    return clip(out, size, seconds, audio_seconds=seconds - 2)


def late_audio(out: Path, size: str = "320x180", seconds: float = 4) -> Path:
    """The sound starts 0.5 s after the picture (and ends with it)."""
    ffmpeg(
        *("-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d={seconds}"),
        *("-itsoffset", "0.5"),
        *_sine(seconds - 0.5),
        *ENCODE,
        *AUDIO,
        str(out),
    )
    return out


def qr_code(
    out: Path, qr_image: Path, size: str = "640x360", seconds: float = 6, x: int = 540, y: int = 20
) -> Path:
    """A QR code (a PGM image) in a corner from 2 s to 4.5 s."""
    ffmpeg(
        *("-f", "lavfi", "-i", f"testsrc2=s={size}:r=25:d={seconds}"),
        *("-loop", "1", "-i", str(qr_image)),
        *_sine(seconds),
        *("-filter_complex", f"[0][1]overlay=x={x}:y={y}:enable='between(t,2,4.5)':shortest=1[v]"),
        *("-map", "[v]", "-map", "2:a"),
        *ENCODE,
        *AUDIO,
        str(out),
    )
    return out


def qr_image(out: Path, text: str, pixels: int) -> Path:
    """A QR code encoding ``text`` about ``pixels`` wide, as a PGM file ffmpeg can overlay."""
    import zxingcpp  # ships no type information (see the mypy overrides in pyproject.toml)

    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    image = memoryview(zxingcpp.write_barcode_to_image(code, size_hint=pixels))
    height, width = image.shape or (0, 0)
    out.write_bytes(b"P5\n%d %d\n255\n" % (width, height) + image.tobytes())
    return out


def truncated_mkv(out: Path, source: Path, keep: float = 0.6) -> Path:
    """A Matroska file cut short: no index needed, so headers read and the decode stops early."""
    whole = out.with_suffix(".whole.mkv")
    ffmpeg("-i", str(source), "-c", "copy", str(whole))
    data = whole.read_bytes()
    out.write_bytes(data[: int(len(data) * keep)])
    whole.unlink()
    return out


def no_frames(out: Path) -> Path:
    """An FLV file that declares a video and an audio track and holds not one frame of either."""
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=1"),
        *_sine(1),
        *("-map", "0:v", "-map", "1:a", "-frames:v", "0"),
        *ENCODE,
        *AUDIO,
        *("-f", "flv", str(out)),
    )
    return out


def long_file(out: Path, minutes: float, size: str = "160x90") -> Path:
    """A long file made cheaply: one 10 s segment repeated by stream copy."""
    segment = out.with_suffix(".segment.mp4")
    clip(segment, size, 10)
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{segment.name}'\n" for _ in range(int(minutes * 6) + 1)))
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(out))
    segment.unlink()
    listing.unlink()
    return out
