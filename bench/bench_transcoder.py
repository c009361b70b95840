"""Benchmark of the transcoder: `.venv/bin/python bench/bench_transcoder.py [--seconds 10]`.

In one run, on this machine's CPU path (libx264), with two 1080p25 uploads made here (testsrc2 and a
tone): one that needs work (about 30 Mb/s, over the Yanbian ceiling) and one that conforms (CBR
8 Mb/s). Both go through the real TranscoderService on an embedded Tansu + SecantusDB (a
``validated`` event in, the job run by a worker, the ``transcoded`` event stored), which records
every ffmpeg command it runs. Then, with the same inputs:

1. master encode: the service's encode pass against the bare ffmpeg command line with the identical
   arguments (overhead ratio), and against the whole job (probe, loudness, encode, output probes,
   streaming pass, storing);
2. streaming renditions: the service's one-pass ladder (3 rungs + poster + thumbnails, one decode)
   against separate ffmpeg runs (one per rung, one for the sound, a seeking one for the poster, one
   for the thumbnails), each decoding the master again;
3. the remux path against a full encode of the same conforming upload;
4. the loudness measurement: ebur128 (used) against loudnorm's own first pass.

Wall time and CPU time (user + system of the ffmpeg children) are both printed: the machine is
shared, and CPU time is the steadier of the two. Asserts only that the outputs exist. No thresholds.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from aiokafka import AIOKafkaProducer

from contracts import CAMPAIGN_TOPIC, TOPICS, Attribution, CampaignDefined, EntryInfo, SubmissionValidated
from services.common.blob_files import FileBlobStore
from services.common.blobs import BlobStore
from services.common.log import configure_logging
from services.common.store import connect
from services.intake.presets import load_preset
from services.media.probe import probe
from services.media.process import Completed, run_ffmpeg
from services.transcoder.app import TranscoderService
from services.transcoder.encoders import choose
from services.transcoder.ladder import LADDER, SEGMENT_S
from services.transcoder.master import master_args
from services.transcoder.pipeline import OnProgress
from services.transcoder.profiles import master_profile, plan_master
from zhengji import runtime
from zhengji.embedded import EmbeddedServers
from zhengji.ports import free_port
from zhengji.server import embedded_settings

FFMPEG = ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]


class Recording(TranscoderService):
    """The real service; every ffmpeg command it runs is kept, in order."""

    commands: ClassVar[list[list[str]]] = []

    async def ffmpeg(self, args: list[str], timeout_s: float, on_progress: OnProgress | None) -> Completed:
        Recording.commands.append(list(args))
        return await super().ffmpeg(args, timeout_s, on_progress)


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Wall and CPU seconds (CPU: of the child processes that ended meanwhile)."""
    cpu, wall = cpu_children(), time.perf_counter()
    await work()
    return time.perf_counter() - wall, cpu_children() - cpu


async def bare(args: list[str]) -> None:
    """The plain command line: ffmpeg with the arguments given, nothing else."""
    proc = await asyncio.create_subprocess_exec(*FFMPEG, *args, stdin=asyncio.subprocess.DEVNULL)
    assert await proc.wait() == 0, args


async def make_inputs(folder: Path, seconds: float) -> tuple[Path, Path]:
    source = ["-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=25:duration={seconds}"]
    source += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"]
    audio = ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart"]
    video = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50"]
    heavy, conforming = folder / "needs-work.mp4", folder / "conforming.mp4"
    await bare([*source, *video, "-crf", "8", *audio, str(heavy)])
    cbr = ["-b:v", "8M", "-minrate", "8M", "-maxrate", "8M", "-bufsize", "8M", "-x264-params", "nal-hrd=cbr"]
    await bare([*source, *video, *cbr, *audio, str(conforming)])
    return heavy, conforming


async def run_job(settings: Any, blobs: BlobStore, media: Path, sid: str, seconds: float) -> dict[str, Any]:
    """One upload through the service: its job row once done, with the wall time around it."""
    ref = await blobs.put_file(media, "video/mp4")
    event = SubmissionValidated(
        submission_id=sid,
        campaign_id="yanbian-2024",
        correlation_id=f"{sid}:v1",
        producer="bench",
        entry=EntryInfo(title=sid, group="教师组", version=1),
        attribution=Attribution(unit_code="222401001", unit_name="延吉市第一小学"),
        media=ref,
        passed=True,
        findings=[],
        duration_s=seconds,
    )
    client = connect(settings.mongodb_uri)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        started = time.perf_counter()
        await producer.send_and_wait(TOPICS["validated"], event.model_dump_json().encode(), key=sid.encode())
        jobs = client[f"{settings.db_prefix}_transcoder"]["jobs"]
        deadline, job = time.monotonic() + 3600, None
        while job is None:
            job = await jobs.find_one({"_id": f"{sid}:v1", "state": {"$in": ["done", "failed"]}})
            if job is None and time.monotonic() > deadline:
                raise TimeoutError(f"{sid} did not finish")
            await asyncio.sleep(0 if job else 0.2)
        assert job["state"] == "done", job.get("reason")
        job["wall_s"] = time.perf_counter() - started
        return job
    finally:
        await producer.stop()
        await client.close()


