"""Transcoder: renditions for reviewers and the showcase.

Jobs go through the job table (``services/common/jobs.py``): the Kafka handler
only enqueues, workers encode under a lease. See docs/decisions/0003-long-jobs.md."""

import asyncio
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import TOPICS, Rendition, SubmissionTranscoded, SubmissionValidated
from services.common.consumer import Effect
from services.common.jobs import DONE, FAILED, Job, JobTable, LeaseLost, run_workers
from services.common.mediaproc import Progress, ToolTimedOut, run_ffmpeg
from services.common.metrics import JOB_SECONDS, JOBS_RUNNING
from services.common.service import Service
from services.transcoder.renditions import preview_and_poster, x264_args
from services.validator.probe import ProbeFailed, probe


class TranscoderService(Service):
    name = "transcoder"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobs = JobTable(self.db, "jobs", lease_s=self.settings.job_lease_s)
        self.worker_id = f"{socket.gethostname()}:{id(self):x}"

    def register(self) -> None:
        super().register()
        self.consume(TOPICS["validated"], SubmissionValidated, self.on_validated)

    async def setup(self) -> None:
        await self.jobs.create_indexes()

    async def start(self) -> None:
        await super().start()
        self.spawn(run_workers(self.jobs, self.worker_id, self.settings.transcoder_concurrency, self.run_job))

    async def on_validated(self, event: SubmissionValidated) -> Effect:
        if not event.passed:
            return Effect()
        job_id = f"{event.submission_id}:v{event.entry.version}"

        async def writes(session: AsyncClientSession) -> None:
            await self.jobs.enqueue(
                job_id, {"event": event.model_dump_json()}, event.duration_s or 0.0, session
            )

        return Effect(writes=writes)

    async def run_job(self, job: Job) -> None:
        event = SubmissionValidated.model_validate_json(job["payload"]["event"])
        workdir = Path(tempfile.mkdtemp(prefix="job-", dir=self.deps.blobs.tmp))
        started = time.perf_counter()
        progress: dict[str, Any] = {"percent": 0.0}
        heartbeat = asyncio.create_task(self._heartbeat(job, progress))
        JOBS_RUNNING.labels("transcode").inc()
        result = "failed"
        try:
            try:
                renditions = await self._encode(event, workdir, progress)
                outcome = SubmissionTranscoded(
                    **self._envelope(event),
                    succeeded=True,
                    renditions=renditions,
                    duration_s=event.duration_s,
                )
                result = "done"
            except (ToolTimedOut, TranscodeFailed, ProbeFailed) as exc:
                outcome = SubmissionTranscoded(**self._envelope(event), succeeded=False, reason=str(exc))
            heartbeat.cancel()
            await self._finish(job, outcome)
        except LeaseLost:
            self.log.warning("job_lease_lost", job_id=job["_id"])
        finally:
            heartbeat.cancel()
            JOBS_RUNNING.labels("transcode").dec()
            JOB_SECONDS.labels("transcode", result).observe(time.perf_counter() - started)
            shutil.rmtree(workdir, ignore_errors=True)

    async def _encode(
        self, event: SubmissionValidated, workdir: Path, progress: dict[str, Any]
    ) -> list[Rendition]:
        source = self.deps.blobs.path_of(event.media)
        info = await probe(source, timeout_s=self.settings.probe_timeout_s)
        duration = info.duration_s or event.duration_s or 0.0
        args, outputs = preview_and_poster(source, workdir, info.audio is not None, x264_args())

        async def on_progress(p: Progress) -> None:
            progress["percent"] = (
                100.0 if p.done else min(99.9, 100 * p.out_time_s / duration) if duration else 0
            )
            progress["speed"] = p.speed
            if p.speed and duration:
                progress["eta_s"] = max(0.0, (duration - p.out_time_s) / p.speed)

        done = await run_ffmpeg(args, self.settings.transcode_timeout_s, on_progress)
        if done.returncode != 0:
            raise TranscodeFailed(_last_lines(done.stderr))
        renditions = []
        for out in outputs:
            if not out.path.exists() or out.path.stat().st_size == 0:
                raise TranscodeFailed(f"{out.name} was not written")
            ref = self.deps.blobs.put_file(out.path, out.media_type, move=True)
            renditions.append(Rendition(name=out.name, blob=ref, height=out.height))
        return renditions

    async def _heartbeat(self, job: Job, progress: dict[str, Any]) -> None:
        while True:
            await asyncio.sleep(self.settings.job_lease_s / 3)
            await self.jobs.renew(job, dict(progress))

    async def _finish(self, job: Job, outcome: SubmissionTranscoded) -> None:
        state = DONE if outcome.succeeded else FAILED

        async def work(session: AsyncClientSession) -> None:
            await self.jobs.finish(job, state, session, reason=outcome.reason)
            await self.outbox.add([outcome], session, causation=str(outcome.causation_id))

        async with self.deps.client.start_session() as session:
            await session.with_transaction(work)
        self.log.info("transcoded", succeeded=outcome.succeeded, reason=outcome.reason)

    def _envelope(self, event: SubmissionValidated) -> dict[str, Any]:
        return {
            "submission_id": event.submission_id,
            "campaign_id": event.campaign_id,
            "correlation_id": event.correlation_id,
            "causation_id": event.event_id,
            "producer": self.name,
            "entry": event.entry,
            "attribution": event.attribution,
        }


class TranscodeFailed(Exception):
    pass


def _last_lines(stderr: bytes, n: int = 3) -> str:
    lines = [line for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    return " | ".join(lines[-n:]) or "ffmpeg failed"
