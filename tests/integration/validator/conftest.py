"""Small media made on the spot with ffmpeg's test sources: 2 s clips, 320x180 unless a rule needs more."""

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from contracts.campaign import Campaign

ROOT = Path(__file__).resolve().parents[3]
Clip = Callable[..., Path]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=60)


@pytest.fixture
def clip(tmp_path: Path) -> Clip:
    """make(name, size=, rate=, audio=, pix_fmt=, extra=[...]) -> path of an H.264 (+AAC) clip."""

    def make(
        name: str,
        *,
        size: str = "320x180",
        rate: str = "25",
        seconds: int = 2,
        audio: bool = True,
        pix_fmt: str = "yuv420p",
        extra: tuple[str, ...] = (),
    ) -> Path:
        path = tmp_path / name
        args = ["-f", "lavfi", "-i", f"testsrc2=s={size}:r={rate}:d={seconds}"]
        if audio:
            args += ["-f", "lavfi", "-i", f"sine=f=440:d={seconds}:sample_rate=48000"]
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", pix_fmt]
        args += ["-c:a", "aac", "-ac", "2", "-b:a", "128k"] if audio else ["-an"]
        ffmpeg(*args, *extra, str(path))
        return path

    return make


@pytest.fixture
def remux(tmp_path: Path) -> Callable[..., Path]:
    """remux(source, name, *args): stream copy into a new file, e.g. to change container or metadata."""

    def make(source: Path, name: str, *args: str) -> Path:
        path = tmp_path / name
        ffmpeg("-i", str(source), "-c", "copy", *args, str(path))
        return path

    return make


@pytest.fixture(scope="session")
def yanbian() -> Campaign:
    raw = yaml.safe_load((ROOT / "campaigns" / "yanbian-2024.yaml").read_text(encoding="utf-8"))
    return Campaign.model_validate(raw)


@pytest.fixture
def hanging_ffprobe(tmp_path: Path) -> str:
    """An "ffprobe" that never answers, as one stuck on a pathological file would."""
    script = tmp_path / "ffprobe-hangs"
    sleep = shutil.which("sleep") or "/bin/sleep"
    script.write_text(f"#!/bin/sh\n{sleep} 300 &\nwait\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)