def kind_of(args: list[str]) -> str:
    """Which of a job's passes a recorded command is."""
    joined = " ".join(args)
    if "-filter_complex" in args:
        return "streaming"
    if "ebur128" in joined:
        return "measure"
    if "tile=" in joined:
        return "sprite"
    return "remux" if args[args.index("-c:v") + 1] == "copy" else "encode"


def pass_named(commands: list[list[str]], name: str) -> list[str]:
    return next(args for args in commands if kind_of(args) == name)


def moved(args: list[str], old: Path, new: Path) -> list[str]:
    """The same arguments writing into ``new`` instead of the job's (removed) work dir."""
    return [a.replace(str(old), str(new)) for a in args]


async def separate_runs(master: Path, out: Path, poster_s: float) -> None:
    """What the ladder costs without the one-pass split: each output decodes the master again."""
    shutil.rmtree(out, ignore_errors=True)
    enc = choose("x264", False, False, 2, 1)
    hls = ["-f", "hls", "-hls_time", f"{SEGMENT_S:g}", "-hls_playlist_type", "vod"]
    hls += ["-hls_segment_type", "fmp4"]
    source = ["-i", str(master)]
    for rung in LADDER:
        (out / rung.name).mkdir(parents=True)
        video = [*source, "-map", "0:v:0", "-vf", f"scale=-2:{rung.height},format=yuv420p"]
        gop = enc.ladder_gop_args(round(SEGMENT_S / 2 * 25), SEGMENT_S)
        await bare([*video, *enc.rung_args(0, rung.kbps), *gop, *hls, str(out / rung.name / "index.m3u8")])
    (out / "audio").mkdir()
    sound = [*source, "-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"]
    await bare([*sound, *hls, str(out / "audio" / "index.m3u8")])
    poster = ["-vf", "thumbnail=25,scale=-2:720", "-frames:v", "1", str(out / "poster.jpg")]
    await bare(["-ss", f"{poster_s:g}", *source, *poster])  # seeks: decodes about a second
    await bare([*source, "-vf", "fps=1/1,scale=160:90", str(out / "thumb-%04d.jpg")])


async def alternating(rounds: int, *works: Callable[[], Awaitable[Any]]) -> list[tuple[float, float]]:
    """Median wall and CPU seconds of each work, run in turns so that load from others hits all alike."""
    times: list[list[tuple[float, float]]] = [[] for _ in works]
    for _ in range(rounds):
        for i, work in enumerate(works):
            times[i].append(await timed(work))
    return [(statistics.median(w for w, _ in t), statistics.median(c for _, c in t)) for t in times]


def row(label: str, wall: float, cpu: float, base: tuple[float, float] | None = None) -> str:
    ratio = f"{wall / base[0]:5.2f}x wall {cpu / base[1]:5.2f}x cpu" if base else ""
    return f"  {label:<50} {wall:7.2f} s wall {cpu:7.2f} s cpu   {ratio}"


async def through_service(settings: Any, heavy: Path, conforming: Path, seconds: float) -> dict[str, Any]:
    """Both uploads through the real TranscoderService; their job rows, CPU and commands."""
    runtime.SERVICES["transcoder"] = Recording
    service = runtime.Runtime(settings, ["transcoder"])
    await service.start()
    try:
        producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
        await producer.start()
        campaign = load_preset("yanbian-2024")
        defined = CampaignDefined(campaign_id=campaign.id, producer="bench", spec=campaign)
        await producer.send_and_wait(
            CAMPAIGN_TOPIC, defined.model_dump_json().encode(), key=campaign.id.encode()
        )
        await producer.stop()
        blobs = FileBlobStore(settings.blobs_path())
        runs: dict[str, Any] = {}
        for name, media in (("heavy", heavy), ("light", conforming)):
            Recording.commands.clear()
            cpu = cpu_children()
            job = await run_job(settings, blobs, media, name.upper(), seconds)
            runs[name] = {"job": job, "cpu": cpu_children() - cpu, "commands": list(Recording.commands)}
        return runs
    finally:
        await service.stop()
        runtime.SERVICES["transcoder"] = TranscoderService


