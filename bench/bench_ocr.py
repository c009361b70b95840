"""On-screen text bench: the quality pass with and without the text pass, against a bare decode.

    .venv/bin/python bench/bench_ocr.py [--seconds 300] [--rounds 2]

Makes one 1920x1080 25 fps 8 Mbps H.264 + AAC file as an editor exports it (bench_validator's
recipe): a 4-second slate (title, school and name), then a moving picture (testsrc2) with a phone
number in the lower third for 3 s every 30 s. Then, in one run, rounds interleaved:
- a bare decode (``ffmpeg -i F -f null -``);
- Yanbian's quality pass without the text pass (the base: slate guess from a still opening);
- the same with the slate check (OCR of the slate window): its cost over the base, as a share of
  the bare decode, is the "slate check alone" figure (target 0.1x);
- the same with the whole text pass (slate and contact details over the whole file): target
  within 1.5x the bare decode.
It asserts only that the text pass finds the slate and the phone numbers; numbers go to
docs/performance.md ("On-screen text").
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_validator import EXPORT, timed

from contracts.campaign import ScreenTextSpec, VideoSpec
from services.intake.presets import load_preset
from services.media.probe import probe
from services.validator.quality import QualityResult, check_quality
from services.validator.screen_text_rules import ShownField
from tests.integration.validator.defects import ffmpeg

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
TITLE, SCHOOL, NAME = "杨靖宇将军的故事", "延吉市第一小学", "李明"
SHOWN = [
    ShownField(key="title", label="作品名称", value=TITLE),
    ShownField(key="school", label="学校", value=SCHOOL),
    ShownField(key="name", label="姓名", value=NAME),
]


def make_file(path: Path, seconds: float) -> Path:
    slate_s = 4
    draw = f"drawtext=fontfile={FONT}:fontcolor=white"
    slate = (
        f"{draw}:text='{TITLE}':fontsize=80:x=(w-tw)/2:y=380,"
        f"{draw}:text='{SCHOOL} {NAME}':fontsize=50:x=(w-tw)/2:y=560"
    )
    caption = (
        f"{draw}:text='咨询电话 13800138000':fontsize=40:box=1:boxcolor=black@0.5:x=100:y=960:"
        "enable='lt(mod(t,30),3)'"
    )
    ffmpeg(
        *["-f", "lavfi", "-i", f"color=c=0x1d2a4a:s=1920x1080:r=25:d={slate_s}"],
        *["-f", "lavfi", "-i", f"testsrc2=s=1920x1080:r=25:d={seconds - slate_s:g}"],
        *["-f", "lavfi", "-i", f"sine=f=440:sample_rate=48000:d={seconds:g}"],
        "-filter_complex",
        f"[0]{slate}[s];[1]{caption}[p];[s][p]concat=n=2:v=1:a=0[v]",
        *["-map", "[v]", "-map", "2:a", *EXPORT],
        str(path),
        timeout_s=3600,
    )
    return path


async def bare_decode(path: Path) -> None:
    ffmpeg("-i", str(path), "-f", "null", "-", timeout_s=1800)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    base = load_preset("yanbian-2024").video_spec()
    assert base is not None
    without = base.model_copy(update={"screen_text": None})
    slate_only = base.model_copy(
        update={"screen_text": ScreenTextSpec(slate_fields=["title", "school", "name"])}
    )
    whole = base.model_copy(
        update={
            "screen_text": ScreenTextSpec(slate_fields=["title", "school", "name"], no_contact_details=True)
        }
    )
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        started = time.perf_counter()
        path = make_file(Path(tmp) / "programme.mp4", args.seconds)
        print(f"made {args.seconds:g} s of 1080p25 in {time.perf_counter() - started:.0f} s")
        p = await probe(path)

        def quality(spec: VideoSpec) -> Callable[[], Awaitable[QualityResult | None]]:
            return lambda: check_quality(path, p, spec, shown=SHOWN)

        variants: dict[str, Callable[[], Awaitable[Any]]] = {
            "bare decode (ffmpeg -i F -f null -)": lambda: bare_decode(path),
            "Yanbian quality pass, no text pass": quality(without),
            "... + slate check (OCR of the slate)": quality(slate_only),
            "... + whole text pass (slate, contacts)": quality(whole),
        }
        walls: dict[str, list[float]] = {k: [] for k in variants}
        cpus: dict[str, list[float]] = {k: [] for k in variants}
        results: dict[str, Any] = {}
        for _ in range(args.rounds):
            for name, work in variants.items():
                results[name], wall, cpu = await timed(work)
                walls[name].append(wall)
                cpus[name].append(cpu)
    names = list(variants)
    bare_wall, bare_cpu = statistics.median(walls[names[0]]), statistics.median(cpus[names[0]])
    print(f"\nquality pass vs bare decode, {p.duration_s:.0f} s of 1080p25 8 Mbps (median of {args.rounds})")
    print(f"  {'variant':40} {'wall s':>7} {'ratio':>6} {'cpu s':>7} {'ratio':>6} {'OCR frames':>10}")
    for name in names:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        result = results[name]
        frames = result.summary.screen_text_frames if isinstance(result, QualityResult) else None
        shown = f"{wall:7.2f} {wall / bare_wall:6.2f} {cpu:7.2f} {cpu / bare_cpu:6.2f}"
        print(f"  {name:40} {shown} {frames or '':>10}")
    base_wall = statistics.median(walls[names[1]])
    slate_cost = (statistics.median(walls[names[2]]) - base_wall) / bare_wall
    print(f"  slate check alone: +{slate_cost:.3f}x of the bare decode (wall)")
    found = [f.rule_id for f in results[names[3]].findings if f.rule_id.startswith("video.")]
    print(f"  whole text pass found: {found}")
    assert found.count("video.contact_details") >= 1, found
    assert "video.slate_field" not in found, found


if __name__ == "__main__":
    asyncio.run(main())
