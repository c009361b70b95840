"""One transcode, start to finish: probe, plan, master, streaming pass, verify, store.

Every output is probed after it is written and checked against its profile before anything
is stored; a mismatch fails the job with the reason. Time is bounded per job (the setting
``transcode_timeout_s`` covers all its ffmpeg runs together)."""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts import Rendition
from contracts.campaign import VideoSpec
from services.common.blobs import BlobStore
from services.common.metrics import FFMPEG_SPEED
from services.media.inputs import OWN_PACKAGE_DEMUXERS
from services.media.probe import Probe, ProbeFailed, probe
from services.media.process import Completed, Progress, ToolTimedOut
from services.transcoder import failures
from services.transcoder.checks import check_image, check_ladder, check_master, check_sprite
from services.transcoder.encoders import EncoderChoice
from services.transcoder.ladder import (
    POSTER_HEIGHT,
    poster_at,
    sprite_args,
    sprite_grid,
    streaming_args,
    thumbnails_vtt,
)
from services.transcoder.loudness import Loudness, measure_args, normalise_filter, parse_measurement
from services.transcoder.master import master_args
from services.transcoder.packages import store_package
from services.transcoder.profiles import MasterPlan, master_profile, plan_master, with_loudness
from services.transcoder.progress import JobProgress

OnProgress = Callable[[Progress], Awaitable[None]]
Runner = Callable[[list[str], float, OnProgress | None], Awaitable[Completed]]


@dataclass
class Result:
    renditions: list[Rendition]
    record: dict[str, Any] = field(default_factory=dict)


