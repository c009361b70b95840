"""A provincial day: N submissions arriving over the last 48 hours before a deadline, compressed.

    .venv/bin/python bench/bench_provincial_day.py [--submissions 5000] [--minutes 60]
        [--clip-seconds 2] [--clients 20] [--png provincial-day.png]

The system runs as separate processes (``chaos_cluster.py``: Tansu, SecantusDB and ``zhengji
serve <name>`` for each service). Arrivals follow the last two days of a campaign (``arrivals``):
few at night, more by day, rising towards the deadline at midnight of the second day, as
provinces see them; 48 hours are played in ``--minutes`` of wall time. Each arrival registers an
entry through intake's API and uploads a short conforming lavfi clip by tus (``chaos.submit``);
at most ``--clients`` upload at once, so a burst the server cannot take at once waits at the
client, as browsers retrying would.

Every ``--sample-s`` the bench reads each submission's stage from intake's store and records,
over time: arrived, uploaded, validated and transcoded (cumulative) and the queues between them,
and beside them what the validator and the transcoder have done by their own records (checked,
encoded), which intake's copy trails when its consumer falls behind.
It prints each stage's throughput (overall and in its busiest minute), the deepest queues, the
CPU each process spent per submission (/proc: the service plus its ffmpeg children), and draws
the run as a PNG. Baseline, in the same run: the CPU the media work of one clip needs from bare
ffprobe and ffmpeg (``bare_cpu_s``); the transcoder's and the whole system's CPU per submission
are printed as ratios to it. docs/performance.md ("A provincial day") turns the measured costs
into transcoder replicas for a 10,000-entry campaign of 5-minute works."""

import argparse
import asyncio
import contextlib
import math
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chaos import PASSWORD, SETTINGS, Progress, Run, setup, submit
from chaos_cluster import Cluster
from day_chart import draw
from proc_cpu import cpu_s

from services.transcoder.encoders import EncoderChoice
from services.transcoder.ladder import poster_at, sprite_grid, streaming_args
from zhengji import samples

HOURS = 48
UPLOADED = {"validating", "transcoding", "awaiting_approval", "failed_validation", "transcode_failed"}
VALIDATED = {"transcoding", "awaiting_approval", "failed_validation", "transcode_failed"}
TRANSCODED = {"awaiting_approval", "transcode_failed"}
ENDED = {"awaiting_approval", "failed_validation", "transcode_failed"}
IDLE_S = 20.0  # the processes' CPU while nothing arrives, measured first and taken off their totals
STALL_S = 600.0  # nothing reached an end state for this long: the drain gives up (and says so)
STORE_PATIENCE_S = 120.0  # the store unreachable this long is not a restart: the bench stops with its error


def rate(hour: float) -> float:
    """Relative arrival rate ``hour`` hours into the last 48 (0 = midnight two days before the
    deadline): rising about 20-fold towards the deadline, a fifth of it between midnight and 7:00."""
    night = 0.2 if hour % 24 < 7 else 1.0
    return night * math.exp(hour / 16)


def arrivals(n: int, hours: float = HOURS, steps: int = 10_000) -> list[float]:
    """When each of ``n`` submissions arrives (hours from the start), by inverting the curve's
    cumulative share at evenly spaced quantiles: the same curve every run, no randomness."""
    dt = hours / steps
    cumulative = [0.0]
    for i in range(steps):
        cumulative.append(cumulative[-1] + rate((i + 0.5) * dt) * dt)
    total, times, step = cumulative[-1], [], 0
    for k in range(n):
        target = (k + 0.5) / n * total
        while cumulative[step + 1] < target:
            step += 1
        within = (target - cumulative[step]) / (cumulative[step + 1] - cumulative[step])
        times.append((step + within) * dt)
    return times


