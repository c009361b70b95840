"""Validator bench: header check vs bare ffprobe, quality pass vs bare decode, MediaConch; the same files.

    .venv/bin/python bench/bench_validator.py [--seconds 60] [--rounds 3]

Makes 1920x1080 25 fps H.264 High (CABAC, deblocking on, 8 Mbps CBR) + AAC
files the way an editor exports them: one conforming file of ``--seconds``
and 20-second files with one defect each. Then, in one run:
1. the header check (``check_headers``: ffprobe, box walk, Yanbian's rules)
   against a bare ``ffprobe -show_streams -show_format``;
2. the quality pass against a bare ``ffmpeg -i F -f null -``, with the
   obvious recipe (``EXACT``: full decode, analysis on full frames) and the
   service's settings (``CHEAP``), wall and CPU time (children and our own
   threads), rounds interleaved so a busy neighbour hurts all alike;
3. the findings of ``CHEAP`` against ``EXACT`` on every defect file;
4. MediaConch (``mediaconch --Force -p policy -fx``, one file per call: it
   carries results over between files given together) with a policy of
   Yanbian's header rules, its verdicts against ours and its time.
It asserts only that the verdicts agree; numbers go to docs/performance.md.
"""

import argparse
import asyncio
import resource
import shutil
import statistics
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.campaign import VideoSpec
from contracts.events import Severity
from services.intake.presets import load_preset
from services.media.probe import probe
from services.media.process import run
from services.validator.qc_graph import CHEAP, EXACT, DecodeSettings
from services.validator.quality import QualityResult, check_quality
from services.validator.selfcheck import check_headers, self_check
from tests.integration.validator import defects

YANBIAN = load_preset("yanbian-2024")
PROXY_ONLY = DecodeSettings(skip_loop_filter=False, fast=False, skip_nonref=False)
EXPORT = [
    *("-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p", "-g", "50"),
    *("-b:v", "8M", "-minrate", "8M", "-maxrate", "8M", "-bufsize", "4M", "-x264-params", "nal-hrd=cbr"),
    *("-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart"),
]
# Yanbian's quality rules, plus loudness and QR codes so every branch of the graph runs on the defects.
SPEC = VideoSpec(
    constant_frame_rate=True,
    no_dropped_frames=True,
    av_sync=True,
    no_flashes=True,
    intro_slate_max_s=5,
    loudness_lufs=-23,
    no_qr_codes=True,
    audio_required=True,
)
SPEC_NO_FLASHES = SPEC.model_copy(update={"no_flashes": None})  # nothing needs every frame
POLICY = """<?xml version="1.0"?>
<policy type="and" name="延边2024微视频 Yanbian 2024 micro-video (header rules)">
  <rule name="MP4" value="Format" tracktype="General" occurrence="*" operator="=">MPEG-4</rule>
  <rule name="H.264" value="Format" tracktype="Video" occurrence="*" operator="=">AVC</rule>
  <rule name="1920 wide" value="Width" tracktype="Video" occurrence="*" operator="=">1920</rule>
  <rule name="1080 high" value="Height" tracktype="Video" occurrence="*" operator="=">1080</rule>
  <rule name="16:9" value="DisplayAspectRatio" tracktype="Video" occurrence="*" operator="=">1.778</rule>
  <rule name="25 fps" value="FrameRate" tracktype="Video" occurrence="*" operator="=">25.000</rule>
  <rule name="constant rate" value="FrameRate_Mode" tracktype="Video" occurrence="*" operator="=">CFR</rule>
  <rule name="&lt;= 10 Mbps" value="BitRate" tracktype="Video" occurrence="*" operator="&lt;=">10000000</rule>
  <rule name="at most 8 min" value="Duration" tracktype="General" occurrence="*" operator="&lt;=">480.5</rule>
  <rule name="500 MB" value="FileSize" tracktype="General" occurrence="*" operator="&lt;=">524288000</rule>
  <rule name="has sound" value="Format" tracktype="Audio" occurrence="*" operator="exists"/>
  <rule name="index first" value="IsStreamable" tracktype="General" occurrence="*" operator="=">Yes</rule>
</policy>
"""


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = await work()
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def export(source: Path, out: Path) -> Path:
    """As an editor exports: realistic decode cost; timestamps (drops, VFR) kept as they are."""
    defects.ffmpeg("-i", str(source), "-fps_mode", "passthrough", *EXPORT, str(out), timeout_s=1800)
    source.unlink()
    return out