async def main(seconds: float, rounds: int) -> None:
    configure_logging(json=False, level="WARNING")
    tmp = Path(tempfile.mkdtemp(prefix="bench-transcoder-"))
    servers = EmbeddedServers(tmp / "data")
    try:
        heavy, conforming = await make_inputs(tmp, seconds)
        await servers.astart()
        settings = embedded_settings(tmp / "data", servers, "127.0.0.1", free_port(), job_lease_s=30.0)
        runs = await through_service(settings, heavy, conforming, seconds)
        heavy_job, light_job = runs["heavy"]["job"], runs["light"]["job"]

        # 1. The master encode: the service's runner against the bare command, identical arguments.
        work = tmp / "bare"
        work.mkdir()
        encode = pass_named(runs["heavy"]["commands"], "encode")
        job_dir = Path(encode[-1].removeprefix("file:")).parent
        encode = moved(encode, job_dir, work)

        async def service_runner() -> None:
            assert (await run_ffmpeg(encode, 3600, None)).returncode == 0

        bare_encode, runner_encode = await alternating(rounds, lambda: bare(encode), service_runner)

        # 2. Streaming renditions from that master: one pass against separate runs.
        streaming = moved(pass_named(runs["heavy"]["commands"], "streaming"), job_dir, work)
        poster_s = float(re.findall(r"trim=start=([\d.]+)", " ".join(streaming))[0])

        async def one_pass() -> None:
            shutil.rmtree(work / "package", ignore_errors=True)
            await bare(streaming)

        one, apart = await alternating(
            rounds, one_pass, lambda: separate_runs(work / "master.mp4", tmp / "apart", poster_s)
        )
        assert (work / "package" / "master.m3u8").is_file() and (tmp / "apart" / "poster.jpg").is_file()

        # 3. The conforming upload: remux against a full encode to the same profile.
        light = tmp / "light"
        light.mkdir()
        remux = pass_named(runs["light"]["commands"], "remux")
        remux = moved(remux, Path(remux[-1].removeprefix("file:")).parent, light)
        profile = master_profile(load_preset("yanbian-2024").video_spec())
        plan = plan_master(await probe(conforming), profile)
        assert plan.remux
        forced = replace(plan, video="encode", audio="encode")
        x264 = choose("x264", False, False, 2, 1)
        full = master_args(conforming, light / "encoded.mp4", forced, profile, x264)
        full_encode, bare_remux = await alternating(rounds, lambda: bare(full), lambda: bare(remux))

        # 4. Measuring loudness: ebur128 against loudnorm's first pass.
        measure = pass_named(runs["heavy"]["commands"], "measure")
        loudnorm = [*measure[: measure.index("-af") + 1], "loudnorm=print_format=json", "-f", "null", "-"]
        ebur, first_pass = await alternating(rounds, lambda: bare(measure), lambda: bare(loudnorm))

        print(f"transcoder bench: 1080p25 uploads of {seconds:g} s (testsrc2 + 440 Hz tone), CPU path")
        print(f"(libx264 {x264.threads} threads), medians of {rounds} alternating rounds")
        print("1. master encode (an upload over the bit-rate ceiling: picture encoded, sound copied)")
        print(row("bare ffmpeg, identical arguments", *bare_encode))
        print(row("service's runner (run_ffmpeg: -progress, rlimits)", *runner_encode, bare_encode))
        print(
            row(
                "service, whole job (event in .. event stored)",
                heavy_job["wall_s"],
                runs["heavy"]["cpu"],
                bare_encode,
            )
        )
        print(f"    passes in the job (s): {heavy_job['result']['timings_s']}")
        print("2. streaming renditions from the 1080p master (3 rungs, audio, poster, thumbnails)")
        print(row("one pass: one decode, split + scale (service's args)", *one))
        print(row("separate runs, each decoding the master again", *apart, one))
        print("3. the conforming upload")
        print(row("full encode to the same profile (x264)", *full_encode))
        print(row("remux path: -c copy +faststart (service's args)", *bare_remux, full_encode))
        print(
            row(
                "service, whole job (remux, streaming, checks)",
                light_job["wall_s"],
                runs["light"]["cpu"],
                full_encode,
            )
        )
        print(f"    passes in the job (s): {light_job['result']['timings_s']}")
        print("4. measuring the upload's loudness")
        print(row("ebur128 (used)", *ebur))
        print(row("loudnorm's own first pass", *first_pass, ebur))
    finally:
        await servers.astop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the test uploads")
    parser.add_argument("--rounds", type=int, default=3, help="alternating repetitions of each comparison")
    options = parser.parse_args()
    asyncio.run(main(options.seconds, options.rounds))