def bare_cpu_s(clip: Path, seconds: float, rounds: int = 3) -> float:
    """The baseline: CPU seconds of the media work one conforming clip needs, done by bare ffprobe
    and ffmpeg (its header read, the remux of its master and the one-pass streaming ladder with
    the service's own arguments, ``ladder.py``); the median of ``rounds``."""
    x264 = EncoderChoice("x264", gpu_decode=False, threads=2, reason="bench")
    runs = []
    for r in range(rounds):
        work = clip.parent / f"bare-{r}"
        work.mkdir()
        ladder, outputs = streaming_args(
            clip,
            work,
            height=1080,
            frame_rate=25,
            has_audio=True,
            grid=sprite_grid(seconds, 1920, 1080),
            poster_s=poster_at(seconds, None),
            encoder=x264,
        )
        for name in [r.name for r in outputs.rungs] + ["audio"]:
            (outputs.package / name).mkdir(parents=True)
        commands = [
            ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(clip)],
            ["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-c", "copy", str(work / "master.mp4")],
            ["ffmpeg", "-v", "error", "-y", *ladder],
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for argv in commands:
            subprocess.run(argv, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        shutil.rmtree(work)
    return sorted(runs)[len(runs) // 2]


@dataclass
class Day:
    n: int
    minutes: float
    samples: list[dict[str, float]] = field(default_factory=list)
    arrived: int = 0
    refused: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    drained: bool = False
    waiting: int = 0  # arrived, not yet uploaded when the run stopped (still at the clients)
    cpu: dict[str, float] = field(default_factory=dict)

    def hour_at(self, wall_s: float) -> float:
        return wall_s / (self.minutes * 60) * HOURS


async def sample(progress: Progress, day: Day, started: float) -> dict[str, float]:
    """How many of the campaign's submissions have passed each stage, from intake's store."""
    by_stage: list[dict[str, Any]] = [
        {"$match": {"campaign_id": "chaos"}},
        {"$group": {"_id": "$stage", "n": {"$sum": 1}}},
    ]
    deadline = time.monotonic() + STORE_PATIENCE_S
    while True:
        try:
            counts = {
                r["_id"]: r["n"] for r in await (await progress.submissions.aggregate(by_stage)).to_list()
            }
            # The media stages by their own records too: intake's copy lags when its consumer does.
            checked = await progress.client["zhengji_validator"]["reports"].count_documents({})
            encoded = await progress.client["zhengji_transcoder"]["jobs"].count_documents({"state": "done"})
            break
        except Exception:  # the store is busy restarting (not in a calm run): ask again, for a while
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)
    row = {"t": time.monotonic() - started, "arrived": day.arrived, "checked": checked, "encoded": encoded}
    for key, stages in (("uploaded", UPLOADED), ("validated", VALIDATED), ("transcoded", TRANSCODED)):
        row[key] = sum(n for stage, n in counts.items() if stage in stages)
    row["ended"] = sum(n for stage, n in counts.items() if stage in ENDED)
    # The queues, as the stages stand: uploaded and not checked yet; passed and not transcoded yet.
    row["validating"], row["transcoding"] = counts.get("validating", 0), counts.get("transcoding", 0)
    day.samples.append(row)
    return row


async def play(api: httpx.AsyncClient, day: Day, run: Run, clip: bytes, clients: int, started: float) -> None:
    """Each arrival at its (compressed) time; at most ``clients`` uploading at once."""
    gate = asyncio.Semaphore(clients)

    async def one(i: int) -> None:
        async with gate:
            try:
                run.sids.append(await submit(api, i, clip, run))
            except Exception as exc:  # refused (4xx): counted and shown, the day goes on
                day.refused.append(f"{i}: {type(exc).__name__}: {exc}"[:300])

    tasks = []
    for i, hour in enumerate(arrivals(day.n), start=1):
        due = started + hour / HOURS * day.minutes * 60
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        day.arrived += 1
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)


async def one_day(
    root: Path, n: int, minutes: float, clip: bytes, clients: int, every_s: float, drain_s: float
) -> Day:
    day, run = Day(n, minutes), Run("day")
    cluster = Cluster(root, PASSWORD, SETTINGS)
    progress = Progress(cluster.servers.mongodb_uri)
    try:
        await cluster.start()
        pids = {name: proc.pid for name, proc in cluster.procs.items()}
        pids |= {"broker": cluster.servers.procs[0].pid, "store": cluster.servers.procs[1].pid}
        async with httpx.AsyncClient(base_url=cluster.url("intake"), timeout=120) as api:
            await setup(api)
            idle = {name: cpu_s(pid) for name, pid in pids.items()}
            await asyncio.sleep(IDLE_S)
            before = {name: cpu_s(pid) for name, pid in pids.items()}
            idle_rate = {name: (before[name] - idle[name]) / IDLE_S for name in pids}
            started = time.monotonic()
            player = asyncio.create_task(play(api, day, run, clip, clients, started))
            moved_at, last = time.monotonic(), -1
            while True:
                row = await sample(progress, day, started)
                if row["ended"] > last:
                    moved_at, last = time.monotonic(), int(row["ended"])
                if player.done() and row["ended"] >= n - len(day.refused):
                    day.drained = True
                    break
                if player.done() and time.monotonic() - moved_at > STALL_S:
                    break
                if time.monotonic() - started > minutes * 60 + drain_s:
                    # The report says how far it got, uploads still waiting at the clients too: a
                    # day whose intake falls behind would otherwise run until the last one is in.
                    break
                if len(day.samples) % 12 == 1:
                    print(f"  {row['t']:7.0f} s ({day.hour_at(row['t']):4.1f} h): " + _line(row), flush=True)
                await asyncio.sleep(every_s)
            day.waiting = day.arrived - len(run.sids) - len(day.refused)
            player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await player
            day.wall_s = time.monotonic() - started
        spent = {name: cpu_s(pid) - before[name] for name, pid in pids.items()}
        day.cpu = {name: spent[name] - idle_rate[name] * day.wall_s for name in pids}
    finally:
        await progress.client.close()
        cluster.stop()
    return day