def make_files(folder: Path, seconds: float) -> tuple[Path, dict[str, Path]]:
    big = "1920x1080"
    conforming = export(defects.conforming(folder / "src.mp4", big, seconds), folder / "conforming.mp4")
    qr = defects.qr_image(folder / "qr.pgm", "https://u.wechat.com/kBENCH01", pixels=90)
    makers: dict[str, Callable[[Path], Path]] = {
        "flashes": lambda p: defects.flashing(p, big, 20),
        "slate-7s": lambda p: defects.slate(p, big, 7, 13),
        "dropped": lambda p: defects.dropped_frames(p, big, 20),
        "short-audio": lambda p: defects.short_audio(p, big, 20),
        "variable-rate": lambda p: defects.variable_rate(p, big),
        "qr-code": lambda p: defects.qr_code(p, qr, big, 20, x=1790, y=40),
        "black": lambda p: defects.black_stretch(p, big, 20),
    }
    made = {
        name: export(make(folder / f"src-{name}.mp4"), folder / f"{name}.mp4")
        for name, make in makers.items()
    }
    return conforming, {"conforming": conforming, **made}


async def bare_ffprobe(path: Path) -> None:
    await run(["ffprobe", "-v", "error", "-show_streams", "-show_format", str(path)], 60)


async def bare_decode(path: Path) -> None:
    done = await run(["ffmpeg", "-hide_banner", "-v", "error", "-i", str(path), "-f", "null", "-"], 1800)
    assert done.returncode == 0, done.stderr[-300:]


async def bench_headers(files: dict[str, Path], rounds: int) -> None:
    print("\n1. header check vs bare ffprobe (median of", rounds * 5, "runs per file, ms)")
    ratios = []
    for name, path in files.items():
        ours, bare = [], []
        for _ in range(rounds * 5):
            wall = time.perf_counter()
            await check_headers(path, YANBIAN, None)
            ours.append(time.perf_counter() - wall)
            wall = time.perf_counter()
            await bare_ffprobe(path)
            bare.append(time.perf_counter() - wall)
        ratio = statistics.median(ours) / statistics.median(bare)
        ratios.append(ratio)
        mine, theirs = statistics.median(ours) * 1000, statistics.median(bare) * 1000
        print(f"  {name:14} ours {mine:6.1f}  bare {theirs:6.1f}  x{ratio:.2f}")
    print(f"  median ratio header check / bare ffprobe: {statistics.median(ratios):.2f}")


async def bench_decode(path: Path, rounds: int) -> None:
    spec, hunan = YANBIAN.video_spec(), VideoSpec(no_qr_codes=True)
    assert spec is not None
    p = await probe(path)
    variants: dict[str, Callable[[], Awaitable[Any]]] = {
        "bare decode (ffmpeg -i F -f null -)": lambda: bare_decode(path),
        "Yanbian EXACT (the obvious recipe)": lambda: check_quality(path, p, spec, settings=EXACT),
        "Yanbian proxy only (deblocking on)": lambda: check_quality(path, p, spec, settings=PROXY_ONLY),
        "Yanbian CHEAP (every frame: flashes)": lambda: check_quality(path, p, spec, settings=CHEAP),
        "Hunan EXACT (QR, full frames)": lambda: check_quality(path, p, hunan, settings=EXACT),
        "Hunan CHEAP (QR, reference frames)": lambda: check_quality(path, p, hunan, settings=CHEAP),
    }
    walls: dict[str, list[float]] = {k: [] for k in variants}
    cpus: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(rounds):
        for name, work in variants.items():
            _, wall, cpu = await timed(work)
            walls[name].append(wall)
            cpus[name].append(cpu)
    base_wall, base_cpu = (
        statistics.median(walls[next(iter(variants))]),
        statistics.median(cpus[next(iter(variants))]),
    )
    print(f"\n2. quality pass vs bare decode, {p.duration_s:.0f} s of 1080p25 8 Mbps (median of {rounds})")
    print(f"  {'variant':38} {'wall s':>7} {'ratio':>6} {'cpu s':>7} {'ratio':>6}")
    for name in variants:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"  {name:38} {wall:7.2f} {wall / base_wall:6.2f} {cpu:7.2f} {cpu / base_cpu:6.2f}")