class Transcode:
    def __init__(
        self,
        source: Path,
        workdir: Path,
        *,
        blobs: BlobStore,
        spec: VideoSpec | None,
        encoder: EncoderChoice,
        runner: Runner,
        timeout_s: float,
        probe_timeout_s: float,
        duration_hint_s: float | None = None,
    ) -> None:
        self.source, self.workdir, self.blobs, self.spec = source, workdir, blobs, spec
        self.encoder, self.runner = encoder, runner
        self.timeout_s, self.probe_timeout_s = timeout_s, probe_timeout_s
        self.deadline = time.monotonic() + timeout_s
        self.progress = JobProgress(duration_hint_s or 0.0)
        self.timings: dict[str, float] = {}
        # What the job row keeps, filled in as the job goes (a failed job keeps what it got to).
        self.record: dict[str, Any] = {
            "encoder": {"encoder": encoder.encoder, "gpu_decode": encoder.gpu_decode},
            "timings_s": self.timings,
        }
        self.out_time_s = 0.0  # how far the running pass has got, as ffmpeg reports it

    async def run(self) -> Result:
        profile = master_profile(self.spec)
        source = await probe(self.source, timeout_s=self.probe_timeout_s)
        duration = source.duration_s or self.progress.duration_s
        self.progress.duration_s = duration
        plan = plan_master(source, profile)
        self._note(plan)
        measure = ["measure"] if plan.audio_index is not None else []
        self.progress.plan([*measure, "encode", "streaming", "sprite", "verify"])
        loud = None
        if plan.audio_index is not None:
            loud = await self._measure(plan.audio_index)
            plan = with_loudness(plan, loud.integrated, profile)
            self.record["loudness_lufs"] = loud.integrated
            self._note(plan)
        self.progress.passes[len(measure)] = "remux" if plan.remux else "encode"  # known only now
        master = self.workdir / "master.mp4"
        audio_filter = (
            normalise_filter(profile.target_loudness, loud, profile.encode_sample_rate)
            if plan.audio == "encode"
            else None
        )
        args = master_args(self.source, master, plan, profile, self.encoder, audio_filter)
        await self._ffmpeg("remux" if plan.remux else "encode", args)
        master_probe = await self._probe_output(master, "delivery master / 交付母版")
        problems = check_master(master_probe, profile, plan, source)
        if problems:
            raise failures.output_mismatch("delivery master / 交付母版", problems)
        renditions = await self._streaming(master, plan, duration)
        master_ref = await self.blobs.put_file(master, "video/mp4", move=True)
        v = master_probe.video
        assert v is not None
        bps = v.bit_rate or master_probe.bit_rate
        renditions.insert(
            0,
            Rendition(
                name="master",
                kind="master",
                blob=master_ref,
                width=plan.width,
                height=plan.height,
                codec=v.codec_name,
                frame_rate=v.frame_rate,
                bit_rate_kbps=round(bps / 1000) if bps else None,
                remuxed=plan.remux,
            ),
        )
        return Result(renditions, self.record)

    async def _measure(self, audio_index: int) -> Loudness:
        done = await self._ffmpeg("measure", measure_args(self.source, audio_index))
        stderr = done.stderr.decode(errors="replace")
        measured = parse_measurement(stderr)
        if measured is None or "Output file is empty" in stderr or self.out_time_s <= 0:
            raise failures.empty_audio()
        return measured

    async def _streaming(self, master: Path, plan: MasterPlan, duration: float) -> list[Rendition]:
        grid = sprite_grid(duration or 1.0, plan.width, plan.height)
        slate = self.spec.intro_slate_max_s if self.spec else None
        args, out = streaming_args(
            master,
            self.workdir,
            height=plan.height,
            frame_rate=plan.frame_rate,
            has_audio=plan.audio is not None,
            grid=grid,
            poster_s=poster_at(duration, slate),
            encoder=self.encoder,
        )
        await self._ffmpeg("streaming", args)
        await self._ffmpeg("sprite", sprite_args(out))
        self.progress.begin("verify")
        (out.package / "thumbnails.vtt").write_text(thumbnails_vtt(grid, duration or 1.0), encoding="utf-8")
        ladder = await self._probe_output(out.master_playlist, "HLS")
        poster = await self._probe_output(out.poster, "poster / 封面")
        sprite = await self._probe_output(out.sprite, "sprite / 缩略图")
        poster_h = min(POSTER_HEIGHT, plan.height - plan.height % 2)
        problems = check_ladder(ladder, out.rungs, plan.audio is not None, duration)
        problems += check_image(poster, "poster", height=poster_h) + check_sprite(sprite, grid)
        if problems:
            raise failures.output_mismatch("streaming renditions / 流媒体版本", problems)
        poster_ref = await self.blobs.put_file(out.poster, "image/jpeg", move=True)
        package = await store_package(self.blobs, out.package)
        top = out.rungs[0]
        pv = poster.video
        return [
            Rendition(
                name="hls",
                kind="hls",
                blob=package.ref("master.m3u8"),
                package_sha256=package.sha256,
                height=top.height,
                codec="h264",
                frame_rate=plan.frame_rate,
                bit_rate_kbps=top.kbps,
            ),
            Rendition(
                name="poster",
                kind="poster",
                blob=poster_ref,
                width=pv.width if pv else None,
                height=pv.height if pv else None,
            ),
            Rendition(
                name="sprite",
                kind="sprite",
                blob=package.ref("sprite.jpg"),
                package_sha256=package.sha256,
                width=grid.size[0],
                height=grid.size[1],
            ),
            Rendition(
                name="thumbnails",
                kind="thumbnails",
                blob=package.ref("thumbnails.vtt"),
                package_sha256=package.sha256,
            ),
        ]

    async def _probe_output(self, path: Path, what: str) -> Probe:
        """An output that cannot even be probed is ours to explain, not the teacher's."""
        try:
            return await probe(path, timeout_s=self.probe_timeout_s, demuxers=OWN_PACKAGE_DEMUXERS)
        except ProbeFailed as exc:
            raise failures.output_mismatch(what, [exc.reason_en, exc.detail[-200:]]) from exc

    async def _ffmpeg(self, name: str, args: list[str]) -> Completed:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise failures.timed_out(self.timeout_s)
        self.progress.begin(name)
        self.out_time_s = 0.0
        started = time.perf_counter()

        async def on_progress(p: Progress) -> None:
            self.out_time_s = max(self.out_time_s, p.out_time_s)
            self.progress.update(p)

        try:
            done = await self.runner(args, remaining, on_progress)
        except ToolTimedOut:
            raise failures.timed_out(self.timeout_s) from None
        self.timings[name] = round(time.perf_counter() - started, 3)
        if done.returncode != 0:
            raise failures.ffmpeg_failed(done.stderr, self.out_time_s)
        if self.progress.speed:
            FFMPEG_SPEED.labels(name).observe(self.progress.speed)
        return done

    def _note(self, plan: MasterPlan) -> None:
        self.record["plan"] = {
            "video": plan.video,
            "audio": plan.audio,
            "remux": plan.remux,
            "why": list(plan.why),
        }