def _line(row: dict[str, float]) -> str:
    keys = ("arrived", "uploaded", "validated", "transcoded")
    as_recorded = ", ".join(f"{k} {int(row[k])}" for k in keys)
    return f"{as_recorded} (by the stages themselves: {int(row['checked'])} / {int(row['encoded'])})"


def busiest_minute(day: Day, key: str) -> float:
    """The most ``key`` grew in any 60 s of the run (per minute)."""
    best = 0.0
    for i, row in enumerate(day.samples):
        later = [r for r in day.samples[i:] if r["t"] <= row["t"] + 60]
        best = max(best, later[-1][key] - row[key])
    return best


def report(day: Day, clip_s: float, bare_s: float) -> None:
    n, minutes = day.n, day.wall_s / 60
    print(
        f"\n{n} submissions, 48 h played in {day.minutes:g} min; all ended after {minutes:.1f} min"
        if day.drained
        else f"\nNOT DRAINED after {minutes:.1f} min (stalled, or --drain-minutes reached)"
    )
    if day.waiting:
        print(f"  {day.waiting} arrivals had not finished uploading when the run stopped")
    for key in ("arrived", "uploaded", "validated", "transcoded", "checked", "encoded"):
        overall = day.samples[-1][key] / minutes
        print(f"  {key:<10} {overall:6.1f}/min overall, busiest minute {busiest_minute(day, key):5.0f}")
    queues: dict[str, Callable[[dict[str, float]], float]] = {
        "waiting to upload": lambda r: r["arrived"] - r["uploaded"],
        "validation queue": lambda r: r["validating"],
        "transcode queue": lambda r: r["transcoding"],
    }
    for name, depth in queues.items():
        deepest = max(day.samples, key=depth)
        at = deepest["t"]
        print(f"  deepest {name}: {depth(deepest):.0f} at {at:.0f} s ({day.hour_at(at):.1f} h)")
    # Per submission that got in: a run stopped before every arrival had uploaded did no work for
    # the rest (the store, intake and the load generator did some: shown per uploaded one too).
    n = int(day.samples[-1]["uploaded"]) or n
    print(f"  CPU seconds per uploaded submission ({n}; process + its ffmpeg), its idle use taken off:")
    for name, spent in sorted(day.cpu.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<11} {max(0.0, spent) / n:6.2f}")  # below 0: idle use varied, not saved
    whole = sum(day.cpu.values()) / n
    print(f"  baseline, bare ffprobe + remux + ladder of one clip: {bare_s:.2f} CPU s")
    print(f"  transcoder per submission / baseline: {day.cpu['transcoder'] / n / bare_s:.2f}")
    print(f"  every process per submission / baseline: {whole / bare_s:.2f}")
    if day.refused:
        print(f"  refused: {len(day.refused)}, first: {day.refused[0]}")
    transcoded = int(day.samples[-1]["transcoded"])
    if transcoded:
        per_clip = day.cpu["transcoder"] / transcoded
        print(f"  transcoder CPU per transcoded clip of {clip_s:g} s: {per_clip:.2f} s")


async def main_async(args: argparse.Namespace, tmp: Path) -> None:
    me = asyncio.current_task()  # SIGTERM cancels the run like Ctrl-C: the cluster is stopped
    assert me is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, me.cancel)
    clip_path = await samples.conforming(tmp / "clip.mp4", seconds=args.clip_seconds)
    bare_s = await asyncio.to_thread(bare_cpu_s, clip_path, args.clip_seconds)
    clip = clip_path.read_bytes()
    print(f"provincial day: {args.submissions} submissions over 48 h played in {args.minutes:g} min")
    drain_s = args.drain_minutes * 60
    day = await one_day(
        tmp / "day", args.submissions, args.minutes, clip, args.clients, args.sample_s, drain_s
    )
    report(day, args.clip_seconds, bare_s)
    draw(day.samples, day.minutes, HOURS, Path(args.png))
    print(f"  chart: {args.png}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=5000)
    parser.add_argument("--minutes", type=float, default=60.0, help="wall time the 48 hours are played in")
    parser.add_argument("--clip-seconds", type=float, default=2.0)
    parser.add_argument("--clients", type=int, default=20, help="uploads at once, at most")
    parser.add_argument("--sample-s", type=float, default=5.0)
    parser.add_argument(
        "--drain-minutes", type=float, default=600.0, help="after the last arrival: report after this long"
    )
    parser.add_argument("--png", default="provincial-day.png")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zhengji-day-"))
    try:
        asyncio.run(main_async(args, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