def verdicts(result: QualityResult | None) -> list[tuple[str, str, float | None]]:
    """Rule, severity and where it starts (to 0.5 s: a skipped frame may move an edge by 40 ms)."""
    if result is None:
        return []
    return sorted(
        (f.rule_id, f.severity.value, round(f.time_range.start_s * 2) / 2 if f.time_range else None)
        for f in result.findings
    )


async def bench_verdicts(files: dict[str, Path]) -> dict[str, tuple[bool, bool]]:
    """CHEAP and EXACT agree on every defect; returns Yanbian's verdicts (headers only, whole check)."""
    print("\n3. findings, CHEAP against EXACT (rule, severity, start of the time range)")
    ours: dict[str, tuple[bool, bool]] = {}
    for name, path in files.items():
        p = await probe(path)
        for label, spec in (("every frame", SPEC), ("reference frames", SPEC_NO_FLASHES)):
            cheap = await check_quality(path, p, spec, settings=CHEAP)
            exact = await check_quality(path, p, spec, settings=EXACT)
            same = verdicts(cheap) == verdicts(exact)
            shown = ", ".join(f"{r}:{s}@{t}" for r, s, t in verdicts(cheap)) or "none"
            print(f"  {name:14} {label:16} {'same' if same else 'DIFFERENT'}  {shown}")
            assert same, (name, label, verdicts(cheap), verdicts(exact))
        stage = await check_headers(path, YANBIAN, None)
        whole = await self_check(path, YANBIAN, None)
        ours[name] = (not any(f.severity is Severity.ERROR for f in stage.findings), whole.passed)
    return ours


async def bench_mediaconch(files: dict[str, Path], ours: dict[str, tuple[bool, bool]], folder: Path) -> None:
    binary = shutil.which("mediaconch")
    if binary is None:
        print("\n4. MediaConch: not installed (Debian: apt-get install mediaconch); skipped")
        return
    policy = folder / "yanbian.xml"
    policy.write_text(POLICY, encoding="utf-8")
    print("\n4. MediaConch 23.03 with Yanbian's header rules, one file per call with --Force")
    print(f"  {'file':14} {'mediaconch':10} {'ours: headers':13} {'ours: whole':11} {'ms':>7}  exit")
    times, agree = [], 0
    for name, path in files.items():
        wall = time.perf_counter()
        done = await run([binary, "--Force", "-p", str(policy), "-fx", str(path)], 120)
        wall = time.perf_counter() - wall
        outcome = _policy_outcome(done.stdout)
        times.append(wall)
        headers, whole = ours[name]
        agree += (outcome == "pass") == headers
        word = {True: "pass", False: "fail"}
        ms = wall * 1000
        print(f"  {name:14} {outcome:10} {word[headers]:13} {word[whole]:11} {ms:7.1f}  {done.returncode}")
    median_ms = statistics.median(times) * 1000
    print(f"  MediaConch agrees with our header verdict on {agree}/{len(files)}; {median_ms:.0f} ms a file")


def _policy_outcome(xml: bytes) -> str:
    root = ET.fromstring(xml)
    outcomes = [el.get("outcome") for el in root.iter() if el.tag.endswith("policy") and el.get("outcome")]
    return outcomes[0] or "?" if outcomes else "?"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-validator-") as tmp:
        conforming, files = make_files(Path(tmp), args.seconds)
        print(f"made {len(files)} files in {time.perf_counter() - started:.0f} s")
        await bench_headers(files, args.rounds)
        await bench_decode(conforming, args.rounds)
        ours = await bench_verdicts(files)
        await bench_mediaconch(files, ours, Path(tmp))
    print(f"\ntotal bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
