"""The project's own test media, gathered: every file the validator's tests make (``defects`` and
the probe tests' clips: other rates, sizes, rotation, containers in disguise, interlacing, 4:4:4,
the index at either end, cut short, not media, empty), made small, in one folder. The pre-check
equality test reads each one in the browser's reader and in ffprobe."""

import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.integration.validator import defects

CLIP = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-ac", "2", "-b:a", "128k"]


def _clip(
    out: Path, *, size: str = "320x180", rate: str = "25", audio: bool = True, extra: tuple[str, ...] = ()
) -> Path:
    """As tests/integration/validator/conftest.py's ``clip`` makes them (2 s of testsrc2)."""
    args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d=2"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=f=440:d=2:sample_rate=48000"]
    args += CLIP + (AAC if audio else ["-an"])
    defects.ffmpeg(*args, *extra, str(out))
    return out


def _remux(source: Path, out: Path, *args: str) -> Path:
    defects.ffmpeg("-i", str(source), "-c", "copy", *args, str(out))
    return out


def _half(source: Path, out: Path) -> Path:
    data = source.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


CBR_8M = ("-x264-params", "nal-hrd=cbr", "-b:v", "8M", "-minrate", "8M", "-maxrate", "8M", "-bufsize", "2M")


def makers(folder: Path) -> dict[str, Callable[[], Path]]:
    """Name -> a maker of that file in ``folder``."""
    f = folder
    base = f / "source.mp4"
    return {
        "conforming": lambda: defects.conforming(f / "conforming.mp4", seconds=2),
        "full-hd-8M": lambda: _clip(f / "full-hd-8M.mp4", size="1920x1080", extra=CBR_8M),
        "black-stretch": lambda: defects.black_stretch(f / "black.mp4", seconds=3),
        "silent-track": lambda: defects.silent_track(f / "silent-track.mp4", seconds=2),
        "flashing": lambda: defects.flashing(f / "flashing.mp4", seconds=3),
        "slate": lambda: defects.slate(f / "slate.mp4", slate_s=2, rest_s=1),
        "dropped-frames": lambda: defects.dropped_frames(f / "dropped.mp4", seconds=2),
        "variable-rate": lambda: defects.variable_rate(f / "vfr.mp4"),
        "short-audio": lambda: defects.short_audio(f / "short-audio.mp4", seconds=3),
        "late-audio": lambda: defects.late_audio(f / "late-audio.mp4", seconds=2),
        "30fps": lambda: _clip(f / "30fps.mp4", rate="30"),
        "29.97fps": lambda: _clip(f / "2997.mp4", rate="30000/1001"),
        "720p": lambda: _clip(f / "720p.mp4", size="1280x720"),
        "no-audio": lambda: _clip(f / "silent.mp4", audio=False),
        "rotated": lambda: _remux(_clip(f / "flat.mp4"), f / "rotated.mp4", "-metadata:s:v:0", "rotate=90"),
        "mov-as-mp4": lambda: _remux(_clip(base), f / "as-mov.mp4", "-f", "mov"),
        "mkv-as-mp4": lambda: _remux(_clip(base), f / "as-mkv.mp4", "-f", "matroska"),
        "interlaced": lambda: _clip(f / "interlaced.mp4", extra=("-flags", "+ilme+ildct")),
        "yuv444": lambda: _clip(f / "444.mp4", extra=("-pix_fmt", "yuv444p")),
        "moov-last": lambda: _clip(f / "moov-last.mp4"),
        "moov-first": lambda: _remux(_clip(base), f / "moov-first.mp4", "-movflags", "+faststart"),
        "truncated-mkv": lambda: defects.truncated_mkv(f / "cut.mkv", _clip(base)),
        "half": lambda: _half(_clip(base), f / "half.mp4"),
        "half-faststart": lambda: _half(
            _remux(_clip(base), f / "front.mp4", "-movflags", "+faststart"), f / "half-front.mp4"
        ),
        "no-frames": lambda: defects.no_frames(f / "no-frames.flv"),
        "text": lambda: _text(f / "notes.mp4"),
        "empty": lambda: _empty(f / "empty.mp4"),
    }


def _text(out: Path) -> Path:
    out.write_text("这不是视频，只是改了扩展名的文本。\n", encoding="utf-8")
    return out


def _empty(out: Path) -> Path:
    out.touch()
    return out


def build(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {name: make() for name, make in makers(folder).items()}


def browser_headers(paths: list[Path]) -> dict[str, dict[str, object]]:
    """What the page's reader (precheck_read.js on the vendored mediainfo.js) makes of each file, by node."""
    import json

    script = Path(__file__).resolve().parents[2] / "precheck_headers.mjs"
    done = subprocess.run(
        ["node", str(script), *map(str, paths)], capture_output=True, text=True, timeout=300, check=True
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {line["path"]: line["headers"] for line in lines}
